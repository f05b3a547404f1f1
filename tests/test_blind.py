"""The blind tagging benchmark (bench/blind.py): blinding is faithful, and inference on the
blinded Japan review stays above its committed floor."""

from __future__ import annotations

import json
import re

import pytest
from bench_modules import BENCH, load

from search.meaning.model import load as load_model
from search.models import Document, Passage
from search.passages import chunk

blind = load("blind")


@pytest.fixture(scope="module")
def japan() -> tuple[Document, str]:
    return blind.japan()


@pytest.mark.parametrize(("text", "expected"), [
    ("As for the objective 5, On April 1, the status was set.", "On April 1, the status was set."),
    ("As for objective 8 (in March, we issued a notice), the police acted.", "The police acted."),
    ("In addition, as far as objectives 15 and 16, based on the plan, we act.",
     "In addition, based on the plan, we act."),
    ("1 Ensuring that migration is voluntary, orderly and regular\n\n"
     "(GCM Objectives: 2, 5, 6, 12, 18)\n\na) Progress\n",
     "1 Ensuring that migration is voluntary, orderly and regular\n\na) Progress\n"),
    ("2 Protecting migrants (GCM Objectives: 4, 8, 9)\n", "2 Protecting migrants\n"),
    ("Objective 10: Trafficking\n\nThe police acted.\n", "The police acted.\n"),
    ("Work under objective 23 continued.", "Work continued."),
])
def test_blind_removes_objective_numbers_and_keeps_the_rest(text: str, expected: str) -> None:
    assert blind.blind(text) == expected


def test_the_blinded_japan_review_names_no_objective(japan: tuple[Document, str]) -> None:
    document, text = japan
    blinded = blind.blind(text)
    assert not re.search(r"objectives?\s*:?\s*\d", blinded, re.IGNORECASE)
    original, again = chunk(document, text), chunk(document, blinded)
    assert len(again) == len(original)
    assert not any(p.objectives for p in again)  # the tagger alone finds nothing to state
    # Only the removed words differ: every passage keeps its end.
    assert all(o.text[-40:] == b.text[-40:] for o, b in zip(original, again, strict=True))


def test_score_counts_pairs_by_position() -> None:
    def p(position: int, objectives: tuple[int, ...]) -> Passage:
        return Passage(f"d:1a.{position}", "d", position, 1, "1", "", "a", "", "progress", 1,
                       objectives, "explicit", "", "", (), "", "", "", 2024)

    found = blind.score([p(0, (5,)), p(1, (6, 12))], [p(0, (5,)), p(1, (18,))])
    assert (found.true_positives, found.false_positives, found.false_negatives) == (1, 1, 2)
    assert found.precision == 0.5 and found.recall == pytest.approx(1 / 3)


def test_japan_blind_tagging_stays_above_the_floor(japan: tuple[Document, str]) -> None:
    floor = json.loads((BENCH / "blind_floor.json").read_text(encoding="utf-8"))
    scores = blind.evaluate(*japan, load_model())
    ours = scores["all evidence"]
    assert ours.precision >= floor["precision"]
    assert ours.recall >= floor["recall"]
    assert ours.f1 >= floor["f1"]
    # Every source of evidence adds something: all of them beat any one alone.
    for name in ("terms only", "descriptions only", "without structure"):
        assert ours.f1 > scores[name].f1, name


def test_the_markdown_section(japan: tuple[Document, str]) -> None:
    scores = {"Japan": blind.evaluate(*japan, None, {"terms only": blind.ABLATIONS["terms only"]})}
    text = blind.markdown(scores)
    assert text.startswith("## Blind tagging")
    row = r"\| Japan \| terms only \| \d\.\d{3} \| \d\.\d{3} \| \d\.\d{3} \| \d+ / 36 \|"
    assert re.search(row, text)
