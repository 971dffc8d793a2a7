"""Precision and recall of the topic rules on the labelled set (tests/data/comments_labelled.tsv)."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from . import topics

LABELLED = Path(__file__).resolve().parent / "tests" / "data" / "comments_labelled.tsv"
# Written after the rules were tuned on LABELLED, and never used to tune them: the honest estimate.
HELD_OUT = Path(__file__).resolve().parent / "tests" / "data" / "comments_heldout.tsv"


@dataclass(frozen=True)
class TopicScore:
    topic: str
    support: int
    predicted: int
    true_positive: int

    @property
    def precision(self) -> float | None:
        return self.true_positive / self.predicted if self.predicted else None

    @property
    def recall(self) -> float | None:
        return self.true_positive / self.support if self.support else None


def load(path: Path = LABELLED) -> list[tuple[frozenset[str], str]]:
    """(topics, comment) rows; lines starting with # are notes."""
    with path.open(encoding="utf-8") as handle:
        lines = [line for line in handle if line.strip() and not line.startswith("#")]
    rows = list(csv.DictReader(lines, delimiter="\t", quoting=csv.QUOTE_NONE))
    out = []
    for row in rows:
        labels = frozenset(t.strip() for t in row["topics"].split(",") if t.strip())
        unknown = labels - set(topics.TOPICS)
        if unknown:
            raise ValueError(f"unknown topics {sorted(unknown)} in {row['comment']!r}")
        out.append((labels, row["comment"]))
    return out


def evaluate(rows: list[tuple[frozenset[str], str]], *, use_segmenter: bool = True) -> list[TopicScore]:
    counts = {t: [0, 0, 0] for t in topics.TOPICS}
    for labels, text in rows:
        predicted = set(topics.classify(text, use_segmenter=use_segmenter))
        for t in topics.TOPICS:
            counts[t][0] += t in labels
            counts[t][1] += t in predicted
            counts[t][2] += t in labels and t in predicted
    return [TopicScore(t, *counts[t]) for t in topics.TOPICS]


def errors(rows, *, use_segmenter: bool = True) -> list[tuple[str, list[str], list[str]]]:
    out = []
    for labels, text in rows:
        predicted = topics.classify(text, use_segmenter=use_segmenter)
        if set(predicted) != labels:
            out.append((text, sorted(labels), predicted))
    return out


def micro(scores: list[TopicScore]) -> tuple[float, float]:
    tp = sum(s.true_positive for s in scores)
    return tp / max(1, sum(s.predicted for s in scores)), tp / max(1, sum(s.support for s in scores))
