"""One insights run: what changed (:func:`cxpulse.insights.changes.significant_changes`) and,
under each finding, its evidence: why (the themes that rose in the customers' comments, with
quotes, and topics no theme covers), what it costs (the customers behind it, their MRR and
churn risk), and the events (annotations) of the period; once per run, the link from bad
experiences to churn.

**Themes are tested only inside significant findings**, so their false discovery control is
the selective-inference rule of Benjamini & Bogomolov (2014, JRSS B 76(3)): the changes are
m families of tests (one per metric and segment tested), R of them are selected (the
significant findings), and the themes of each selected family are controlled by
Benjamini-Hochberg at level q·R/m. This keeps the expected share of false discoveries,
averaged over the selected families, at q; plain BH at q inside each family would not (a
family is only looked into because its change was large, which makes its themes look
significant more often). Only the :data:`THEMED` highest-ranked worsenings are looked into
(new clusters: :data:`CLUSTERED`); a selected family left unexamined has no discovery, so the
average stays at or below q. A family is the themes of one worsened feedback metric (nps, csat,
ces) in the finding's segment, among every answer of the period (``basis="answers"``: a theme
also rises when all complaints grow at once, as in an outage).

Medians and other quantiles are not tested (:mod:`.changes` says why), but their change can
still be a mix shift only: for each of them, the decomposition over the metric's main segment
gives a finding of kind ``mix``, without a q-value, when the total moved against its segments
(Simpson's paradox). It says it is untested and is ranked after the tested findings.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from cxpulse import wording
from cxpulse.errors import CxpulseError, QueryError
from cxpulse.insights.annotations import Annotation, annotations_between
from cxpulse.insights.changes import (
    DEFAULT_METRICS,
    NONE_LABEL,
    Insights,
    Window,
    significant_changes,
)
from cxpulse.insights.cost import Cost, NegativesLink, customers_behind, negatives_link
from cxpulse.insights.explain import evidence as decomposition_evidence
from cxpulse.insights.explain import mix_caveat
from cxpulse.insights.findings import NNBSP, Finding, Text, check_language, metric_name
from cxpulse.insights.themes import (
    NEGATIVE,
    NewCluster,
    PeriodComments,
    ThemeShift,
    period_comments,
)
from cxpulse.metrics import mix
from cxpulse.metrics.spec import REGISTRY, Registry

if TYPE_CHECKING:
    from cxpulse.context import Context

T = TypeVar("T")
FEEDBACK_METRICS = tuple(NEGATIVE)
"""The metrics whose negative answers have comments to read themes in."""
COSTED = 5
# the worsenings whose comments are read for themes, and for new clusters: the highest ranked
# ones. A metric's comments are read once for all of them, but each tests its themes and picks
# quotes (TF-IDF fits), and the lower-ranked are mostly the same drop seen through another
# segment: at scale 1 the November outage gives 40 worsened feedback findings
THEMED = 5
CLUSTERED = 2
"""Worsened findings whose customers are looked up (the top ones by rank: each is a query)."""
QUOTES_SHOWN = 3
METHOD = (
    "Changes: every metric and segment tested against the comparison period, Benjamini-Hochberg "
    "over all the tests at q. Themes: tested only inside the significant worsenings of a "
    "feedback metric (a theme's share of all answers, two-proportion z or Fisher's exact test), "
    "Benjamini-Hochberg inside each such family at q·R/m (R significant findings of m tests: "
    "Benjamini & Bogomolov 2014). Intervals of the changes found: at 1 - q·R/m, which keeps "
    "the share of those intervals missing the true change at q (false coverage rate: "
    "Benjamini & Yekutieli 2005). Quantiles (medians) are not tested: a mix finding only says "
    "the total moved against its segments."
)


@dataclass(frozen=True)
class Evidence:
    """What stands behind one finding."""

    themes: tuple[ThemeShift, ...] = ()
    """The themes that rose, largest rise first (quotes in each)."""
    tested_themes: int = 0
    """How many themes this finding's family tested."""
    clusters: tuple[NewCluster, ...] = ()
    cost: Cost | None = None
    events: tuple[Annotation, ...] = ()

    def lines(self, lang: str) -> list[tuple[str, str]]:
        """(part, sentence) pairs: ``why`` (a theme, then its quotes as ``quote``), ``cost``,
        ``event``, in the order a reader wants them."""
        out: list[tuple[str, str]] = []
        for theme in self.themes:
            out.append(("why", theme.headline(lang)))
            out += [("quote", quoted(q, lang)) for q in theme.quotes_in(lang)[:QUOTES_SHOWN]]
        for cluster in self.clusters:
            out.append(("why", cluster.headline(lang)))
            out += [("quote", quoted(q, lang)) for q in cluster.quotes[:QUOTES_SHOWN]]
        if self.cost is not None:
            out.append(("cost", self.cost.headline(lang)))
        out += [("event", event_sentence(a, lang)) for a in self.events]
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "themes": [t.to_dict() for t in self.themes],
            "tested_themes": self.tested_themes,
            "clusters": [c.to_dict() for c in self.clusters],
            "cost": None if self.cost is None else self.cost.to_dict(),
            "events": [a.to_dict() for a in self.events],
        }


