"""Sentiment analyzers: one protocol, a registry per language, offline defaults.

An analyzer turns texts into scores from -1 (very negative) to +1 (very positive); ``label``
cuts them into negative / neutral / positive at its thresholds. Defaults, chosen by measuring
on the labelled sets shipped in ``labelled/`` (figures in the README):

- English: ``cxpulse-en``, VADER with a customer-service layer (``vader`` is plain VADER);
- French: ``cxpulse-fr``, a French lexicon with VADER's rules.

Users plug in their own model per language: a local scikit-learn pipeline
(``sklearn:/path/model.joblib``) or a local transformers model directory
(``transformers:/path/dir``); see :mod:`cxpulse.text.plugins`. Nothing is downloaded.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

from cxpulse.errors import ConfigError
from cxpulse.schema import SENTIMENT_LABELS

FloatArray = npt.NDArray[np.float64]
LABELS = SENTIMENT_LABELS
ALPHA = 15.0  # VADER's normalisation constant


def squash(total: float) -> float:
    """A sum of valences (VADER's -4..+4 per word) to -1..1, as VADER does."""
    return total / math.sqrt(total * total + ALPHA)


def unsquash(compound: float) -> float:
    """The valence sum a squashed score came from (inverse of :func:`squash`)."""
    c = max(min(compound, 0.9999), -0.9999)
    return c * math.sqrt(ALPHA / (1 - c * c))


@dataclass(frozen=True)
class Thresholds:
    """Scores at or below ``negative`` are negative, at or above ``positive`` positive.

    0.15 was chosen on the even rows of the labelled sets and checked on the odd rows; VADER's
    published ±0.05 labels too many neutral requests ("Please add PayPal") as positive.
    """

    negative: float = -0.15
    positive: float = 0.15

    def __post_init__(self) -> None:
        if not -1 <= self.negative <= self.positive <= 1:
            raise ConfigError(
                f"sentiment thresholds must satisfy -1 <= negative <= positive <= 1, got "
                f"negative={self.negative}, positive={self.positive}"
            )


DEFAULT_THRESHOLDS = Thresholds()


def labels(scores: npt.ArrayLike, thresholds: Thresholds = DEFAULT_THRESHOLDS) -> list[str]:
    """negative / neutral / positive for each score."""
    s = np.asarray(scores, dtype=np.float64)
    out = np.where(
        s <= thresholds.negative,
        "negative",
        np.where(s >= thresholds.positive, "positive", "neutral"),
    )
    return [str(x) for x in out]


@runtime_checkable
class Analyzer(Protocol):
    """What cxpulse needs from a sentiment analyzer."""

    name: str
    version: str

    def score(self, texts: Sequence[str]) -> FloatArray:
        """One score per text, from -1 (very negative) to +1 (very positive)."""
        ...

    def label(self, texts: Sequence[str]) -> list[str]:
        """negative, neutral or positive per text."""
        ...


class ThresholdLabels:
    """Mixin: ``label`` from ``score`` and ``thresholds``."""

    thresholds: Thresholds = DEFAULT_THRESHOLDS

    def score(self, texts: Sequence[str]) -> FloatArray:
        raise NotImplementedError

    def label(self, texts: Sequence[str]) -> list[str]:
        return labels(self.score(texts), self.thresholds)


Factory = Callable[[], Analyzer]
_REGISTRY: dict[str, dict[str, Factory]] = {"en": {}, "fr": {}}
_DEFAULTS: dict[str, str] = {}
_INSTANCES: dict[tuple[str, str], Analyzer] = {}
_LOADED: list[bool] = []  # the built-in analyzers are registered on first use


def register_analyzer(language: str, name: str, factory: Factory, *, default: bool = False) -> None:
    """Make ``name`` available for ``language`` (and the default one if ``default``)."""
    if language not in _REGISTRY:
        raise ConfigError(f"cxpulse analyses en and fr, not {language!r}")
    _REGISTRY[language][name] = factory
    _INSTANCES.pop((language, name), None)
    if default or language not in _DEFAULTS:
        _DEFAULTS[language] = name


def analyzer_names(language: str) -> list[str]:
    _builtins()
    return list(_REGISTRY.get(language, {}))


def get_analyzer(language: str, name: str | None = None) -> Analyzer:
    """The analyzer called ``name`` (default: the language's default), or one from a spec.

    ``name`` may also be ``sklearn:PATH`` or ``transformers:DIR`` to load a local model.
    """
    _builtins()
    if language not in _REGISTRY:
        raise ConfigError(f"cxpulse analyses en and fr, not {language!r}")
    chosen = name or _DEFAULTS[language]
    if ":" in chosen:
        from cxpulse.text.plugins import from_spec

        return from_spec(chosen)
    key = (language, chosen)
    if key not in _INSTANCES:
        factory = _REGISTRY[language].get(chosen)
        if factory is None:
            known = ", ".join(_REGISTRY[language])
            raise ConfigError(
                f"no {language} sentiment analyzer {chosen!r}; use one of {known}, "
                "sklearn:PATH (a saved scikit-learn pipeline) or transformers:DIR"
            )
        _INSTANCES[key] = factory()
    return _INSTANCES[key]


def _builtins() -> None:
    if _LOADED:
        return
    _LOADED.append(True)
    from cxpulse.text.english import CxVaderAnalyzer, VaderAnalyzer
    from cxpulse.text.french import FrenchLexiconAnalyzer
    from cxpulse.text.plugins import TextBlobFrAnalyzer

    user_defaults = dict(_DEFAULTS)  # a default registered before first use stays the default
    register_analyzer("en", "cxpulse-en", CxVaderAnalyzer, default=True)
    register_analyzer("en", "vader", VaderAnalyzer)
    register_analyzer("fr", "cxpulse-fr", FrenchLexiconAnalyzer, default=True)
    register_analyzer("fr", "textblob-fr", TextBlobFrAnalyzer)
    _DEFAULTS.update(user_defaults)
