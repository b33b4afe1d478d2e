"""Why, in the customers' words: the themes that rose among negative answers, with quotes.

For a feedback metric, the **negative answers** are the ones its own definition counts against
it (:data:`NEGATIVE`): NPS detractors (0-6), CSAT answers below the satisfied boxes, CES answers
of high effort. Among the negative answers *with a comment* of a period and of the period it is
compared with, each theme's **share** is the share of those comments that mention it (a comment
can mention several themes); with ``basis="answers"`` it is a share of every answer of the
period instead (:data:`BASES`: which complaints grew, rather than which took a larger part of
the complaints). Themes come from ``text_annotations`` when `cxpulse text score` annotated the
comment, else from the workspace's taxonomy, assigned here.

- **Test**: the change of each share, two-sided, by the pooled two-proportion z test (Fisher's
  exact test when an expected count is below 5; :mod:`.proportions`); every theme mentioned in
  either period is tested, and the themes are controlled together by Benjamini-Hochberg: each
  result carries its p-value (for a caller folding it into a larger family) and its q-value
  within the themes. A theme **rose** when its share went up and q <= the level asked.
- **Interval** of the change: Newcombe's hybrid score interval, at the workspace's confidence.
- **Quotes**: the 2-3 most typical comments of the theme in the period
  (:func:`.quotes.typical_quotes`).
- **New clusters** (:func:`new_clusters`): the period's negative comments no theme covers,
  clustered with :func:`cxpulse.text.discover.discover`; a cluster is reported when it holds at
  least :data:`MIN_CLUSTER_COMMENTS` comments and :data:`MIN_CLUSTER_SHARE` % of the period's
  negative comments: smaller ones are anecdotes, not topics.

Only complete periods are compared: by default the last complete one in the workspace's time
zone, and a period not over yet is refused.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

import pandas as pd

from cxpulse.errors import QueryError
from cxpulse.insights import theme_wording as w
from cxpulse.insights.fdr import bh_adjust
from cxpulse.insights.proportions import newcombe_interval, two_proportion_test
from cxpulse.insights.quotes import typical_quotes
from cxpulse.metrics import engine, periods, scales
from cxpulse.metrics.portable import strip
from cxpulse.metrics.spec import REGISTRY
from cxpulse.schema import TEXT_ANNOTATIONS_TABLE
from cxpulse.text.themes import Taxonomy, assign_themes, load_taxonomy

if TYPE_CHECKING:
    from cxpulse.context import Context

QUOTES = 3
MIN_CLUSTER_COMMENTS = 10
MIN_CLUSTER_SHARE = 5.0
COMPARISONS = ("previous", "year")
BASES = ("negatives", "answers")
"""What a theme's share is a share of. ``negatives``: the negative answers with a comment
(what the unhappy customers write about: a theme rises when it takes a larger part of the
complaints). ``answers``: every answer of the period, negative or not, with or without a
comment (how often an answer is a complaint about the theme: a theme also rises when its
complaints grow with all the others, as in an outage that makes everything worse at once)."""
# the same period a year before, in periods (weeks and days: the same weekdays, as the engine)
_YEAR_LAG = {"day": 364, "week": 52, "month": 12, "quarter": 4, "year": 1}


@dataclass(frozen=True)
class Negative:
    """Which answers of a metric count against it, as its own definition says."""

    keep: Callable[[Any], Any]
    """Ibis condition on the rows the metric's default variant prepares."""
    definition: str
    names: Mapping[str, str]
    """The answers' name in each language ("NPS detractors (0-6)")."""


NEGATIVE: dict[str, Negative] = {
    "nps": Negative(
        lambda t: t.score <= scales.NPS_DETRACTOR_MAX,
        "detractors: 0-6 on the 0-10 question",
        {"en": "NPS detractors (0-6)", "fr": "détracteurs NPS (0 à 6)"},
    ),
    "csat": Negative(
        lambda t: ~t._good,
        "answers below CSAT's satisfied boxes (1-3 on 1-5, 1-5 on 1-7, 1-8 on 1-10, 1-2 on 1-3)",
        {"en": "dissatisfied CSAT answers", "fr": "réponses CSAT insatisfaites"},
    ),
    "ces": Negative(
        lambda t: t._hard,
        "high-effort answers (1-2 on 5 points, 1-3 on 7 points, after polarity)",
        {"en": "high-effort CES answers", "fr": "réponses CES à effort élevé"},
    ),
}