@dataclass(frozen=True)
class RankedFinding:
    finding: Finding
    evidence: Evidence = field(default_factory=Evidence)

    def to_dict(self, lang: str = "en") -> dict[str, Any]:
        return {
            **self.finding.to_dict(lang),
            "why": self.evidence.to_dict(),
            "evidence_lines": [
                {"part": part, "text": text} for part, text in self.evidence.lines(lang)
            ],
        }


@dataclass(frozen=True)
class InsightsRun:
    """The ranked findings of one run with their evidence, and what the run covered."""

    changes: Insights
    findings: list[RankedFinding]
    link: NegativesLink | None
    events: list[Annotation]
    theme_level: float | None
    """q·R/m, the level the themes of each selected family were controlled at (None: no
    family was selected)."""
    seconds: float
    """How long the run took (not in the JSON, which stays the same from run to run)."""
    errors: dict[str, str] = field(default_factory=dict)
    """Evidence that could not be computed (a missing setting...), by part."""

    @property
    def window(self) -> Window:
        return self.changes.window

    def headline(self, lang: str = "en") -> str:
        head = self.changes.headline(lang)
        untested = sum(1 for f in self.findings if f.finding.kind == "mix")
        if untested:
            if lang == "fr":
                head += f" Et {untested} effet{'s' * (untested > 1)} de composition non testé" + (
                    "s." if untested > 1 else "."
                )
            else:
                head += f" And {untested} untested mix shift{'s' * (untested > 1)}."
        return head

    def to_dict(self, lang: str = "en") -> dict[str, Any]:
        check_language(lang)
        base = self.changes.to_dict(lang)
        base["headline"] = self.headline(lang)
        base["findings"] = [f.to_dict(lang) for f in self.findings]
        base["method"] = {
            "text": METHOD,
            "changes": {"tests": self.changes.tests, "q": self.changes.q},
            "themes": {
                "rule": "benjamini_bogomolov_2014",
                "selected": len(self.changes.findings),
                "families": self.changes.tests,
                "level": self.theme_level,
            },
            "intervals": {
                "rule": "benjamini_yekutieli_2005_fcr",
                "level": self.changes.interval_level,
            },
        }
        base["negatives_link"] = None if self.link is None else self.link.to_dict()
        base["events"] = [a.to_dict() for a in self.events]
        base["evidence_errors"] = dict(self.errors)
        return base


