"""The most typical comments of a group, as short quotes a reader can take in at a glance.

"Typical" means closest to the group's centre in TF-IDF space (the same topic words as theme
discovery, :func:`cxpulse.text.discover.topic_terms`): the comment that says what most of the
group says, not the first one written or the longest. Identical comments weigh by their count
in the centre, so the complaint 40 customers wrote pulls it more than one written once.
Near-duplicates are skipped, so each quote adds something: a quoted sentence whose words
(folded) are :data:`DUPLICATE` or more the same as a chosen quote's (Jaccard: shared / all
words of both), as "the parcel came crushed and the bag of decaf was torn open" and the same
with "Colombian roast" (0.79). Topic words alone would not do: "my parcel arrived two weeks
late" has only two (parcel, late), which half the delivery complaints share. A quote is
trimmed to its most typical sentence, and to :data:`MAX_CHARS` at a word boundary. Ties are
broken by the text itself: the same comments always give the same quotes.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator, Sequence
from functools import lru_cache
from typing import Any

import numpy as np

from cxpulse.text.discover import topic_terms
from cxpulse.text.normalize import tokens

MAX_CHARS = 160
DUPLICATE = 0.6
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+")


def sentences(text: str) -> list[str]:
    """A comment's sentences (split after . ! ? or …), blank ones left out."""
    return [s.strip() for s in _SENTENCE_END.split(text.strip()) if s.strip()]


def shorten(text: str, max_chars: int = MAX_CHARS) -> str:
    """``text`` cut at the last word boundary within ``max_chars``, with an ellipsis."""
    text = " ".join(text.split())
    if len(text) <= max_chars:
        return text
    cut = text[: max_chars - 1]
    space = cut.rfind(" ")
    return (cut[:space] if space > max_chars // 2 else cut).rstrip(" ,;:") + "…"


def typical_quotes(
    texts: Sequence[str | None], k: int = 3, *, max_chars: int = MAX_CHARS
) -> list[str]:
    """Up to ``k`` typical comments of ``texts``, most typical first, each trimmed to one
    sentence; none when no text has a topic word."""
    counts = Counter(" ".join(t.split()) for t in texts if t and t.strip())
    unique = sorted(t for t in counts if _terms(t))
    if not unique or k < 1:
        return []
    from sklearn.feature_extraction.text import TfidfVectorizer  # type: ignore[import-untyped]

    vectorizer = TfidfVectorizer(analyzer=_terms, sublinear_tf=True)
    rows = vectorizer.fit_transform(unique)  # rows are L2-normalised
    weights = np.array([counts[t] for t in unique], dtype=float)
    centre = np.asarray(rows.T @ weights).ravel() / weights.sum()
    closeness = np.asarray(rows @ centre).ravel()
    order = sorted(range(len(unique)), key=lambda i: (-closeness[i], -weights[i], unique[i]))
    # near-duplicates are judged on the sentence quoted, not the whole comment: two comments
    # built on the same complaint ("the parcel came crushed and the bag of decaf was torn
    # open") differ in their other sentences and were quoted side by side
    quotes: list[str] = []
    words: list[set[str]] = []
    for best in _best_sentences([unique[i] for i in order], vectorizer, centre):
        quote = shorten(best, max_chars)
        said = set(tokens(quote))
        if quote in quotes or any(_overlap(said, seen) >= DUPLICATE for seen in words):
            continue
        quotes.append(quote)
        words.append(said)
        if len(quotes) == k:
            break
    return quotes


@lru_cache(maxsize=2**16)
def _terms(text: str) -> tuple[str, ...]:
    """:func:`topic_terms`, remembered: a run quotes the same comments for each theme, in
    each language and in all, and stemming them again took a quarter of the quoting."""
    return tuple(topic_terms(text))


def _overlap(a: set[str], b: set[str]) -> float:
    """Shared words over the words of either (Jaccard similarity)."""
    return len(a & b) / len(a | b) if a or b else 1.0


def _best_sentences(texts: Sequence[str], vectorizer: Any, centre: Any) -> Iterator[str]:
    """Each text's sentence closest to the group's centre (the first on a tie), in order.
    The sentences of :data:`_BATCH` texts are scored in one transform: one per comment cost
    more in the vectorizer's checks than in the scoring, and the quotes are usually found
    within the first few comments."""
    for start in range(0, len(texts), _BATCH):
        chunk = texts[start : start + _BATCH]
        parts = [sentences(text) for text in chunk]
        several = [s for p in parts if len(p) >= 2 for s in p]
        closeness: Any = []
        if several:
            closeness = np.asarray(vectorizer.transform(several) @ centre).ravel()
        at = 0
        for text, p in zip(chunk, parts, strict=True):
            if len(p) < 2:
                yield text
                continue
            yield p[int(np.argmax(closeness[at : at + len(p)]))]
            at += len(p)


_BATCH = 16
