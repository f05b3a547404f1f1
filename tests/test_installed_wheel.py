"""gcm-search as a user who installs the wheel has it: built from this tree, installed into its
own folder, and run from another directory. The bundled corpus ships inside the package, the index
goes to the user's cache folder, and a search by meaning works with no network: the model is
found in the installed `wordllama` package and read from there."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from conftest import ROOT

RUN = "import sys; sys.path.insert(0, sys.argv.pop(1)); from search.cli import main; main()"
BLOCK = ("import socket\n"
         "def refuse(*a, **k): raise OSError('network blocked by the test')\n"
         "socket.socket.connect = refuse; socket.create_connection = refuse\n"
         "socket.getaddrinfo = refuse\n")


def test_the_installed_wheel_searches_by_meaning_from_another_directory(tmp_path: Path) -> None:
    dist, site, elsewhere = tmp_path / "dist", tmp_path / "site", tmp_path / "elsewhere"
    elsewhere.mkdir()
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--no-input", "-q"]
    subprocess.run([*pip, "wheel", "--no-deps", "--no-build-isolation", "-w", str(dist),
                    str(ROOT)], check=True, capture_output=True, timeout=300)
    (wheel,) = dist.glob("gcm_search-*.whl")
    subprocess.run([*pip, "install", "--no-deps", "--target", str(site), str(wheel)],
                   check=True, capture_output=True, timeout=300)
    env = {k: v for k, v in os.environ.items() if not k.startswith("GCM_SEARCH_")}
    env["XDG_CACHE_HOME"] = str(tmp_path / "cache")

    def gcm(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-c", BLOCK + RUN, str(site), *args],
                              capture_output=True, text=True, env=env, cwd=elsewhere,
                              timeout=300, check=False)

    where = subprocess.run(
        [sys.executable, "-c", "import sys; sys.path.insert(0, sys.argv[1]); import search; "
         "print(search.__file__)", str(site)],
        capture_output=True, text=True, env=env, cwd=elsewhere, check=True)
    assert Path(where.stdout.strip()).is_relative_to(site)  # the wheel's code, not this tree's
    found = gcm("search", "cash sent to families abroad", "--json")
    assert found.returncode == 0, found.stderr
    data = json.loads(found.stdout)
    assert data["mode"] == "hybrid" and data["total"] > 0
    assert any(hit["match"] == "meaning" for hit in data["results"])
    assert (tmp_path / "cache").is_dir()  # the index is built in the user's cache folder
    assert gcm("similar", "japan-2022:3b.3").returncode == 0
    assert not list(elsewhere.iterdir())  # nothing written where it was run
