"""Discover topics the taxonomy lacks: cluster the comments that match no theme.

TF-IDF over folded, lightly stemmed words and word pairs (function words of both languages
removed), then k-means (scikit-learn). Each cluster comes back with its most weighted terms,
to name it, and the comments closest to its centre, to read it. Identical comments are
clustered once and weigh by their count, so a ticket subject seen 500 times does not make 500
points. scikit-learn is imported only here, when discovery runs.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import Any

import numpy as np

from cxpulse.errors import ConfigError
from cxpulse.text.language import EN_FUNCTION_WORDS, FR_ELISIONS, FR_FUNCTION_WORDS
from cxpulse.text.normalize import stem, tokens
from cxpulse.text.themes import Taxonomy, assign_themes

# Words that carry no topic in either language (kept small: domain words are the topics).
_STOP = EN_FUNCTION_WORDS | FR_FUNCTION_WORDS | FR_ELISIONS | {"a", "on", "me", "en", "y"}


@dataclass(frozen=True)
class Cluster:
    """A group of similar comments that match no theme."""

    id: int
    size: int
    share: float  # % of the unmatched comments
    top_terms: tuple[str, ...]
    examples: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "size": self.size,
            "share": self.share,
            "top_terms": list(self.top_terms),
            "examples": list(self.examples),
        }


def topic_terms(text: str) -> list[str]:
    """The words and word pairs of a text that can carry a topic (stemmed, function words
    out): the TF-IDF vocabulary of discovery, and of typical quotes (:mod:`cxpulse.insights`)."""
    words = [stem(t) for t in tokens(text) if t not in _STOP and not t.isdigit()]
    words = [w for w in words if len(w) > 1]
    return words + [f"{a} {b}" for a, b in pairwise(words)]


def _surface_forms(texts: list[str]) -> dict[str, str]:
    """Each stem's most frequent written form, to show "impossible" rather than "impossibl"."""
    forms: dict[str, Counter[str]] = {}
    for text in texts:
        for tok in tokens(text):
            forms.setdefault(stem(tok), Counter())[tok] += 1
    return {s: c.most_common(1)[0][0] for s, c in forms.items()}


def discover(
    texts: Sequence[str | None],
    known_themes: Sequence[Sequence[str]] | None = None,
    n_clusters: int = 8,
    *,
    languages: Sequence[str | None] | None = None,
    taxonomy: Taxonomy | str | Path | None = None,
    top_terms: int = 8,
    examples: int = 3,
    random_state: int = 0,
) -> list[Cluster]:
    """Clusters of the texts whose ``known_themes`` (default: assigned from the taxonomy) are
    empty, largest first."""
    if n_clusters < 1:
        raise ConfigError(f"n_clusters must be at least 1, not {n_clusters}")
    if known_themes is None:
        known_themes = assign_themes(texts, languages, taxonomy)
    if len(known_themes) != len(texts):
        raise ConfigError(f"{len(texts)} texts but {len(known_themes)} theme lists")
    counts = Counter(
        t.strip() for t, themes in zip(texts, known_themes, strict=True) if t and not themes
    )
    counts = Counter({t: c for t, c in counts.items() if topic_terms(t)})
    unique = list(counts)
    if len(unique) < 2:
        return []
    from sklearn.cluster import KMeans  # type: ignore[import-untyped]
    from sklearn.feature_extraction.text import TfidfVectorizer  # type: ignore[import-untyped]

    weights = np.array([counts[t] for t in unique], dtype=float)
    surface = _surface_forms(unique)
    vectorizer = TfidfVectorizer(analyzer=topic_terms, min_df=1, sublinear_tf=True)
    matrix = vectorizer.fit_transform(unique)
    k = min(n_clusters, len(unique))
    model = KMeans(n_clusters=k, n_init=10, random_state=random_state)
    assigned = model.fit_predict(matrix, sample_weight=weights)
    terms = np.asarray(vectorizer.get_feature_names_out())
    total = float(weights.sum())
    clusters = []
    for c in range(k):
        members = np.flatnonzero(assigned == c)
        if not len(members):
            continue
        centre = model.cluster_centers_[c]
        best = [i for i in np.argsort(-centre)[:top_terms] if centre[i] > 0]
        rows = matrix[members]
        # squared distance to the centre without densifying the matrix
        distance = (
            np.asarray(rows.multiply(rows).sum(axis=1)).ravel() - 2 * (rows @ centre)
        ) + float(centre @ centre)
        closest = members[np.argsort(distance, kind="stable")[:examples]]
        size = float(weights[members].sum())
        clusters.append(
            Cluster(
                id=0,
                size=int(size),
                share=100 * size / total,
                top_terms=tuple(
                    " ".join(surface.get(w, w) for w in str(t).split()) for t in terms[best]
                ),
                examples=tuple(unique[i] for i in closest),
            )
        )
    clusters.sort(key=lambda cl: -cl.size)
    return [
        Cluster(i + 1, cl.size, cl.share, cl.top_terms, cl.examples)
        for i, cl in enumerate(clusters)
    ]
