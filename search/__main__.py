"""The program: `python -m search`, and the `gcm-search` console script (`main`).

Python's garbage collector is paused first, before the command line loads; `search.cli.run`
resumes it once the command is loaded (see there why).
"""

import gc


def main(prog_name: str | None = None) -> None:
    gc.disable()
    from .cli import run  # after the pause: loading click and our modules is what it is for

    run(prog_name=prog_name)


if __name__ == "__main__":
    main(prog_name="gcm-search")