@dataclass(frozen=True)
class ThemeShift:
    """One theme's share of two periods (see :data:`BASES`), and its change."""

    metric: str
    theme: str
    labels: Mapping[str, str]
    group: Mapping[str, str]
    segment: Mapping[str, Any]
    basis: str
    period: str
    period_start: date
    compare_period: str
    compare_start: date
    total_before: int
    """The share's denominator in the compared period: negative answers with a comment
    (basis ``negatives``) or every answer (basis ``answers``)."""
    total_after: int
    count_before: int
    """Negative answers whose comment mentions the theme."""
    count_after: int
    share_before: float
    """count / total, in %."""
    share_after: float
    change: float
    """Percentage points."""
    ci_low: float
    ci_high: float
    confidence: float
    p: float
    q: float
    """Benjamini-Hochberg q-value among the themes tested together."""
    level: float
    test: str
    """``two_proportion_z``, or ``fisher_exact`` when an expected count is below 5."""
    definition: str
    """How the share, the test and the interval are defined, in one sentence."""
    quotes: tuple[str, ...] = field(default=())
    """The most typical comments of the theme in the period, any language."""
    quotes_by_language: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """The most typical in each language (en, fr) that has some."""

    def quotes_in(self, lang: str) -> tuple[str, ...]:
        """Quotes in the reader's language when there are some, else in any language."""
        return self.quotes_by_language.get(lang) or self.quotes

    @property
    def rose(self) -> bool:
        """The share went up, and significantly so among the themes tested."""
        return self.change > 0 and self.q <= self.level

    def label(self, lang: str = "en") -> str:
        return self.labels.get(lang) or self.labels.get("en") or self.theme

    def headline(self, lang: str = "en") -> str:
        lang = w.check_language(lang)
        return w.shift_sentence(
            lang,
            theme=self.label(lang),
            group=self.group[lang] + w.segment_text(self.segment, lang),
            per_answer=self.basis == "answers",
            periods=(self.compare_period, self.period),
            counts=(self.count_before, self.count_after),
            totals=(self.total_before, self.total_after),
            shares=(self.share_before, self.share_after),
            change=(self.change, self.ci_low, self.ci_high, self.confidence),
            q=None if self.rose else self.q,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": "theme_shift",
            "metric": self.metric,
            "theme": self.theme,
            "labels": dict(self.labels),
            "group": dict(self.group),
            "segment": dict(self.segment),
            "period": self.period,
            "period_start": self.period_start.isoformat(),
            "compare_period": self.compare_period,
            "compare_start": self.compare_start.isoformat(),
            "basis": self.basis,
            "total_before": self.total_before,
            "total_after": self.total_after,
            "count_before": self.count_before,
            "count_after": self.count_after,
            "share_before": _json(self.share_before),
            "share_after": _json(self.share_after),
            "change": _json(self.change),
            "ci_low": _json(self.ci_low),
            "ci_high": _json(self.ci_high),
            "confidence": self.confidence,
            "p": _json(self.p),
            "q": _json(self.q),
            "level": self.level,
            "test": self.test,
            "definition": self.definition,
            "rose": self.rose,
            "quotes": list(self.quotes),
            "quotes_by_language": {k: list(v) for k, v in self.quotes_by_language.items()},
            "headline": {"en": self.headline("en"), "fr": self.headline("fr")},
        }


@dataclass(frozen=True)
class NewCluster:
    """A group of the period's negative comments that no theme covers."""

    metric: str
    group: Mapping[str, str]
    segment: Mapping[str, Any]
    period: str
    period_start: date
    size: int
    share: float
    """% of the period's negative comments."""
    top_terms: tuple[str, ...]
    quotes: tuple[str, ...]

    def headline(self, lang: str = "en") -> str:
        lang = w.check_language(lang)
        group = self.group[lang] + w.segment_text(self.segment, lang)
        now, c = w.period_name(self.period, lang), w.colon(lang)
        size, share = w.count(self.size, lang), w.percent(self.share, lang)
        terms = w.terms_text(self.top_terms, lang)
        if lang == "fr":
            return (
                f"Un sujet qu'aucun thème ne couvre dans les commentaires des {group} en {now}"
                f"{c} {size} commentaires ({share}) autour de {terms}."
            )
        return (
            f"A topic no theme covers in the comments of {group} in {now}{c} {size} comments "
            f"({share}) about {terms}."
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": "new_cluster",
            "metric": self.metric,
            "group": dict(self.group),
            "segment": dict(self.segment),
            "period": self.period,
            "period_start": self.period_start.isoformat(),
            "size": self.size,
            "share": _json(self.share),
            "top_terms": list(self.top_terms),
            "quotes": list(self.quotes),
            "headline": {"en": self.headline("en"), "fr": self.headline("fr")},
        }


