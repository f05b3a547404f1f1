"""`python -m search` runs the gcm-search command line."""

from .cli import run

run(prog_name="gcm-search")
