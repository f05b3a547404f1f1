"""The command group and what every command shares: turning errors into one line and an exit
code, the --corpus/--index-dir and --json options, opening (or building) the index with a progress
bar, and writing an export to a file or stdout.

A command's module is imported when that command runs (`COMMANDS`), not at start-up: a search
never loads what `add`, `serve` or `export` need, and `--version` loads no command at all.
"""

from __future__ import annotations

import functools
import gc
import importlib
import json
import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import click

from .. import __version__
from ..errors import BadInput, GcmSearchError

if TYPE_CHECKING:
    from ..config import Config
    from ..index import OpenIndex

F = TypeVar("F", bound=Callable[..., Any])

COMMANDS = {
    "search": "find", "similar": "find", "show": "find", "compare": "find",
    "objectives": "find",
    "cite": "cite", "verify": "cite",
    "add": "corpus", "remove": "corpus", "documents": "corpus", "index": "corpus",
    "stats": "corpus", "serve": "serve",
    "export": "outputs", "coverage": "outputs",
}
"""Each command and the module of search/cli/ that defines it (a test checks the two agree)."""
ONE_SHOT = frozenset({"search", "similar", "show", "compare", "objectives", "cite", "verify"})
"""Commands that answer one question and exit: `run` keeps the garbage collector paused while
they run (the others, which build, serve or write the whole index, run with it as usual)."""


class _Group(click.Group):
    """Turns gcm-search errors into one line and an exit code, wherever they are raised; loads a
    command's module when the command is asked for."""

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in COMMANDS:
            importlib.import_module(f"{__package__}.{COMMANDS[cmd_name]}")  # registers it
        return super().get_command(ctx, cmd_name)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(self.commands) | set(COMMANDS))

    def resolve_command(self, ctx: click.Context, args: list[str],
                        ) -> tuple[str | None, click.Command | None, list[str]]:
        found = super().resolve_command(ctx, args)
        if found[0] not in ONE_SHOT:
            _resume_collector()  # the command and what it needs are loaded: see `run`
        return found

    def main(self, *args: Any, standalone_mode: bool = True, **kwargs: Any) -> Any:
        if not standalone_mode:
            return super().main(*args, standalone_mode=False, **kwargs)  # type: ignore[call-overload]
        try:
            result = super().main(*args, standalone_mode=False, **kwargs)  # type: ignore[call-overload]
        except click.UsageError as exc:
            where = f" (see '{exc.ctx.command_path} --help')" if exc.ctx else ""
            click.echo(f"Error: {exc.format_message()}{where}", err=True)
            sys.exit(exc.exit_code)
        except click.ClickException as exc:
            click.echo(f"Error: {exc.format_message()}", err=True)
            sys.exit(exc.exit_code)
        except click.Abort:
            click.echo("Aborted.", err=True)
            sys.exit(1)
        sys.exit(result if isinstance(result, int) else 0)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except GcmSearchError as exc:
            click.echo(f"Error: {exc}", err=True)
            ctx.exit(exc.exit_code)
        except BrokenPipeError:
            # The reader went away (`| head`): stop quietly, as other command-line tools do.
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            ctx.exit(1)
        except KeyboardInterrupt:
            click.echo("Interrupted; the index in use is unchanged.", err=True)
            ctx.exit(130)
        except (click.exceptions.Exit, click.ClickException, click.exceptions.Abort):
            raise
        except Exception as exc:
            if os.environ.get("GCM_SEARCH_DEBUG"):
                raise
            # A bug of ours must still not show users a traceback; the name says where to look.
            click.echo(f"Error: unexpected {exc.__class__.__name__}: {exc} "
                       "(set GCM_SEARCH_DEBUG=1 for details)", err=True)
            ctx.exit(1)


_collector = {"paused": False}


def run(prog_name: str | None = None) -> None:
    """The program (the console script and `python -m search`, by way of `search.__main__`,
    which pauses the collector before even click loads): `main`, with Python's cyclic garbage
    collector paused while the program loads.

    Loading the command line, Whoosh, numpy and our modules allocates tens of thousands of
    objects that live as long as the process; the collector walked them some 75 times on the way
    (6 to 9 ms of a cold search), and again at exit. Once the command is loaded they are frozen
    (`gc.freeze`: never walked again) and the collector runs as usual, so that a build or a
    server collects its garbage as before; a `ONE_SHOT` command, which answers one question and
    exits, runs with it still paused (its few cycles go with the process) and freezes at the
    end, which keeps the collections at exit short. Only here, not in `main`: a program that
    calls `main` itself (tests) keeps its own collector as it is."""
    gc.disable()
    _collector["paused"] = True
    try:
        main(prog_name=prog_name)
    finally:
        _resume_collector()


