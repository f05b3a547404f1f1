"""`python -m search` runs the gcm-search command line."""

from .cli import main

main(prog_name="gcm-search")
