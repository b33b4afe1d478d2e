"""Analyzers backed by the user's own model, loaded from a local path only.

- :class:`SklearnAnalyzer`: a fitted scikit-learn pipeline saved with joblib or pickle (for
  instance ``TfidfVectorizer`` + ``LogisticRegression`` trained on your own labelled tickets).
  Loading a pickle runs code from the file, so only the path the user gives is ever loaded, and
  a warning says so.
- :class:`TransformersAnalyzer`: a sentiment model directory (``config.json``, weights,
  tokenizer) loaded with ``local_files_only=True``. transformers is not a cxpulse dependency;
  install it (and torch) yourself.
- :class:`TextBlobFrAnalyzer`: textblob-fr, kept for comparison (it measured well below
  ``cxpulse-fr``); not a dependency either.
"""

from __future__ import annotations

import pickle
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from cxpulse.errors import ConfigError
from cxpulse.text.sentiment import Analyzer, FloatArray, ThresholdLabels, Thresholds

# Class names a model may use for each sentiment, mapped to a score.
_CLASS_VALUES: dict[str, float] = {
    "negative": -1.0, "neg": -1.0, "-1": -1.0, "bad": -1.0,
    "neutral": 0.0, "neu": 0.0, "0": 0.0, "mixed": 0.0,
    "positive": 1.0, "pos": 1.0, "1": 1.0, "good": 1.0,
}  # fmt: skip


class UntrustedModelWarning(UserWarning):
    """Loading a pickled model runs code from the file."""


def class_value(name: object, n_classes: int = 3) -> float:
    """The score of a model's class name: "negative" -> -1, "4 stars" -> 0.5, "LABEL_2" -> 1."""
    text = str(name).strip().lower()
    if text in _CLASS_VALUES:
        return _CLASS_VALUES[text]
    for prefix, value in (("neg", -1.0), ("neu", 0.0), ("pos", 1.0)):
        if text.startswith(prefix):
            return value
    if text.split(" ")[0].isdigit() and "star" in text:  # "1 star" .. "5 stars"
        return (int(text.split(" ")[0]) - 3) / 2
    if text.startswith("label_") and text[6:].isdigit() and n_classes in (2, 3):
        index = int(text[6:])  # LABEL_0 negative, then (neutral,) positive
        return -1.0 + 2.0 * index / (n_classes - 1)
    raise ConfigError(
        f"cannot tell the sentiment of the model's class {name!r}; name the classes "
        "negative/neutral/positive (or -1/0/1)"
    )


class SklearnAnalyzer(ThresholdLabels):
    """A fitted scikit-learn pipeline from ``path``: score = P(positive) - P(negative)."""

    name: str
    version = "sklearn"

    def __init__(self, path: str | Path) -> None:
        file = Path(path).expanduser()
        if not file.is_file():
            raise ConfigError(f"no model file at {file}")
        warnings.warn(
            f"loading {file} runs the code stored in it: only load models you trust",
            UntrustedModelWarning,
            stacklevel=2,
        )
        try:
            model = _unpickle(file)
        except Exception as exc:  # unpickling raises many kinds for a file that is not a model
            raise ConfigError(f"cannot load a scikit-learn model from {file}: {exc}") from exc
        if not hasattr(model, "predict"):
            raise ConfigError(f"{file} holds a {type(model).__name__}, not a fitted model")
        self.model = model
        self.name = f"sklearn:{file.name}"
        classes = list(getattr(model, "classes_", []))
        self._values = np.array([class_value(c, len(classes)) for c in classes], dtype=float)

    def score(self, texts: Sequence[str]) -> FloatArray:
        if not len(texts):
            return np.zeros(0)
        if hasattr(self.model, "predict_proba") and len(self._values):
            proba = np.asarray(self.model.predict_proba(list(texts)), dtype=float)
            return np.asarray(proba @ self._values, dtype=np.float64)
        predicted = self.model.predict(list(texts))
        return np.array([class_value(p) for p in predicted], dtype=np.float64)

    def label(self, texts: Sequence[str]) -> list[str]:
        # the model's own decision, not a cut of the probability difference
        if not len(texts):
            return []
        values = [class_value(p, len(self._values)) for p in self.model.predict(list(texts))]
        return ["negative" if v < 0 else "positive" if v > 0 else "neutral" for v in values]


