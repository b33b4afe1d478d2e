"""Discovery of topics the taxonomy lacks."""

from __future__ import annotations

import pytest

from cxpulse.errors import ConfigError
from cxpulse.text.discover import discover

pytest.importorskip("sklearn")

GIFTS = [
    "Can you add gift wrapping?",
    "Gift wrapping would be lovely",
    "Please offer gift wrapping for Christmas",
    "Emballage cadeau possible ?",
]
POINTS = [
    "My loyalty points disappeared",
    "Where are my loyalty points?",
    "Loyalty points never showed up",
]
KNOWN = ["The parcel was late", "Refund please", "The app crashed"]


def test_clusters_of_unmatched_comments() -> None:
    texts = GIFTS + POINTS * 3 + KNOWN + [None, ""]
    clusters = discover(texts, n_clusters=2)
    assert len(clusters) == 2
    biggest, other = clusters
    assert biggest.size == 9 and "loyalty" in biggest.top_terms  # repeats weigh
    assert "gift" in other.top_terms and other.size == 4
    assert biggest.share + other.share == pytest.approx(100)  # in %
    assert set(biggest.examples) <= set(POINTS) and len(biggest.examples) <= 3
    assert not any(k in c.examples for c in clusters for k in KNOWN)  # themed texts left out
    assert clusters[0].as_dict()["id"] == 1


def test_known_themes_can_be_given() -> None:
    texts = ["gift wrapping", "gift box", "loyalty points"]
    clusters = discover(texts, [["x"], [], []], n_clusters=5)
    assert sum(c.size for c in clusters) == 2  # k is capped at the number of texts


def test_too_few_texts() -> None:
    assert discover(["The parcel was late"]) == []
    assert discover([]) == []
    with pytest.raises(ConfigError):
        discover(["a"], n_clusters=0)
    with pytest.raises(ConfigError):
        discover(["a", "b"], [[]])
