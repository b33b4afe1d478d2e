"""User models: a scikit-learn pipeline trained here, a transformers folder (when installed)."""

from __future__ import annotations

import sys
import types
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from cxpulse.errors import ConfigError
from cxpulse.text.plugins import (
    SklearnAnalyzer,
    TransformersAnalyzer,
    UntrustedModelWarning,
    class_value,
)
from cxpulse.text.sentiment import get_analyzer

TRAIN = [
    ("terrible service, very slow", "negative"),
    ("awful coffee, broken bag", "negative"),
    ("slow and awful", "negative"),
    ("where is my invoice", "neutral"),
    ("my invoice for march", "neutral"),
    ("invoice address change", "neutral"),
    ("lovely coffee, great service", "positive"),
    ("great and lovely", "positive"),
    ("great fast delivery", "positive"),
]


@pytest.fixture
def model_path(tmp_path: Path) -> Path:
    joblib = pytest.importorskip("joblib")
    pytest.importorskip("sklearn")
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    pipe = make_pipeline(TfidfVectorizer(), LogisticRegression(C=10))
    pipe.fit([t for t, _ in TRAIN], [y for _, y in TRAIN])
    path = tmp_path / "sentiment.joblib"
    joblib.dump(pipe, path)
    return path


def test_sklearn_pipeline(model_path: Path) -> None:
    with pytest.warns(UntrustedModelWarning, match="only load models you trust"):
        analyzer = SklearnAnalyzer(model_path)
    texts = ["awful and slow", "great lovely coffee", "invoice"]
    scores = analyzer.score(texts)
    assert scores[0] < 0 < scores[1] and np.all(np.abs(scores) <= 1)
    assert analyzer.label(texts) == ["negative", "positive", "neutral"]
    assert analyzer.name == "sklearn:sentiment.joblib"
    assert analyzer.score([]).shape == (0,)


def test_sklearn_through_the_registry(model_path: Path) -> None:
    with pytest.warns(UntrustedModelWarning):
        analyzer = get_analyzer("fr", f"sklearn:{model_path}")
    assert analyzer.label(["great"]) == ["positive"]


def test_bad_model_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no model file"):
        SklearnAnalyzer(tmp_path / "missing.joblib")
    junk = tmp_path / "junk.joblib"
    junk.write_bytes(b"not a pickle")
    with pytest.warns(UntrustedModelWarning), pytest.raises(ConfigError, match="cannot load"):
        SklearnAnalyzer(junk)
    with pytest.raises(ConfigError, match="unknown analyzer kind"):
        get_analyzer("en", "onnx:model.onnx")


def test_class_names() -> None:
    assert [class_value(c) for c in ("NEGATIVE", "neu", "Positive", -1, 1)] == [-1, 0, 1, -1, 1]
    assert class_value("4 stars") == 0.5 and class_value("1 star") == -1
    assert class_value("LABEL_1", 3) == 0 and class_value("LABEL_1", 2) == 1
    with pytest.raises(ConfigError, match="cannot tell"):
        class_value("banana")


def test_transformers_missing_is_a_clear_error(tmp_path: Path) -> None:
    if "transformers" in sys.modules or _installed("transformers"):
        pytest.skip("transformers is installed")
    (tmp_path / "config.json").write_text("{}")
    with pytest.raises(ConfigError, match="pip install transformers"):
        TransformersAnalyzer(tmp_path)
    with pytest.raises(ConfigError, match="not a transformers model folder"):
        TransformersAnalyzer(tmp_path / "nowhere")


def test_transformers_loads_local_files_only(tmp_path: Path, monkeypatch: Any) -> None:
    """The adapter's own logic, on a stand-in module: what it passes and how it maps classes."""
    calls: list[dict[str, Any]] = []

    class Loader:
        @staticmethod
        def from_pretrained(path: str, **kwargs: Any) -> Any:
            calls.append(kwargs)
            labels = {0: "negative", 1: "neutral", 2: "positive"}
            return types.SimpleNamespace(config=types.SimpleNamespace(id2label=labels))

    def pipeline(task: str, **kwargs: Any) -> Any:
        def run(texts: list[str], **options: Any) -> list[list[dict[str, Any]]]:
            return [
                [{"label": "negative", "score": 0.7}, {"label": "positive", "score": 0.1}]
                for _ in texts
            ]

        return run

    fake = types.SimpleNamespace(
        AutoTokenizer=Loader,
        AutoModelForSequenceClassification=Loader,
        pipeline=pipeline,
        __version__="0-test",
    )
    monkeypatch.setitem(sys.modules, "transformers", fake)
    (tmp_path / "config.json").write_text("{}")
    analyzer = TransformersAnalyzer(tmp_path)
    assert calls and all(c.get("local_files_only") is True for c in calls)
    assert analyzer.score(["bad"]) == pytest.approx([-0.6])
    assert analyzer.label(["bad"]) == ["negative"]


def test_real_transformers_model(tmp_path: Path) -> None:
    """A tiny randomly initialised model saved to disk and loaded back offline."""
    transformers = pytest.importorskip("transformers")
    pytest.importorskip("torch")
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "good", "bad", "coffee"]
    (tmp_path / "vocab.txt").write_text("\n".join(vocab))
    transformers.BertTokenizer(str(tmp_path / "vocab.txt")).save_pretrained(tmp_path)
    config = transformers.BertConfig(
        vocab_size=len(vocab),
        hidden_size=8,
        num_hidden_layers=1,
        num_attention_heads=1,
        intermediate_size=8,
        num_labels=3,
        id2label={0: "negative", 1: "neutral", 2: "positive"},
        label2id={"negative": 0, "neutral": 1, "positive": 2},
    )
    transformers.BertForSequenceClassification(config).save_pretrained(tmp_path)
    scores = TransformersAnalyzer(tmp_path).score(["good coffee", "bad"])
    assert scores.shape == (2,) and np.all(np.abs(scores) <= 1)


def _installed(name: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(name) is not None
