"""Where a user with a corpus of their own starts: a catalog with no review yet. It builds, every
mode and command answers "nothing" (exit 1, no error), and the first review added is searchable
by words and by meaning at once, through the installed command in a fresh process."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from conftest import CORPUS


def gcm(env: dict[str, str], cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "search", *args], capture_output=True,
                          text=True, env=env, cwd=cwd, timeout=300, check=False)


def test_an_empty_corpus_answers_nothing_then_its_first_review_is_found(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "catalog.json").write_text(json.dumps({"documents": []}), encoding="utf-8")
    env = {**os.environ, "GCM_SEARCH_CORPUS": str(corpus),
           "GCM_SEARCH_INDEX": str(tmp_path / "index")}
    for mode in ("words", "meaning", "hybrid"):
        found = gcm(env, tmp_path, "search", "remittances", "--mode", mode)
        assert (found.returncode, found.stdout.strip(), found.stderr) == (
            1, '0 passages for "remittances"', ""), mode
    unknown = gcm(env, tmp_path, "similar", "japan-2022:3b.3")
    assert unknown.returncode == 1 and unknown.stderr.count("\n") == 1
    assert "Traceback" not in unknown.stderr

    review = tmp_path / "review.txt"
    shutil.copy(next(CORPUS.glob("*.txt")), review)
    added = gcm(env, tmp_path, "add", str(review), "--country", "Japan", "--year", "2022")
    assert added.returncode == 0, added.stderr
    meaning = gcm(env, tmp_path, "search", "cash sent to families abroad", "--json")
    data = json.loads(meaning.stdout)
    assert data["mode"] == "hybrid" and data["total"] > 0
    assert data["results"][0]["match"] in {"meaning", "both"}
    near = gcm(env, tmp_path, "similar", "japan-2022:3b.3", "--json")
    assert near.returncode == 0 and json.loads(near.stdout)["results"]