def _unpickle(file: Path) -> Any:
    try:
        import joblib  # type: ignore[import-untyped]  # reads plain pickles too
    except ImportError:
        with file.open("rb") as handle:
            return pickle.load(handle)  # a path the user chose, warned about
    return joblib.load(file)


class TransformersAnalyzer(ThresholdLabels):
    """A local transformers sequence-classification model: score = sum of P(class) x value."""

    name: str
    version: str

    def __init__(self, model_dir: str | Path, *, batch_size: int = 32) -> None:
        folder = Path(model_dir).expanduser()
        if not (folder / "config.json").is_file():
            raise ConfigError(f"{folder} is not a transformers model folder (no config.json)")
        transformers = _import_transformers()
        try:
            tokenizer = transformers.AutoTokenizer.from_pretrained(
                str(folder), local_files_only=True
            )
            model = transformers.AutoModelForSequenceClassification.from_pretrained(
                str(folder), local_files_only=True
            )
        except OSError as exc:
            raise ConfigError(f"cannot load the model in {folder}: {exc}") from exc
        self._pipe = transformers.pipeline(
            "text-classification", model=model, tokenizer=tokenizer, top_k=None
        )
        id2label: dict[int, str] = dict(model.config.id2label)
        self._values = {name: class_value(name, len(id2label)) for name in id2label.values()}
        self.batch_size = batch_size
        self.name = f"transformers:{folder.name}"
        self.version = str(getattr(transformers, "__version__", "unknown"))

    def score(self, texts: Sequence[str]) -> FloatArray:
        if not len(texts):
            return np.zeros(0)
        results = self._pipe(list(texts), batch_size=self.batch_size, truncation=True)
        return np.array(
            [sum(r["score"] * self._values[r["label"]] for r in result) for result in results],
            dtype=np.float64,
        )


def _import_transformers() -> Any:
    try:
        import transformers  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        raise ConfigError(
            "a transformers model needs the transformers package, which cxpulse does not "
            "install: pip install transformers torch"
        ) from None
    return transformers


class TextBlobFrAnalyzer(ThresholdLabels):
    """textblob-fr's pattern lexicon (adjectives only); offline, for comparison.

    Its thresholds (±0.05) are the ones that measured best for it on the tuning rows.
    """

    name = "textblob-fr"
    thresholds = Thresholds(-0.05, 0.05)

    def __init__(self) -> None:
        try:
            from textblob_fr.sentiments import PatternAnalyzer  # type: ignore[import-untyped]
        except ImportError:
            raise ConfigError(
                "the textblob-fr analyzer needs textblob-fr, which cxpulse does not install: "
                "pip install textblob-fr"
            ) from None
        self._analyzer = PatternAnalyzer()
        self.version = "0.2"

    def score(self, texts: Sequence[str]) -> FloatArray:
        return np.array([self._analyzer.analyze(t)[0] for t in texts], dtype=np.float64)


def from_spec(spec: str) -> Analyzer:
    """``sklearn:PATH`` or ``transformers:DIR``."""
    kind, _, where = spec.partition(":")
    if not where:
        raise ConfigError(f"{spec!r}: give a path after the colon, e.g. sklearn:model.joblib")
    if kind == "sklearn":
        return SklearnAnalyzer(where)
    if kind == "transformers":
        return TransformersAnalyzer(where)
    raise ConfigError(f"unknown analyzer kind {kind!r} in {spec!r}; use sklearn: or transformers:")