def _json(x: float) -> float | None:
    return None if x is None or pd.isna(x) else float(x)


def theme_shifts(
    ctx: Context,
    metric: str,
    *,
    period_start: date | str | None = None,
    grain: str = "month",
    compare: str = "previous",
    segment: Mapping[str, Any] | None = None,
    q: float = 0.05,
    basis: str = "negatives",
    as_of: date | str | None = None,
) -> list[ThemeShift]:
    """The themes whose share among ``metric``'s negative comments rose significantly from
    the compared period to the one starting at ``period_start`` (default: the last complete
    ``grain`` before ``as_of``, default today), largest rise first, each with typical quotes.
    ``segment`` restricts the answers (column -> value or values, as the engine's filters:
    ``{"touchpoint": "delivery"}``); ``basis`` chooses the share's denominator (:data:`BASES`)."""
    tested = theme_tests(
        ctx, metric, period_start=period_start, grain=grain, compare=compare, segment=segment,
        q=q, basis=basis, as_of=as_of,
    )  # fmt: skip
    return sorted((s for s in tested if s.rose), key=lambda s: (-s.change, s.p, s.theme))


def theme_tests(
    ctx: Context,
    metric: str,
    *,
    period_start: date | str | None = None,
    grain: str = "month",
    compare: str = "previous",
    segment: Mapping[str, Any] | None = None,
    q: float = 0.05,
    basis: str = "negatives",
    as_of: date | str | None = None,
) -> list[ThemeShift]:
    """Every theme tested (mentioned in either period), smallest p first, whether it rose or
    not: for a caller that controls them in a larger family of tests (the insights of every
    metric and segment). Quotes only for the themes whose share went up."""
    _check(q, basis)
    _negative(metric)  # an unknown or non-feedback metric is refused before its periods
    g, after, before = resolve_periods(ctx, period_start, grain, compare, as_of)
    segment = dict(segment or {})
    rows = negative_comments(ctx, metric, [before, after], g, segment)
    mine, theirs = rows[rows["period"] == after], rows[rows["period"] == before]
    n1, n2 = len(theirs), len(mine)
    if basis == "answers":
        n1, n2 = (answers(ctx, metric, [start], g, segment) for start in (before, after))
    return _shift_tests(
        ctx, metric, (g, before, after), segment, (theirs, mine), (n1, n2), q, basis
    )


def _check(q: float, basis: str) -> None:
    if not 0 < q < 1:
        raise QueryError(f"the false-discovery level q is between 0 and 1 (e.g. 0.05), not {q}")
    if basis not in BASES:
        raise QueryError(f"a theme's share is among {' or '.join(BASES)}, not {basis!r}")


def _shift_tests(
    ctx: Context,
    metric: str,
    when: tuple[periods.Grain, date, date],
    segment: dict[str, Any],
    rows: tuple[pd.DataFrame, pd.DataFrame],
    totals: tuple[int, int],
    q: float,
    basis: str,
) -> list[ThemeShift]:
    """The themes of ``rows`` (the negative comments before, after) tested, against the
    shares' denominators ``totals`` (before, after): :func:`theme_tests` once it has read them."""
    negative = _negative(metric)
    g, before, after = when
    theirs, mine = rows
    n1, n2 = totals
    if not n1 or not n2 or (theirs.empty and mine.empty):
        return []
    k2 = Counter(t for themes in mine["themes"] for t in themes)
    k1 = Counter(t for themes in theirs["themes"] for t in themes)
    taxonomy = _taxonomy(ctx)
    order = {name: i for i, name in enumerate(taxonomy.names)}
    names = sorted(set(k1) | set(k2), key=lambda t: (order.get(t, len(order)), t))
    tests = [two_proportion_test(n1, k1[t], n2, k2[t]) for t in names]
    q_values = bh_adjust([p for p, _ in tests])
    confidence = ctx.settings.confidence
    out = []
    for theme, (p_value, test), q_value in zip(names, tests, q_values, strict=True):
        low, high = newcombe_interval(n1, k1[theme], n2, k2[theme], confidence=confidence)
        change = 100 * (k2[theme] / n2 - k1[theme] / n1)
        quotes, by_language = _quotes(mine, theme) if change > 0 else ((), {})
        out.append(
            ThemeShift(
                metric=metric,
                theme=theme,
                labels=_labels(taxonomy, theme),
                group=negative.names,
                segment=segment,
                period=periods.label(after, g),
                period_start=after,
                compare_period=periods.label(before, g),
                compare_start=before,
                basis=basis,
                total_before=n1,
                total_after=n2,
                count_before=k1[theme],
                count_after=k2[theme],
                share_before=100 * k1[theme] / n1,
                share_after=100 * k2[theme] / n2,
                change=change,
                ci_low=100 * low,
                ci_high=100 * high,
                confidence=confidence,
                p=p_value,
                q=float(q_value),
                level=q,
                test=test,
                definition=_definition(negative, basis, test, len(names)),
                quotes=quotes,
                quotes_by_language=by_language,
            )
        )
    return sorted(out, key=lambda s: (s.p, s.theme))


