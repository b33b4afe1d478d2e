"""English analyzers: VADER as published, and VADER with cxpulse's customer-service layer.

VADER (Hutto & Gilbert, 2014) is a lexicon and rules (negation, intensifiers, "but", capitals,
punctuation) tuned on social media. It is used through ``nltk-vader-sentiment`` (Apache-2.0,
no dependencies, lexicons bundled as Python data: nothing is downloaded). On the labelled
English comments plain VADER misses implicit complaints and sarcasm and reads "support" and
"please" as praise; ``cxpulse-en`` adds ``lexicon_en.tsv`` (domain words, neutral politeness)
and the cues of :mod:`cxpulse.text.cues`. Both are measured in tests/text/test_accuracy.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from cxpulse.errors import ConfigError
from cxpulse.text.cues import SENTENCE, Cues
from cxpulse.text.lexicon import data_path, read_entries
from cxpulse.text.sentiment import ThresholdLabels, Thresholds, squash, unsquash


def _vader(**options: Any) -> Any:
    try:
        import vader
    except ImportError:  # a broken install; it is a dependency of cxpulse
        raise ConfigError(
            "the English analyzer needs nltk-vader-sentiment: pip install nltk-vader-sentiment"
        ) from None
    return vader.SentimentIntensityAnalyzer(**options)


def _vader_version() -> str:
    try:
        return metadata.version("nltk-vader-sentiment")
    except metadata.PackageNotFoundError:
        return "unknown"


class VaderAnalyzer(ThresholdLabels):
    """Plain VADER compound score, as the library computes it, with VADER's ±0.05 labels."""

    name = "vader"
    language = "en"
    thresholds = Thresholds(-0.05, 0.05)

    def __init__(self) -> None:
        self._vader = _vader()
        self.version = _vader_version()

    def score(self, texts: Sequence[str]) -> npt.NDArray[np.float64]:
        return np.array(
            [self._vader.polarity_scores(t)["compound"] for t in texts], dtype=np.float64
        )


class CxVaderAnalyzer(ThresholdLabels):
    """VADER with customer-service words, implicit complaints and sarcasm (the default)."""

    name = "cxpulse-en"
    language = "en"

    def __init__(self, lexicon: str | Path | None = None) -> None:
        path = Path(lexicon) if lexicon is not None else data_path("lexicon_en.tsv")
        entries = read_entries(path)
        words = {k: v for k, v in entries.items() if " " not in k}
        phrases = {k: v for k, v in entries.items() if " " in k}
        # ``multiword`` replaces VADER's own phrases ("fed up"...), so pass them along too
        defaults = dict(_vader().multiword)
        self._vader = _vader(extra_lexicon=words, multiword={**defaults, **phrases})
        self._cues = Cues("en")
        self.version = f"1+vader{_vader_version()}"

    def score(self, texts: Sequence[str]) -> npt.NDArray[np.float64]:
        return np.array([self.score_one(t) for t in texts], dtype=np.float64)

    def score_one(self, text: str) -> float:
        cue = self._cues.apply(text)
        # Sentence by sentence, as VADER's author advises for longer texts: otherwise a
        # negation ("without") or a "but" reaches into the next sentence.
        total = sum(
            unsquash(self._vader.polarity_scores(s)["compound"])
            for s in SENTENCE.findall(cue.text)
            if s.strip()
        )
        return squash(total + cue.valence)
