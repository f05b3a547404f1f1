"""Where a user with a corpus of their own starts: a folder with no review yet, or none at all.
It builds, every mode and command answers "nothing" (exit 1, no error) and says how to add a
review, the first review added is searchable by words and by meaning at once, and the corpus
lives through adds and removes back to empty. Through the command, in fresh processes."""

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
        assert (found.returncode, found.stderr) == (1, ""), mode
        assert found.stdout.splitlines() == [
            '0 passages for "remittances"',
            f"The corpus has no review yet: add one with `gcm-search add FILE --corpus {corpus}`."]
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


def test_a_corpus_from_a_missing_folder_to_two_reviews_and_back_to_empty(tmp_path: Path) -> None:
    """`add` into a folder that does not exist yet creates it and its catalog; every command and
    the web page work at each step of the corpus' life: empty, add, add, remove, remove."""
    from search.config import Config
    from search.web import create_app

    corpus = tmp_path / "reviews"  # not created: `add` does it
    env = {**os.environ, "GCM_SEARCH_CORPUS": str(corpus),
           "GCM_SEARCH_INDEX": str(tmp_path / "index")}
    japan = tmp_path / "japan.txt"
    shutil.copy(next(CORPUS.glob("*.txt")), japan)
    other = tmp_path / "kenya.txt"  # other bytes: the same bytes would be skipped
    other.write_bytes(japan.read_bytes() + b"\n")

    def life(reviews: int) -> None:
        documents = json.loads(gcm(env, tmp_path, "documents", "--json").stdout)
        assert len(documents) == reviews
        stats = gcm(env, tmp_path, "stats")
        assert stats.returncode == 0 and f"Passages: {36 * reviews}," in stats.stdout
        exported = gcm(env, tmp_path, "export")
        assert exported.returncode == 0 and len(exported.stdout.splitlines()) == 36 * reviews
        found = gcm(env, tmp_path, "search", "trafficking", "--json")
        assert found.returncode == (0 if reviews else 1)
        page = create_app(Config(corpus, tmp_path / "index")).test_client().get("/")
        assert page.status_code == 200
        assert (b"This corpus has no review yet" in page.data) == (reviews == 0)

    missing = gcm(env, tmp_path, "search", "trafficking")
    assert missing.returncode == 1 and missing.stderr.count("\n") == 1
    assert "gcm-search add FILE --corpus" in missing.stderr
    bad = gcm(env, tmp_path, "add", str(tmp_path / "no-such-review.pdf"))
    assert bad.returncode != 0 and not corpus.exists()  # bad input creates nothing
    first = gcm(env, tmp_path, "add", str(japan), "--country", "Japan", "--year", "2022")
    assert first.returncode == 0, first.stderr
    assert json.loads((corpus / "catalog.json").read_text(encoding="utf-8"))["documents"]
    life(1)
    second = gcm(env, tmp_path, "add", str(other), "--country", "Kenya", "--year", "2022")
    assert second.returncode == 0, second.stderr
    life(2)
    for doc_id, left in (("japan-2022", 1), ("kenya-2022", 0)):
        removed = gcm(env, tmp_path, "remove", doc_id)
        assert removed.returncode == 0, removed.stderr
        life(left)


def test_a_corpus_and_index_named_relative_to_where_the_user_is(tmp_path: Path) -> None:
    """`--corpus reviews --index-dir idx`, as typed in a folder: every part of the build is found
    again from there (the token table once took a relative path for an error)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GCM_SEARCH_")}
    shutil.copy(next(CORPUS.glob("*.txt")), tmp_path / "review.txt")
    where = ("--corpus", "reviews", "--index-dir", "idx")
    added = gcm(env, tmp_path, "add", "review.txt", "--country", "Japan", "--year", "2022", *where)
    assert added.returncode == 0, added.stderr
    for step in ("added", "rebuilt"):
        found = gcm(env, tmp_path, "search", "cash sent to families abroad", "--json", *where)
        assert (found.returncode, found.stderr) == (0, ""), step
        data = json.loads(found.stdout)
        assert data["mode"] == "hybrid" and data["total"] > 0, step
        rebuilt = gcm(env, tmp_path, "index", "--rebuild", *where)
        assert rebuilt.returncode == 0, rebuilt.stderr