def _resume_collector() -> None:
    if _collector["paused"]:
        _collector["paused"] = False
        gc.freeze()
        gc.enable()


def index_options(command: F) -> F:
    """--corpus and --index-dir, for every command that reads the index."""
    # Here, when a command's module defines its options: `--version` never loads the config.
    from ..config import CORPUS_ENV, INDEX_ENV, Config

    @click.option("--corpus", type=click.Path(file_okay=False), envvar=CORPUS_ENV,
                  help=f"Corpus folder (with catalog.json). Env: {CORPUS_ENV}.")
    @click.option("--index-dir", type=click.Path(file_okay=False), envvar=INDEX_ENV,
                  help=f"Where the index is kept. Env: {INDEX_ENV}.")
    @functools.wraps(command)
    def wrapper(*args: Any, corpus: str | None, index_dir: str | None, **kwargs: Any) -> Any:
        return command(*args, config=Config.load(corpus, index_dir), **kwargs)

    return wrapper  # type: ignore[return-value]


def json_option(command: F) -> F:
    return click.option("--json", "as_json", is_flag=True, help="Print JSON.")(command)


def open_or_build(config: Config) -> OpenIndex:
    """Open the index, building it (with a progress bar on stderr) when missing or stale."""
    from ..index import open_index

    return open_index(config, progress=build_progress())


def progress_bar(label: str) -> Callable[[int, int], None]:
    """A progress callback drawing a bar on stderr from its first call, closed at the end."""
    bar: Any = None

    def progress(done: int, total: int) -> None:
        nonlocal bar
        if bar is None:
            bar = click.progressbar(length=total, label=label, file=sys.stderr)
            bar.__enter__()
        bar.update(done - bar.pos)
        if done == total:
            bar.__exit__(None, None, None)
            bar = None

    return progress


def build_progress() -> Callable[[int, int], None]:
    """A progress callback that shows a bar on stderr once a build starts, and closes it."""
    bar: Any = None

    def progress(done: int, total: int) -> None:
        nonlocal bar
        if bar is None:
            click.echo("Building the search index (first use, or the corpus changed)...",
                       err=True)
            bar = click.progressbar(length=total, label="Indexing documents", file=sys.stderr)
            bar.__enter__()
        bar.update(1)
        if done == total:
            bar.__exit__(None, None, None)

    return progress


def echo_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


def write_output(data: bytes, output: str | None, *, binary: bool = False) -> None:
    """An export to `output` (written aside, then renamed: an interrupted export never leaves
    half a file in place of a good one), or to stdout when `output` is None or "-"."""
    if output is None or output == "-":
        if binary and sys.stdout.isatty():
            raise click.UsageError("an Excel workbook is binary: give --output FILE.xlsx, or "
                                   "redirect the output to a file")
        click.echo(data, nl=False)  # bytes go to stdout's binary buffer, as they are
        return
    from pathlib import Path

    path = Path(output)
    if path.is_dir():
        raise BadInput(f"{output} is a folder", "give --output a file name")
    aside = path.with_name(f".{path.name}.{os.getpid()}.part")
    try:
        aside.write_bytes(data)
        os.replace(aside, path)
    except OSError as exc:
        aside.unlink(missing_ok=True)
        raise BadInput(f"cannot write {output}: {exc.strerror}") from exc


def ansi() -> bool:
    return sys.stdout.isatty() and "NO_COLOR" not in os.environ


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, package_name="gcm-search")
def main() -> None:
    """Search national reviews of the Global Compact for Migration, passage by passage.

    Filter by GCM objective, section, kind of paragraph, country and year; every hit comes with a
    stable id and a citation. The index builds itself on first use.
    """
    # One BLAS thread unless the user asks for more. Our numpy work is matrix-vector products and
    # element-wise arithmetic, which a second thread does not speed up (measured: no faster at
    # 60,000 passages, same results), while OpenBLAS starting its thread pool made numpy's
    # import 150 ms instead of 90. Set before numpy loads (commands import it lazily); builds
    # and servers get their parallelism from processes, which inherit it.
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
