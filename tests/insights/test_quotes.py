"""Typical quotes: the centre of the group, not the first comment; no near-duplicates."""

from __future__ import annotations

import random

from hypothesis import given
from hypothesis import strategies as st

from cxpulse.insights.quotes import sentences, shorten, typical_quotes

LATE = [
    "I love the new logo, the font and the colours of the box; the parcel was late though.",
    *["My parcel arrived two weeks late."] * 6,
    "My parcel arrived three weeks late.",
    *["The courier lost my parcel and it arrived two weeks late."] * 3,
    "Still waiting for my parcel, the courier is late again.",
]


def test_the_most_typical_first_without_near_duplicates() -> None:
    assert typical_quotes(LATE, 3) == [
        "My parcel arrived two weeks late.",
        "The courier lost my parcel and it arrived two weeks late.",
        "Still waiting for my parcel, the courier is late again.",
    ]


def test_the_same_comments_give_the_same_quotes_in_any_order() -> None:
    shuffled = LATE[:]
    random.Random(7).shuffle(shuffled)
    assert typical_quotes(shuffled, 3) == typical_quotes(LATE, 3)


def test_a_quote_is_the_comments_most_typical_sentence() -> None:
    texts = [
        *["Hello team. My parcel arrived two weeks late. Otherwise all good, thanks!"] * 2,
        "The parcel arrived late.",
    ]
    assert typical_quotes(texts, 1) == ["My parcel arrived two weeks late."]


def test_near_duplicates_are_judged_on_the_sentence_quoted() -> None:
    """The same complaint in comments whose other sentences differ is quoted once."""
    texts = [
        "Honestly, the parcel came crushed and the bag of decaf was torn open. Never again.",
        "The parcel came crushed and the bag of Ethiopian blend was torn open. I called twice.",
        "The parcel came crushed and the bag of espresso roast was torn open. What a mess.",
        "Delivery is a lottery: sometimes two days, sometimes three weeks.",
    ]
    got = typical_quotes(texts, k=3)
    assert sum("parcel came crushed" in q for q in got) == 1
    assert any(q.startswith("Delivery is a lottery") for q in got)


def test_nothing_to_quote() -> None:
    assert typical_quotes([], 3) == []
    assert typical_quotes([None, "  ", "the and of"], 3) == []
    assert typical_quotes(LATE, 0) == []


def test_sentences_and_shortening() -> None:
    assert sentences("Late. Very late!  Why? ok…then") == ["Late.", "Very late!", "Why?", "ok…then"]
    long = "word " * 50
    cut = shorten(long, 40)
    assert len(cut) <= 40 and cut.endswith("…") and " word…" in cut


@given(st.text(min_size=1, max_size=400), st.integers(20, 200))
def test_shorten_never_exceeds_the_limit(text: str, limit: int) -> None:
    assert len(shorten(text, limit)) <= limit
