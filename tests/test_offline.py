"""Nothing gcm-search does opens a network connection: the model ships in its wheel and is read
from there. A fresh interpreter, whose sockets refuse to connect or resolve a name, builds the
index (vectors and inferred objectives included) and runs every command and page that reads the
model; each attempt to reach the network is recorded and fails the test."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

from conftest import CORPUS

DRIVER = textwrap.dedent('''
    import json, socket, sys
    attempts = []

    def refuse(name):
        def refused(*args, **kwargs):
            attempts.append(f"{name}{args[1:] if name.startswith('socket.') else args}")
            raise OSError("network blocked by the test")
        return refused

    # Every way a library reaches the network passes through one of these.
    for name in ("connect", "connect_ex", "sendto"):
        setattr(socket.socket, name, refuse(f"socket.{name}"))
    socket.create_connection = refuse("create_connection")
    socket.getaddrinfo = refuse("getaddrinfo")
    socket.gethostbyname = refuse("gethostbyname")

    from click.testing import CliRunner
    from search.cli import main
    from search.config import Config
    from search.web import create_app

    corpus, index, commands, pages = sys.argv[1], sys.argv[2], json.loads(sys.argv[3]), \\
        json.loads(sys.argv[4])
    env = {"GCM_SEARCH_CORPUS": corpus, "GCM_SEARCH_INDEX": index}
    codes = {}
    for argv in commands:
        result = CliRunner().invoke(main, argv, env=env)
        codes[" ".join(argv)] = [result.exit_code, result.stderr[-300:]]
    client = create_app(Config.load(corpus, index)).test_client()
    statuses = {path: client.get(path).status_code for path in pages}
    print(json.dumps({"attempts": attempts, "codes": codes, "statuses": statuses}))
''')

ADDED = "another-review.txt"  # written into the test's folder; `add` embeds its passages
COMMANDS = [
    ["index", "--rebuild"],
    ["add", ADDED, "--country", "Kenya", "--year", "2022", "--id", "kenya-2022"],
    ["search", "cash sent to families abroad"],
    ["search", "cash sent to families abroad", "--mode", "meaning", "--json"],
    ["search", "trafficking", "--objective", "10", "--json"],
    ["search", "trafficking", "--objective", "10", "--stated-only"],
    ["similar", "japan-2022:3b.3", "--other-documents", "--json"],
    ["show", "japan-2022:3b.3", "--json"],
    ["stats"],
    ["export", "--format", "jsonl"],
]
PAGES = ["/?q=cash+sent+to+families+abroad", "/?q=remittances&mode=meaning",
         "/api/search?q=victims", "/p/japan-2022:2a.6",
         "/api/passages/japan-2022:3b.3/similar"]


def test_no_code_path_opens_a_network_connection(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    review = next(p for p in CORPUS.iterdir() if p.suffix == ".txt")
    # Another review with the same text but its own bytes (the same bytes would be skipped).
    (tmp_path / ADDED).write_bytes(review.read_bytes() + b"\nKenya, 2022.\n")
    done = subprocess.run(
        [sys.executable, "-c", DRIVER, str(corpus), str(tmp_path / "index"),
         json.dumps(COMMANDS), json.dumps(PAGES)],
        capture_output=True, text=True, timeout=300, check=False, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["attempts"] == []
    assert {argv: code for argv, (code, _) in report["codes"].items()} == {
        " ".join(argv): 0 for argv in COMMANDS}, report["codes"]
    assert set(report["statuses"].values()) == {200}, report["statuses"]


def test_the_guard_catches_a_connection(tmp_path: Path) -> None:
    """The driver's guard is real: code that does reach for the network is caught."""
    probe = DRIVER.split("from click.testing")[0] + textwrap.dedent('''
        import urllib.request
        try:
            urllib.request.urlopen("http://example.invalid/", timeout=1)
        except OSError:
            pass
        print(json.dumps({"attempts": attempts}))
    ''')
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          timeout=60, check=False)
    assert json.loads(done.stdout.strip().splitlines()[-1])["attempts"]
