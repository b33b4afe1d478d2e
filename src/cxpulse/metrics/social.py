"""Social mentions and public reviews (docs/metrics/social.md).

Rows are mentions, bucketed by the period they were posted in. ``platform`` is normalised
before counting: lower case, common aliases folded (``twitter`` is ``x``, ``Google Business
Profile`` is ``google``, ``reddit`` is ``forum``) and anything unknown counted as ``other``,
so ``--segment platform`` gives volume by source with one row per platform.

A mention's sentiment is its own ``sentiment`` score when the export has one (-1..1; positive
above 0.05, negative below -0.05, the VADER convention), else its stars (4-5 positive, 1-2
negative, 3 neutral), else the score `cxpulse text score` gave its text: what the data says
comes first, cxpulse's estimate fills the gaps (an imported review file has no sentiment
column, and a post on social media no stars).
"""

from __future__ import annotations

from typing import Any

import ibis

from cxpulse.metrics.portable import seconds_between, strip
from cxpulse.metrics.spec import REGISTRY, MetricSpec, Table, Tables, Variant

PLATFORMS = (
    "google",
    "x",
    "instagram",
    "facebook",
    "tiktok",
    "trustpilot",
    "g2",
    "trustradius",
    "capterra",
    "forum",
)
ALIASES = {
    "twitter": "x",
    "x/twitter": "x",
    "x (twitter)": "x",
    "google business profile": "google",
    "google_business_profile": "google",
    "google my business": "google",
    "google maps": "google",
    "gbp": "google",
    "fb": "facebook",
    "ig": "instagram",
    "forums": "forum",
    "reddit": "forum",
    "community": "forum",
}
SENTIMENT_THRESHOLD = 0.05
SEGMENTS = ("platform", "language")


def count_if(cond: Any) -> Any:
    # ifelse + sum casts portably (Spark would otherwise sum booleans as decimals)
    return cond.ifelse(1, 0).sum().cast("int64")


def platform_expr(platform: Any) -> Any:
    """The platform as one of PLATFORMS or 'other' (Ibis expression)."""
    name = strip(platform).lower()
    name = name.substitute(ALIASES, else_=name)
    return name.isin(PLATFORMS).ifelse(name, "other")


def _mentions(t: Table, _: Tables) -> Table:
    return t.mutate(platform=platform_expr(t.platform))


def with_cxpulse_score(t: Table, tables: Tables) -> Table:
    """Mentions with ``_ours``: the score `cxpulse text score` gave their text (null if none)."""
    ours = tables.text_scores("mentions")
    if ours is None:
        return t.mutate(_ours=ibis.null().cast("float64"))
    ours = ours.select(_key=ours.row_key, _ours=ours.sentiment)
    joined = t.left_join(ours, t.mention_id.cast("string") == ours._key)
    return joined.drop("_key")


def _felt(t: Table, tables: Tables) -> Table:
    t = with_cxpulse_score(_mentions(t, tables), tables)
    stars = ibis.cases(
        (t.rating >= 4, 1.0), (t.rating <= 2, -1.0), (t.rating.notnull(), 0.0), else_=None
    )
    return t.mutate(_feel=ibis.coalesce(t.sentiment, stars, t._ours))


def _answered(t: Table, tables: Tables) -> Table:
    t = _mentions(t, tables)
    t = t.filter(t.responded_at.isnull() | (t.responded_at >= t.posted_at))  # bad clocks
    return t.mutate(_hours=seconds_between(t.responded_at, t.posted_at) / 3600.0)


# -- aggregations -------------------------------------------------------------------------
def _count(t: Table, keys: list[str]) -> Table:
    return t.group_by(keys).aggregate(n=t.count().cast("int64"), v=t.count().cast("float64"))


def _net_sentiment(t: Table, keys: list[str]) -> Table:
    t = t.filter(t._feel.notnull())
    return t.group_by(keys).aggregate(
        n=t.count().cast("int64"),
        p=count_if(t._feel > SENTIMENT_THRESHOLD),
        d=count_if(t._feel < -SENTIMENT_THRESHOLD),
    )


def _share_of(flag: Any, where: Any = None) -> Any:
    def aggregate(t: Table, keys: list[str]) -> Table:
        if where is not None:
            t = t.filter(where(t))
        return t.group_by(keys).aggregate(n=t.count().cast("int64"), k=count_if(flag(t)))

    return aggregate