def selective_level(q: float, selected: int, families: int) -> float | None:
    """Benjamini & Bogomolov's level for the families selected: q·R/m (None when none is)."""
    if selected <= 0 or families <= 0:
        return None
    # q·R/m written as q·(R/m), capped at q: when every family is selected the level is q
    # itself, not q plus a rounding error
    return min(q, q * (min(selected, families) / families))


def insights(
    ctx: Context,
    *,
    period: str | None = None,
    by: str | None = None,
    compare: str = "previous",
    metrics: Sequence[str] | None = None,
    as_of: date | str | None = None,
    costed: int = COSTED,
    themed: int = THEMED,
    clustered: int = CLUSTERED,
    registry: Registry = REGISTRY,
) -> InsightsRun:
    """The significant changes of ``period`` (default: the last complete one) against
    ``compare``, ranked, each with its evidence (module docstring); then the untested mix
    shifts of quantiles; the negatives→churn link and the period's annotations once."""
    started = time.perf_counter()
    # what several parts derive the same way (the sessions, every customer's MRR, the
    # subscriptions' checks) is computed once for the whole run
    with ctx.sharing():
        changes = significant_changes(
            ctx, period=period, by=by, compare=compare, metrics=metrics, as_of=as_of,
            registry=registry,
        )  # fmt: skip
        win = changes.window
        level = selective_level(changes.q, len(changes.findings), changes.tests)
        errors: dict[str, str] = {}
        events = _guard(errors, "events", annotations_between, ctx, win.first, win.last) or []
        ranked: list[RankedFinding] = []
        costs_left, themes_left, clusters_left = costed, themed, clustered
        # the comments of a metric are read once, with the columns of every segment looked into
        themed_ones = [f for f in changes.findings if _worse(f) and f.metric in FEEDBACK_METRICS]
        themed_ones = themed_ones[:themed]
        read: dict[str, PeriodComments | None] = {}
        for f in changes.findings:
            themes: tuple[ThemeShift, ...] = ()
            tested = 0
            clusters: tuple[NewCluster, ...] = ()
            cost = None
            worse = _worse(f)
            if worse and f.metric in FEEDBACK_METRICS and level is not None and themes_left > 0:
                themes_left -= 1
                if f.metric not in read:  # once per metric, for the segments of all its findings
                    read[f.metric] = _guard(
                        errors, f"themes:{f.metric}", _comments, ctx, f.metric, changes, themed_ones
                    )
                comments = read[f.metric]
                found = None
                if comments is not None:
                    found = _guard(errors, f"themes:{f.metric}", _themes, ctx, comments, f, level)
                if found:
                    tested = len(found)
                    themes = tuple(
                        sorted(
                            (s for s in found if s.rose), key=lambda s: (-s.change, s.p, s.theme)
                        )
                    )
                if clusters_left > 0:
                    clusters_left -= 1
                    if comments is not None:
                        clusters = tuple(
                            _guard(
                                errors, f"clusters:{f.metric}", comments.new_clusters, _filter(f)
                            )
                            or ()
                        )
            if worse and costs_left > 0 and registry.get(f.metric).table in _COSTED_TABLES:
                costs_left -= 1
                cost = _guard(errors, f"cost:{f.metric}", _cost, ctx, f, win, as_of)
                if cost is not None and not cost.customers:
                    cost = None  # answers no customer is linked to: nobody to cost, say nothing
            ranked.append(RankedFinding(f, Evidence(themes, tested, clusters, cost, tuple(events))))
        names = list(dict.fromkeys(metrics or DEFAULT_METRICS))
        ranked += [
            RankedFinding(m, Evidence(events=tuple(events)))
            for m in untested_mix(ctx, names, win, registry)
        ]
        # the link as it stood when the period ended (a complete period ends before as_of): a run
        # for an old month printed today's churn figures under it
        link = _guard(errors, "negatives_link", _link, ctx, win.last + timedelta(days=1))
    return InsightsRun(changes, ranked, link, events, level, time.perf_counter() - started, errors)


_COSTED_TABLES = ("survey_responses", "tickets")


