"""Measure analyzers and the taxonomy on the labelled comments shipped with cxpulse.

``labelled/labelled_en.csv`` and ``labelled/labelled_fr.csv`` hold hand-written customer
comments of a coffee subscription business (text, sentiment, themes separated by ``;``, and
tags such as ``sarcasm``, ``implicit``, ``negation``, ``quebec``). Use them to compare a model
of your own with the defaults: ``evaluate_sentiment("fr", get_analyzer("fr", "sklearn:m.pkl"))``
or ``cxpulse text evaluate --analyzer fr=sklearn:m.pkl``. Rows with an even index were used to
tune the shipped lexicons, odd rows were not (``part="held_out"`` scores only those).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from cxpulse.errors import ConfigError
from cxpulse.text.lexicon import data_path
from cxpulse.text.sentiment import LABELS, Analyzer, get_analyzer
from cxpulse.text.themes import Taxonomy, load_taxonomy

Part = Literal["all", "tuning", "held_out"]
# The labelled comments are the demo coffee company's, labelled with its themes.
LABELLED_TAXONOMY = "cxpulse.demo:taxonomy.yaml"


def load_labelled(language: str, part: Part = "all") -> pd.DataFrame:
    """The labelled comments of one language (columns text, sentiment, themes, tags)."""
    if language not in ("en", "fr"):
        raise ConfigError(f"labelled comments exist for en and fr, not {language!r}")
    frame = pd.read_csv(
        data_path(f"labelled/labelled_{language}.csv"), keep_default_na=False, dtype=str
    )
    if part == "tuning":
        frame = frame.iloc[::2]
    elif part == "held_out":
        frame = frame.iloc[1::2]
    return frame.reset_index(drop=True)


def _split(cell: str) -> list[str]:
    return [x.strip() for x in cell.split(";") if x.strip()]


@dataclass(frozen=True)
class SentimentScores:
    language: str
    analyzer: str
    n: int
    accuracy: float
    macro_f1: float
    f1: dict[str, float]
    by_tag: dict[str, float] = field(default_factory=dict)  # accuracy per tag

    def summary(self) -> str:
        return (
            f"{self.language} {self.analyzer}: accuracy {self.accuracy:.3f}, macro-F1 "
            f"{self.macro_f1:.3f} (n={self.n})"
        )


def macro_f1(truth: list[str], predicted: list[str]) -> tuple[float, dict[str, float]]:
    """Unweighted mean of the per-class F1 over negative, neutral and positive."""
    t, p = np.asarray(truth), np.asarray(predicted)
    scores = {}
    for label in LABELS:
        tp = float(np.sum((t == label) & (p == label)))
        fp = float(np.sum((t != label) & (p == label)))
        fn = float(np.sum((t == label) & (p != label)))
        scores[label] = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
    return float(np.mean(list(scores.values()))), scores


def evaluate_sentiment(
    language: str, analyzer: Analyzer | str | None = None, part: Part = "all"
) -> SentimentScores:
    """Accuracy and macro-F1 of an analyzer (default: the language's default) on a set."""
    model = (
        analyzer
        if analyzer is not None and not isinstance(analyzer, str)
        else (get_analyzer(language, analyzer))
    )
    rows = load_labelled(language, part)
    predicted = model.label(list(rows["text"]))
    truth = list(rows["sentiment"])
    right = np.asarray(predicted) == np.asarray(truth)
    f1, per_class = macro_f1(truth, predicted)
    by_tag: dict[str, list[bool]] = {}
    for tags, ok in zip(rows["tags"], right, strict=True):
        for tag in _split(tags):
            by_tag.setdefault(tag, []).append(bool(ok))
    return SentimentScores(
        language,
        model.name,
        len(rows),
        float(right.mean()),
        f1,
        per_class,
        {tag: float(np.mean(v)) for tag, v in sorted(by_tag.items())},
    )


@dataclass(frozen=True)
class ThemeScores:
    language: str
    precision: float
    recall: float
    by_theme: dict[str, tuple[float, float]]  # theme -> (precision, recall)

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def evaluate_themes(
    language: str, taxonomy: Taxonomy | str | None = None, part: Part = "all"
) -> ThemeScores:
    """Micro-averaged precision and recall of theme assignment, and per theme (default: the
    coffee taxonomy the labelled comments were labelled with)."""
    chosen = taxonomy or LABELLED_TAXONOMY
    tax = chosen if isinstance(chosen, Taxonomy) else load_taxonomy(chosen)
    rows = load_labelled(language, part)
    counts: dict[str, list[int]] = {name: [0, 0, 0] for name in tax.names}  # tp, fp, fn
    for text, gold_cell in zip(rows["text"], rows["themes"], strict=True):
        gold, found = set(_split(gold_cell)), set(tax.assign(text, language))
        for name in gold | found:
            c = counts.setdefault(name, [0, 0, 0])
            c[0 if name in gold and name in found else 1 if name in found else 2] += 1
    tp, fp, fn = (sum(c[i] for c in counts.values()) for i in range(3))
    by_theme = {
        name: (
            c[0] / (c[0] + c[1]) if c[0] + c[1] else 0.0,
            c[0] / (c[0] + c[2]) if c[0] + c[2] else 0.0,
        )
        for name, c in counts.items()
    }
    return ThemeScores(
        language, tp / (tp + fp) if tp + fp else 0.0, tp / (tp + fn) if tp + fn else 0.0, by_theme
    )
