"""Objectives inferred for passages that name none: passages (+ their vectors) -> passages.

Placeholder of the interface while the inference is written: it returns the passages unchanged.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from ..models import Passage

if TYPE_CHECKING:
    import numpy as np

    from .model import Encoder


def infer(passages: Sequence[Passage], vectors: np.ndarray | None,
          encoder: Encoder | None) -> tuple[Passage, ...]:
    """`passages` of one or more documents, each document's in order, with `vectors[i]` the unit
    vector of `passages[i]` (None when the model is unavailable): the same passages, those
    without a stated tag given inferred ones where the evidence is strong enough."""
    return tuple(passages)
