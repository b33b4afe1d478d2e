"""Social posts and public reviews about Maison Caféine.

Volume grows with the company and triples during the outage, when most posts turn negative and
the community team answers three times slower. Reviews (Google, Trustpilot, G2) carry 1-5 stars
and their text agrees with the stars; posts are linked to a customer when the author could be
matched (about half of the reviews).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from cxpulse.demo import comments, names
from cxpulse.demo.arrow import build, chronological_ids, labels, take, timestamps
from cxpulse.demo.calendar import (
    DAY,
    HOUR,
    NULL_TIME,
    SECOND,
    WEB_HOURS,
    WEB_MONTHS,
    Window,
    day_weights,
    sample_times,
)
from cxpulse.demo.customers import FR, OFFICE, Customers
from cxpulse.demo.spec import DemoSpec
from cxpulse.demo.surveys import MIXED, NEGATIVE, POSITIVE

PLATFORMS = ("google", "trustpilot", "g2", "instagram", "x", "facebook", "tiktok", "forum")
_SHARE = (0.22, 0.18, 0.03, 0.20, 0.10, 0.10, 0.07, 0.10)
REVIEWS = (0, 1, 2)  # platforms with star ratings
_TAGGING = (3, 4, 6)  # platforms where people tag the brand
_URLS = (
    "https://www.google.com/maps/reviews/",
    "https://www.trustpilot.com/reviews/",
    "https://www.g2.com/products/maison-cafeine/reviews/",
    "https://www.instagram.com/p/",
    "https://x.com/i/status/",
    "https://www.facebook.com/maisoncafeine/posts/",
    "https://www.tiktok.com/@maisoncafeine/video/",
    "https://www.reddit.com/r/Coffee/comments/",
)
_STARS = np.array([0.10, 0.06, 0.09, 0.23, 0.52])
_STARS_OUTAGE = np.array([0.42, 0.20, 0.12, 0.12, 0.14])
_FEEL = np.array([0.20, 0.35, 0.45])
_FEEL_OUTAGE = np.array([0.60, 0.25, 0.15])


def mentions_table(
    rng: np.random.Generator, spec: DemoSpec, cust: Customers, cust_ids: Any, window: Window
) -> Any:
    n = spec.mentions
    o_lo, o_hi = window.outage()
    days = day_weights(window, growth=1.5, months=WEB_MONTHS, peaks=[(o_lo, o_hi, 3.0)])
    t = sample_times(rng, n, window, days, WEB_HOURS)
    during = (t >= o_lo) & (t < o_hi)
    platform = rng.choice(len(PLATFORMS), size=n, p=_SHARE)
    review = platform <= max(REVIEWS)

    stars = (
        np.where(
            during,
            rng.choice(5, size=n, p=_STARS_OUTAGE),
            rng.choice(5, size=n, p=_STARS),
        )
        + 1
    )
    social_feel = np.where(
        during, rng.choice(3, size=n, p=_FEEL_OUTAGE), rng.choice(3, size=n, p=_FEEL)
    )
    star_feel = np.select([stars <= 2, stars == 3], [NEGATIVE, MIXED], POSITIVE)
    feeling = np.where(review, star_feel, social_feel).astype(np.int64)

    # Authors matched to a customer who had signed up by then (ids are in signup order).
    signed_up = np.searchsorted(cust.created, t)
    linked = (rng.random(n) < np.where(review, 0.55, 0.35)) & (signed_up > 0)
    customer = np.where(linked, (rng.random(n) * signed_up).astype(np.int64), -1)
    # G2 reviews come from business buyers: prefer an office contact when one exists.
    offices = np.flatnonzero(cust.segment == OFFICE)
    if len(offices):
        on_g2 = linked & (platform == 2)
        customer[on_g2] = offices[rng.integers(0, len(offices), int(on_g2.sum()))]
        customer[on_g2] = np.where(cust.created[customer[on_g2]] <= t[on_g2], customer[on_g2], -1)
    language = np.where(customer >= 0, cust.language[np.maximum(customer, 0)], rng.random(n) < 0.45)
    language = language.astype(np.int64)

    theme = comments.choose_themes(rng, np.zeros(n, dtype=np.int64), {0: comments.MENTION_THEMES})
    outage_story = during & (feeling == NEGATIVE) & (rng.random(n) < 0.8)
    theme = np.where(outage_story, comments.THEMES.index("delivery"), theme)
    body = comments.compose(rng, language, feeling, theme)
    tag = np.isin(platform, _TAGGING) & (rng.random(n) < 0.4)
    text = pc.if_else(pa.array(tag), pc.binary_join_element_wise("@maisoncafeine", body, " "), body)

    # The community team answers most reviews and the negative posts, more slowly in the rush.
    answer_p = np.where(
        review, np.where(feeling == NEGATIVE, 0.85, 0.65), np.array([0.6, 0.3, 0.2])[feeling]
    )
    median = np.where(review, 20 * HOUR, 3 * HOUR) * np.where(during, 3.0, 1.0)
    delay = rng.lognormal(np.log(median / SECOND), 1.0) * SECOND
    responded = t + np.minimum(delay, 60 * DAY).astype(np.int64)
    responded = np.where(
        (rng.random(n) < answer_p) & (responded < window.end_us), responded, NULL_TIME
    )

    mention_ids = chronological_ids("M", t, 6)
    return build(
        "mentions",
        {
            "mention_id": mention_ids,
            "platform": labels(PLATFORMS, platform),
            "customer_id": take(cust_ids, customer),
            "author": _authors(rng, language, review),
            "posted_at": timestamps(t),
            "rating": np.where(review, stars.astype(np.float64), np.nan),
            "text": text,
            "language": labels(("en", "fr"), language),
            "sentiment": comments.sentiment_of(rng, feeling),
            "url": pc.binary_join_element_wise(
                labels(_URLS, platform), pc.utf8_slice_codeunits(mention_ids, 1), ""
            ),
            "responded_at": timestamps(responded),
        },
        order=np.argsort(t, kind="stable"),
    )


def _authors(rng: np.random.Generator, language: Any, review: Any) -> Any:
    """'Camille D.' on review sites, '@camille1987' on social networks."""
    n = len(language)
    firsts = names.FIRST_EN + names.FIRST_FR
    lasts = names.LAST_EN + names.LAST_FR
    fr = language == FR
    fi = rng.integers(0, len(names.FIRST_EN), n) + np.where(fr, len(names.FIRST_EN), 0)
    li = rng.integers(0, len(names.LAST_EN), n) + np.where(fr, len(names.LAST_EN), 0)
    initial = take(pa.array([x[0] + "." for x in lasts]), li)
    full = pc.binary_join_element_wise(take(pa.array(firsts), fi), initial, " ")
    handle = pc.binary_join_element_wise(
        "@",
        take(pa.array([names.ascii_slug(x) for x in firsts]), fi),
        pc.cast(pa.array(rng.integers(1960, 2006, n)), pa.string()),
        "",
    )
    return pc.if_else(pa.array(review), full, handle)