def _guard(errors: dict[str, str], part: str, compute: Callable[..., T], *args: Any) -> T | None:
    """A part of the evidence that a workspace cannot give (no taxonomy, no subscriptions)
    is left out with the reason; the findings still stand."""
    try:
        return compute(*args)
    except CxpulseError as exc:
        errors[part] = str(exc)
        return None


def _link(ctx: Context, as_of: date | str | None) -> NegativesLink | None:
    return negatives_link(ctx, as_of=as_of)


def _segment_usable(f: Finding) -> bool:
    """Rows without the column ("(none)") cannot be selected again by a filter."""
    return f.segment is None or f.segment.value != NONE_LABEL


def _filter(f: Finding) -> dict[str, Any]:
    return {} if f.segment is None else {f.segment.dimension: f.segment.value}


def _worse(f: Finding) -> bool:
    """A worsening whose segment can be selected again: its evidence is looked for."""
    return f.better is False and _segment_usable(f)


def _comments(
    ctx: Context, metric: str, changes: Insights, findings: Sequence[Finding]
) -> PeriodComments:
    """The metric's comments of the run's window, for the segments of ``findings``, on the
    run's day (not the machine's: a run with ``as_of`` gives the same themes any day)."""
    win = changes.window
    dims = [f.segment.dimension for f in findings if f.metric == metric and f.segment]
    return period_comments(
        ctx,
        metric,
        period_start=win.first,
        grain=win.grain,
        compare="year" if win.compare == "year" else "previous",
        dimensions=dims,
        as_of=changes.as_of,
    )


def _themes(ctx: Context, comments: PeriodComments, f: Finding, level: float) -> list[ThemeShift]:
    return comments.theme_tests(ctx, _filter(f), q=level, basis="answers")


def _cost(ctx: Context, f: Finding, win: Window, as_of: date | str | None) -> Cost:
    seg = f.segment
    return customers_behind(
        ctx,
        f.metric,
        win.first,
        by=win.grain,
        dimension=None if seg is None else seg.dimension,
        value=None if seg is None else seg.value,
        top=5,
        as_of=as_of or win.last + timedelta(days=1),
    )


def untested_mix(
    ctx: Context, names: Sequence[str], win: Window, registry: Registry = REGISTRY
) -> list[Finding]:
    """A ``mix`` finding per quantile metric whose total moved against its main segment's
    segments (Simpson's paradox): reported without a test, and saying so."""
    out = []
    compare = "year" if win.compare == "year" else "previous"
    for name in names:
        spec = registry.get(name)
        if spec.default.quantile is None:
            continue
        try:
            shift = mix.decompose(
                ctx, name, win.first, by=win.grain, compare=compare, registry=registry
            )
        except QueryError:
            continue
        # a rate effect too small to show (0.0 h) points nowhere: no paradox to report
        if shift is None or shift.flag != "opposite" or round(abs(shift.rate_effect), 1) == 0:
            continue
        caveat = mix_caveat(shift)
        if caveat is None:  # pragma: no cover - an "opposite" flag always has one
            continue
        out.append(_mix_finding(spec.name, spec.label, spec.unit, spec.higher_is_better,
                                shift, caveat.text, win))  # fmt: skip
    return out


def _mix_finding(
    name: str,
    label: str,
    unit: str,
    higher_is_better: bool,
    shift: mix.MixShift,
    why: Text,
    win: Window,
) -> Finding:
    en_name, fr_name = metric_name(name, label, "en"), metric_name(name, label, "fr")
    text = Text(
        f"{en_name} (not tested: a quantile): {why.en}",
        f"{fr_name} (non testé{NNBSP}: un quantile){NNBSP}: {why.fr}",
    )
    return Finding(
        kind="mix",
        metric=name,
        label=label,
        unit=unit,
        period=win.label,
        comparison=win.comparison,
        value=shift.value,
        comparison_value=shift.previous,
        change=shift.change,
        higher_is_better=higher_is_better,
        evidence=(decomposition_evidence(shift),),
        text=text,
        tags=("untested",),
    )