def new_clusters(
    ctx: Context,
    metric: str,
    *,
    period_start: date | str | None = None,
    grain: str = "month",
    segment: Mapping[str, Any] | None = None,
    as_of: date | str | None = None,
) -> list[NewCluster]:
    """Clusters of the period's negative comments that match no theme, largest first; only
    those of at least :data:`MIN_CLUSTER_COMMENTS` comments and :data:`MIN_CLUSTER_SHARE` % of
    the period's negative comments."""
    _negative(metric)
    g, after, _ = resolve_periods(ctx, period_start, grain, "previous", as_of)
    segment = dict(segment or {})
    rows = negative_comments(ctx, metric, [after], g, segment)
    return _clusters(metric, (g, after), segment, rows)


def _clusters(
    metric: str, when: tuple[periods.Grain, date], segment: dict[str, Any], rows: pd.DataFrame
) -> list[NewCluster]:
    """The new clusters of ``rows`` (the period's negative comments): :func:`new_clusters`
    once it has read them."""
    negative = _negative(metric)
    g, after = when
    unthemed = [c for c, ts in zip(rows["comment"], rows["themes"], strict=True) if not ts]
    if len(unthemed) < MIN_CLUSTER_COMMENTS:
        return []
    from cxpulse.text.discover import discover

    # about one cluster per MIN_CLUSTER_COMMENTS comments, and at least two: one cluster of
    # everything unthemed would be a bag of unrelated complaints, not a topic
    k = max(2, min(8, len(unthemed) // MIN_CLUSTER_COMMENTS))
    clusters = discover(unthemed, [[] for _ in unthemed], k, examples=2 * QUOTES)
    total = len(rows)
    return [
        NewCluster(
            metric=metric,
            group=negative.names,
            segment=segment,
            period=periods.label(after, g),
            period_start=after,
            size=cl.size,
            share=100 * cl.size / total,
            top_terms=cl.top_terms[:5],
            quotes=tuple(typical_quotes(list(cl.examples), 2)),
        )
        for cl in clusters
        if cl.size >= MIN_CLUSTER_COMMENTS and 100 * cl.size / total >= MIN_CLUSTER_SHARE
    ]


def _quotes(rows: pd.DataFrame, theme: str) -> tuple[tuple[str, ...], dict[str, tuple[str, ...]]]:
    """The theme's typical quotes among ``rows``, and per language (each language has its
    own words, so the most typical comment of the majority language would win them all)."""
    mine = rows[[theme in ts for ts in rows["themes"]]]
    by_language = {
        lang: tuple(typical_quotes(list(mine.loc[mine["language"] == lang, "comment"]), QUOTES))
        for lang in ("en", "fr")
    }
    overall = tuple(typical_quotes(list(mine["comment"]), QUOTES))
    return overall, {lang: quotes for lang, quotes in by_language.items() if quotes}


def _definition(negative: Negative, basis: str, test: str, m: int) -> str:
    share = (
        "negative answers whose comment mentions the theme / all answers"
        if basis == "answers"
        else "negative answers whose comment mentions the theme / negative answers with a comment"
    )
    how = "Fisher's exact test" if test == "fisher_exact" else "pooled two-proportion z test"
    return (
        f"negative answers: {negative.definition}; share: {share}; change tested two-sided "
        f"({how}), Benjamini-Hochberg over the {m} themes tested; interval: Newcombe's hybrid "
        "score"
    )


def _negative(metric: str) -> Negative:
    REGISTRY.get(metric)  # an unknown metric says so, with the known names
    found = NEGATIVE.get(metric)
    if found is None:
        raise QueryError(
            f"themes of negative answers are found for the feedback metrics "
            f"{', '.join(NEGATIVE)}, not {metric!r}"
        )
    return found


def resolve_periods(
    ctx: Context,
    period_start: date | str | None,
    grain: str,
    compare: str,
    as_of: date | str | None = None,
) -> tuple[periods.Grain, date, date]:
    """(grain, the period's first day, the compared period's first day). The period defaults
    to the last complete one on ``as_of`` (default: today, local time); one not over on that
    day is refused: a part of a period is never compared as if it were whole. A run's own
    ``as_of``, not the machine's clock: a run for an old day gives the same themes whatever
    day it runs."""
    g = periods.check_grain(grain)
    if g == "all":
        raise QueryError("themes compare two periods: choose a grain (day, week, month...)")
    if compare not in COMPARISONS:
        raise QueryError(f"compare with {compare!r}? Use {' or '.join(COMPARISONS)}.")
    today = periods.parse_day(as_of, "as_of") or datetime.now(ctx.settings.zone).date()
    day = periods.parse_day(period_start, "period_start")
    after = (
        periods.floor_date(day, g) if day else periods.shift(periods.floor_date(today, g), g, -1)
    )
    last = periods.shift(after, g, 1) - timedelta(days=1)
    if last >= today:
        raise QueryError(
            f"{periods.label(after, g)} is not over until {last.isoformat()}: themes compare "
            f"complete periods only; choose an earlier {g}"
        )
    lag = 1 if compare == "previous" else _YEAR_LAG[g]
    return g, after, periods.shift(after, g, -lag)


def answers(
    ctx: Context, metric: str, starts: list[date], grain: periods.Grain, segment: Mapping[str, Any]
) -> int:
    """How many answers the metric counts in the periods starting on ``starts``."""
    spec = REGISTRY.get(metric)
    last = periods.shift(max(starts), grain, 1) - timedelta(days=1)
    t = engine.prepared(ctx, spec, spec.default, grain, [], segment, min(starts), last)
    return 0 if t is None else int(t.filter(t._period.isin(starts)).count().execute())


@dataclass(frozen=True, eq=False)
class PeriodComments:
    """A feedback metric's negative comments of a period and of the one it is compared with,
    read (and their themes assigned) once for every segment of some dimensions, then selected
    in memory: an insights run looks into several segments of the same metric, and reading
    and scoring the comments again for each took most of its time. Gives what
    :func:`theme_tests` and :func:`new_clusters` give for a segment."""

    metric: str
    grain: periods.Grain
    before: date
    after: date
    rows: pd.DataFrame
    """:func:`negative_comments` of both periods, with the dimensions' columns."""
    counts: pd.DataFrame
    """Every answer of both periods counted per period (``period``) and dimensions' values
    (``n``): the denominators of ``basis="answers"``."""

    def theme_tests(
        self, ctx: Context, segment: Mapping[str, Any], *, q: float, basis: str
    ) -> list[ThemeShift]:
        """:func:`theme_tests` of the segment ({dimension: value}, one of the dimensions)."""
        _check(q, basis)
        segment = dict(segment)
        rows = self.rows[_where(self.rows, segment)]
        theirs, mine = (rows[rows["period"] == start] for start in (self.before, self.after))
        n1, n2 = len(theirs), len(mine)
        if basis == "answers":
            counts = self.counts[_where(self.counts, segment)]
            n1, n2 = (
                int(counts.loc[counts["period"] == s, "n"].sum()) for s in (self.before, self.after)
            )
        when = (self.grain, self.before, self.after)
        return _shift_tests(ctx, self.metric, when, segment, (theirs, mine), (n1, n2), q, basis)

    def new_clusters(self, segment: Mapping[str, Any]) -> list[NewCluster]:
        """:func:`new_clusters` of the segment, in the period (not the one compared with)."""
        segment = dict(segment)
        rows = self.rows[_where(self.rows, segment) & (self.rows["period"] == self.after)]
        return _clusters(self.metric, (self.grain, self.after), segment, rows)


def period_comments(
    ctx: Context,
    metric: str,
    *,
    period_start: date | str | None = None,
    grain: str = "month",
    compare: str = "previous",
    dimensions: Sequence[str] = (),
    as_of: date | str | None = None,
) -> PeriodComments:
    """The metric's negative comments and answer counts of the period and the compared one,
    for the segments of ``dimensions`` to be selected from (:class:`PeriodComments`)."""
    _negative(metric)
    g, after, before = resolve_periods(ctx, period_start, grain, compare, as_of)
    dims = list(dict.fromkeys(dimensions))
    rows = negative_comments(ctx, metric, [before, after], g, {}, dims)
    spec = REGISTRY.get(metric)
    last = periods.shift(after, g, 1) - timedelta(days=1)
    t = engine.prepared(ctx, spec, spec.default, g, dims, {}, before, last)
    counts = pd.DataFrame({"period": [], "n": []} | {segment_column(d): [] for d in dims})
    if t is not None:
        t = t.filter(t._period.isin([before, after]))
        keys = [t._period.name("period"), *(t[d].name(segment_column(d)) for d in dims)]
        counts = t.group_by(keys).aggregate(n=t.count()).execute()
        counts["period"] = [pd.Timestamp(p).date() for p in counts["period"]]
    return PeriodComments(metric, g, before, after, rows, counts)


def segment_column(dimension: str) -> str:
    """The name of a segment's column among the comments read (apart from their own columns:
    ``language`` is a dimension too)."""
    return f"segment:{dimension}"


def _where(df: pd.DataFrame, segment: Mapping[str, Any]) -> Any:
    """The rows of ``df`` in the segment: each column's value written as a finding writes it
    (``str`` of the value, :mod:`.changes`), one value or any of several."""
    keep = pd.Series(True, index=df.index)
    for dimension, wanted in segment.items():
        col = segment_column(dimension)
        values = list(wanted) if isinstance(wanted, (list, tuple, set, frozenset)) else [wanted]
        written = {str(v) for v in values}
        inside = [not pd.isna(v) and str(v) in written for v in df[col]]
        keep &= pd.Series(inside, index=df.index, dtype=bool)
    return keep


def negative_comments(
    ctx: Context,
    metric: str,
    starts: list[date],
    grain: periods.Grain,
    segment: Mapping[str, Any],
    columns: Sequence[str] = (),
) -> pd.DataFrame:
    """The negative answers with a comment in the periods starting on ``starts``: period
    (first day), comment, language, themes (a list), and each of the segment ``columns``
    (``plan``, ``customer.plan``...) as :func:`segment_column`."""
    spec = REGISTRY.get(metric)
    negative = _negative(metric)
    last = periods.shift(max(starts), grain, 1) - timedelta(days=1)
    cols = list(dict.fromkeys(columns))
    t = engine.prepared(ctx, spec, spec.default, grain, cols, segment, min(starts), last)
    if t is None:
        empty: dict[str, list[Any]] = {"period": [], "comment": [], "language": [], "themes": []}
        return pd.DataFrame(empty | {segment_column(c): [] for c in cols})
    t = t.filter(
        negative.keep(t) & t._period.isin(starts) & t.comment.notnull() & (strip(t.comment) != "")
    )
    ann = ctx.store.table(TEXT_ANNOTATIONS_TABLE)
    ann = ann.filter(ann.table_name == "survey_responses")
    ann = ann.select(_key=ann.row_key, _themes=ann.themes)
    j = t.left_join(ann, t.response_id == ann._key)
    df: pd.DataFrame = (
        j.select(
            period=j._period,
            comment=j.comment,
            language=j.language,
            themes=j._themes,
            _id=j.response_id,
            **{segment_column(c): j[c] for c in cols},
        )
        .order_by("_id")
        .execute()
    )
    df["period"] = [pd.Timestamp(p).date() for p in df["period"]]
    missing = df["themes"].isna().to_numpy()
    themes = [str(s).split(",") if isinstance(s, str) and s else [] for s in df["themes"]]
    if missing.any():  # not annotated (yet): themes from the workspace's taxonomy
        todo = df[missing]
        languages = [lang if isinstance(lang, str) else None for lang in todo["language"]]
        found = iter(assign_themes(list(todo["comment"]), languages, _taxonomy(ctx)))
        themes = [next(found) if m else ts for m, ts in zip(missing, themes, strict=True)]
    df["themes"] = themes
    return df.drop(columns="_id")


def _taxonomy(ctx: Context) -> Taxonomy:
    return load_taxonomy(ctx.settings.theme_taxonomy or None)


def _labels(taxonomy: Taxonomy, theme: str) -> dict[str, str]:
    for t in taxonomy.themes:
        if t.name == theme:
            return {"en": t.label("en"), "fr": t.label("fr")}
    return {"en": theme, "fr": theme}