def _rating_mean(t: Table, keys: list[str]) -> Table:
    t = t.filter(t.rating.notnull())
    x = t.rating.cast("float64")
    return t.group_by(keys).aggregate(n=t.count().cast("int64"), s=x.sum(), ss=(x * x).sum())


def _hours_mean(t: Table, keys: list[str]) -> Table:
    t = t.filter(t._hours.notnull())
    return t.group_by(keys).aggregate(
        n=t.count().cast("int64"), s=t._hours.sum(), ss=(t._hours * t._hours).sum()
    )


def _hours_median(t: Table, keys: list[str]) -> Table:
    t = t.filter(t._hours.notnull())
    return t.group_by(keys).aggregate(
        n=t.count().cast("int64"), v=t._hours.quantile(0.5).cast("float64")
    )


def _within(hours: float) -> Any:
    return _share_of(lambda t: t._hours.notnull() & (t._hours <= hours))


def _spec(name: str, label: str, unit: str, variants: list[Variant], **kw: Any) -> None:
    REGISTRY.add(
        MetricSpec(
            name=name,
            label=label,
            table="mentions",
            time_column="posted_at",
            unit=unit,
            variants={v.name: v for v in variants},
            segments=SEGMENTS,
            **kw,
        )
    )


_spec(
    "mention_volume",
    "Mentions and reviews",
    "mentions",
    [
        Variant(
            "default",
            "mentions and reviews posted in the period; --segment platform gives volume by "
            "source (google, x, instagram, facebook, tiktok, trustpilot, g2, trustradius, "
            "capterra, forum, other)",
            "value",
            _count,
            _mentions,
            multiplier=1.0,
        )
    ],
)
_spec(
    "review_rating",
    "Average review rating",
    "stars",
    [
        Variant(
            "default",
            "mean stars (1-5) of the reviews posted in the period (mentions without a rating "
            "left out); by platform with --segment platform; t interval",
            "mean",
            _rating_mean,
            _mentions,
            multiplier=1.0,
        )
    ],
)
_FEEL = (
    "sentiment score above 0.05 is positive, below -0.05 negative; a review without a score "
    "counts by its stars (4-5 positive, 1-2 negative), a mention without either by the score "
    "`cxpulse text score` gave its text"
)
_spec(
    "mention_sentiment",
    "Net sentiment of mentions",
    "points",
    [
        Variant(
            "default",
            f"100 x (share positive - share negative) of the mentions with a sentiment ({_FEEL}); "
            "-100..100; adjusted-Wald interval",
            "nps",
            _net_sentiment,
            _felt,
        ),
        Variant(
            "positive",
            f"100 x positive mentions / mentions with a sentiment ({_FEEL}); Wilson interval",
            "share",
            _share_of(lambda t: t._feel > SENTIMENT_THRESHOLD, lambda t: t._feel.notnull()),
            _felt,
        ),
        Variant(
            "negative",
            f"100 x negative mentions / mentions with a sentiment ({_FEEL}); Wilson interval",
            "share",
            _share_of(lambda t: t._feel < -SENTIMENT_THRESHOLD, lambda t: t._feel.notnull()),
            _felt,
        ),
    ],
)
_spec(
    "social_response_time",
    "Social response time",
    "hours",
    [
        Variant(
            "default",
            "median hours from a mention to the business's public answer, over the mentions "
            "answered (unanswered ones have no time yet), by the period the mention was posted",
            "value",
            _hours_median,
            _answered,
            multiplier=1.0,
        ),
        Variant(
            "mean",
            "mean hours from a mention to the public answer, answered mentions only; t interval",
            "mean",
            _hours_mean,
            _answered,
            multiplier=1.0,
        ),
    ],
    higher_is_better=False,
)
for _hours, _label in ((1, "1 hour"), (24, "24 hours")):
    _spec(
        f"social_answered_{_hours}h",
        f"Mentions answered within {_label}",
        "%",
        [
            Variant(
                "default",
                f"100 x mentions answered publicly within {_label} of being posted / all "
                "mentions posted in the period (unanswered ones count as not answered); "
                "Wilson interval",
                "share",
                _within(float(_hours)),
                _answered,
            )
        ],
    )
_spec(
    "social_response_rate",
    "Mentions answered",
    "%",
    [
        Variant(
            "default",
            "100 x mentions the business answered publicly / mentions posted in the period; "
            "Wilson interval",
            "share",
            _share_of(lambda t: t.responded_at.notnull()),
            _mentions,
        )
    ],
)