def quoted(text: str, lang: str) -> str:
    """A customer's words in quotation marks: “…” in English, « … » in French."""
    return f"«{NNBSP}{text}{NNBSP}»" if lang == "fr" else f"“{text}”"


def event_sentence(a: Annotation, lang: str) -> str:
    """An annotation as a line under a finding: "Event: 2025-11-03 to 2025-11-20, carrier
    outage (outage)"."""
    check_language(lang)
    if a.until and a.until != a.day:
        when = (
            f"du {a.day.isoformat()} au {a.until.isoformat()}"
            if lang == "fr"
            else f"{a.day.isoformat()} to {a.until.isoformat()}"
        )
    else:
        when = f"le {a.day.isoformat()}" if lang == "fr" else a.day.isoformat()
    tags = f" ({', '.join(a.tags)})" if a.tags else ""
    return f"{when}, {a.label}{tags}"


def first_line(f: RankedFinding, lang: str) -> str | None:
    """The first line of a finding's evidence (a theme, else its cost, else an event), for a
    one-line summary such as a digest's."""
    for part, text in f.evidence.lines(lang):
        if part != "quote":
            return text
    return None


def stored_insights(
    ctx: Context,
    *,
    period: str | None = None,
    by: str | None = None,
    compare: str = "previous",
    metrics: Sequence[str] | None = None,
    as_of: date | str | None = None,
    hold: Callable[[], AbstractContextManager[Any]] = nullcontext,
    keep: bool = True,
) -> dict[str, dict[str, Any]]:
    """The run's JSON in every language (``{"en": ..., "fr": ...}``), read from the
    workspace's stored results while every table the run read is unchanged
    (:mod:`cxpulse.store.results`), else computed once and stored. The worker calls it for the
    default run after data changes, so the API and the dashboard answer at once instead of
    waiting the seconds a run takes. ``hold`` and ``keep``: as
    :meth:`cxpulse.store.results.Shelf.remember` (the API reads what the worker stored and
    keeps nothing of its own: a reader cannot fill the workspace with runs).

    Besides the tables it reads, a run depends on the settings, the code's version and the
    theme taxonomy's text (a file the settings name: editing it changes the themes)."""
    from cxpulse.metrics import periods
    from cxpulse.records import clean
    from cxpulse.store.results import remembered

    day = periods.parse_day(as_of, "as_of") or datetime.now(ctx.settings.zone).date()
    params = _params(period, by, compare, metrics, day)

    def compute() -> dict[str, dict[str, Any]]:
        run = insights(ctx, period=period, by=by, compare=compare, metrics=metrics, as_of=day)
        return {lang: clean(run.to_dict(lang)) for lang in wording.LANGUAGES}

    found: dict[str, dict[str, Any]] = remembered(
        ctx.store, "insights", params, _depends(ctx), compute, hold=hold, keep=keep
    )
    return found


ANSWER_TABLES = frozenset({"survey_responses", "survey_invitations"})
"""The tables survey answers write: each answer gives them new versions, and would make the
worker run the insights again (seconds at scale 1) after every one."""
REFRESHED = "insights:refreshed"
"""The stored note of the worker's last run (when, for which period, on which versions)."""


