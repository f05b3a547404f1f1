"""Research outputs: results -> what people hand colleagues.

`tables` writes any table as CSV, Excel or JSON lines; `exports` makes the table of a search's
hits; `coverage` the objective x review matrix; `kwic` keyword-in-context lines; `charts` the
numbers as SVG bar charts; `opensearch` the passages as an OpenSearch bulk file and its mapping.
Pure functions over `Passage`s, `Hit`s and plain rows: the files are written by the CLI and the
web, at the edges.
"""

TABLE_FORMATS = ("csv", "xlsx", "jsonl")
"""What `tables.as_bytes` writes (`tables.FORMATS`). Here, with `DEFAULT_LINK_BASE`, so that the
command line can offer them as choices without loading the writers at start-up."""
DEFAULT_LINK_BASE = "http://127.0.0.1:8000"
"""Where `gcm-search serve` listens by default: the passage links of a command-line export."""