def refresh_stored_insights(
    ctx: Context,
    now: datetime,
    *,
    hold: Callable[[], AbstractContextManager[Any]] = nullcontext,
) -> bool:
    """The worker's insights phase: store the default run (:func:`stored_insights`) when the
    stored one is out of date, but while only survey answers (:data:`ANSWER_TABLES`) came in
    since the last run, at most every ``insights_refresh_minutes`` (the setting): answers
    arrive all day, and each would cost a run. Other tables changing (an import of tickets,
    a new setting) or a new period to look at runs it at once. Meanwhile nothing is stored
    and the API computes on demand. ``now``: naive UTC, the worker's clock. True when it ran.

    The last run is remembered in a stored result of its own that reads no table, so no
    write drops it (the run itself is dropped by any write to a table it read)."""
    from cxpulse.store.results import forget, reading, remembered, stored, table_versions

    day = now.replace(tzinfo=UTC).astimezone(ctx.settings.zone).date()
    params = _params(None, None, "previous", None, day)
    depends = _depends(ctx)
    if stored(ctx.store, "insights", params, depends) is not None:
        return False  # current: one query
    period = default_window(ctx, day).label
    last = stored(ctx.store, REFRESHED, params, depends)
    versions = table_versions(ctx.store)
    if last is not None and last["period"] == period:
        wait = timedelta(minutes=float(ctx.settings.insights_refresh_minutes))
        changed = {t for t, v in last["versions"].items() if versions.get(t) != v}
        if changed <= ANSWER_TABLES and now < datetime.fromisoformat(last["at"]) + wait:
            return False
    with reading() as read:
        stored_insights(ctx, as_of=day, hold=hold)
    note = {"at": now.isoformat(), "period": period,
            "versions": {t: versions.get(t) for t in sorted(read)}}  # fmt: skip
    if not ctx.store.read_only:
        with hold():
            forget(ctx.store, REFRESHED)  # one note: the latest run's
        remembered(ctx.store, REFRESHED, params, depends, lambda: note, hold=hold)
    return True


def default_window(ctx: Context, day: date) -> Window:
    """The window of the default run on ``day``: the last complete month the data covers."""
    from cxpulse.insights.changes import _Bounds, _tested, window

    specs = [REGISTRY.get(n) for n in DEFAULT_METRICS]
    end = _Bounds(ctx).last_day([s for s in specs if _tested(s)])
    return window(ctx, None, None, "previous", day, end)


def _params(
    period: str | None, by: str | None, compare: str, metrics: Sequence[str] | None, day: date
) -> dict[str, Any]:
    """A stored run's key: what was asked, and the day it was asked on."""
    return {
        "period": period,
        "by": by,
        "compare": compare,
        "metrics": list(metrics) if metrics else None,
        "as_of": day.isoformat(),
    }


def period_insights(
    ctx: Context, *, period: str, by: str, as_of: date, today: date
) -> dict[str, dict[str, Any]]:
    """The run of ``period`` (a label, against the period before) in every language, as
    :func:`stored_insights` gives it: the default run the worker stored on ``today`` when it
    is still current and is this period's (a monthly digest's period is the last complete
    month: the default run's), else this period's run, computed and not stored (as a
    reader's request: the worker stores the default run only). A digest used to compute
    its run again, for seconds, right after the worker had stored the same findings."""
    from cxpulse.store.results import stored

    default = _params(None, None, "previous", None, today)
    found: dict[str, dict[str, Any]] | None = stored(ctx.store, "insights", default, _depends(ctx))
    if found is not None and all(
        run.get("period") == period and run.get("by") == by for run in found.values()
    ):
        return found
    return stored_insights(ctx, period=period, by=by, as_of=as_of, keep=False)


def first_evidence(finding: dict[str, Any]) -> str | None:
    """:func:`first_line` of a finding as its JSON (:meth:`RankedFinding.to_dict`) gives it."""
    lines = finding.get("evidence_lines") or []
    return next((str(x["text"]) for x in lines if x["part"] != "quote"), None)


def _depends(ctx: Context) -> str:
    from cxpulse.metrics.scorecard import depends
    from cxpulse.store.results import fingerprint

    taxonomy = str(ctx.settings.theme_taxonomy or "")
    path = Path(taxonomy)
    text = path.read_text(encoding="utf-8", errors="replace") if path.is_file() else taxonomy
    return fingerprint(depends(ctx.settings), text)
