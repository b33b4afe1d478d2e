"""The parts a digest is made of: the scorecard, the cases over SLA and the top findings of
:mod:`cxpulse.insights`.

A section is a small class registered in :data:`DEFAULT` (a kind, like reports and survey
channels): ``build`` computes its data once per digest and period (JSON-ready, in no
language: what the outbox keeps and ``digests preview --json`` shows), ``render`` turns it
into a :class:`Part` in one language, which the email, the plain text and the Slack blocks
are all drawn from (:mod:`cxpulse.digests.render`). A new section is one class plus one
line; the insights findings plug in as a section whose ``render`` writes each finding's
``headline(lang)``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, ClassVar

from cxpulse import wording
from cxpulse.digests.charts import Chart, trend
from cxpulse.digests.numbers import change_unit, number, signed, with_unit
from cxpulse.digests.schedule import Period
from cxpulse.kinds import Kind
from cxpulse.metrics.periods import shift
from cxpulse.records import clean
from cxpulse.reports import REPORTS, run
from cxpulse.reports.queries import MetricQuery, metric_rows
from cxpulse.schema import CASES_TABLE

if TYPE_CHECKING:
    from cxpulse.kinds import Kinds
    from cxpulse.reports import ReportContext
    from cxpulse.workspace import Workspace


@dataclass(frozen=True)
class Inputs:
    """What a section reads: the reports (their context's today is the day after the period,
    so "the last complete period" is this one), the workspace's registries and the time."""

    reports: ReportContext
    kinds: Kinds
    period: Period
    now: datetime  # naive UTC


@dataclass
class Part:
    """One section in one language, for the renderers."""

    title: str
    lines: list[str] = field(default_factory=list)  # sentences, the most important first
    columns: tuple[str, ...] = ()
    rows: list[tuple[str, ...]] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    link: str = ""  # the dashboard page's path and query ("" for none)


class Section:
    name: ClassVar[str]

    @classmethod
    def build(cls, inputs: Inputs) -> dict[str, Any]:
        raise NotImplementedError

    @classmethod
    def render(cls, data: dict[str, Any], lang: str) -> Part:
        raise NotImplementedError


def fr(lang: str, en: str, fr_: str) -> str:
    return fr_ if lang == "fr" else en


# -- the scorecard ----------------------------------------------------------------------------
TRENDS = 4  # metrics drawn as a chart: the scorecard's first ones with a value
HISTORY = 12  # periods in each chart
# the French names of the default scorecard's metrics (others keep their English label)
# the digest writes the metrics' full names, NPS included, as the scorecard does
FRENCH_LABELS = {**wording.METRIC_NAMES_FR, "nps": "Net Promoter Score"}


class ScorecardSection(Section):
    """The scorecard report (from the registry) for the period, and the trend of its first
    metrics over the last periods."""

    name = "scorecard"

    @classmethod
    def build(cls, inputs: Inputs) -> dict[str, Any]:
        report = inputs.kinds[REPORTS].get("scorecard")
        grain = inputs.period.grain
        card = run(inputs.reports, report, {"by": grain})
        first = shift(inputs.period.start, "week" if grain == "week" else "month", 1 - HISTORY)
        trends = {}
        for row in [r for r in card["rows"] if r.get("value") is not None][:TRENDS]:
            query = MetricQuery(row["metric"], grain, start=first, end=inputs.period.end)
            trends[row["metric"]] = [
                {k: r.get(k) for k in ("period", "value", "ci_low", "ci_high")}
                for r in metric_rows(inputs.reports, query)
            ]
        page = f"{report.page_path()}?by={grain}" if report.page_path() else ""
        return {"by": grain, "period": inputs.period.label, "rows": card["rows"],
                "trends": trends, "page": page}  # fmt: skip

    @classmethod
    def render(cls, data: dict[str, Any], lang: str) -> Part:
        part = Part(
            fr(lang, f"Scorecard, {data['period']}", f"Tableau de bord, {data['period']}"),
            columns=(
                fr(lang, "Metric", "Indicateur"),
                data["period"],
                fr(lang, "Change", "Évolution"),
                fr(lang, "Target", "Objectif"),
            ),
            link=str(data.get("page") or ""),
        )
        for row in data["rows"]:
            name = _label(row, lang)
            unit = str(row.get("unit") or "")
            change = with_unit(signed(row.get("change"), lang), change_unit(unit), lang)
            if row.get("significant"):
                change += " *"
            target = with_unit(number(row.get("target"), lang), unit, lang)
            value = with_unit(number(row.get("value"), lang), unit, lang)
            part.rows.append((name, value, change, target if row.get("target") is not None else ""))
            if row.get("significant") and row.get("change") is not None:
                part.lines.append(_moved(row, name, lang))
        if not part.lines:
            part.lines.append(fr(lang, "No metric changed significantly against the previous "
                                       "period.", "Aucun indicateur n'a changé significativement "
                                       "par rapport à la période précédente."))  # fmt: skip
        else:
            part.lines.append(fr(lang, "* significant change", "* évolution significative"))
        for i, (metric, points) in enumerate(data["trends"].items()):
            row = next(r for r in data["rows"] if r["metric"] == metric)
            part.charts.append(_trend_chart(f"trend{i}-{metric}", row, points, lang))
        return part


def _label(row: dict[str, Any], lang: str) -> str:
    return FRENCH_LABELS.get(row["metric"], row["label"]) if lang == "fr" else str(row["label"])


def _moved(row: dict[str, Any], name: str, lang: str) -> str:
    change, unit = float(row["change"]), str(row.get("unit") or "")
    better = (change > 0) == bool(row.get("higher_is_better", True))
    by = with_unit(number(abs(change), lang), change_unit(unit), lang)
    to = with_unit(number(row["value"], lang), unit, lang)
    if lang == "fr":
        verb = "a augmenté" if change > 0 else "a baissé"
        mood = "mieux" if better else "moins bien"
        return f"{name} {verb} de {by}, à {to} ({mood} qu'en {row['previous_period']})."
    verb = "rose" if change > 0 else "fell"
    mood = "better" if better else "worse"
    return f"{name} {verb} by {by} to {to} ({mood} than {row['previous_period']})."


def _trend_chart(name: str, row: dict[str, Any], points: list[dict[str, Any]], lang: str) -> Chart:
    label, unit = _label(row, lang), str(row.get("unit") or "")
    title = f"{label} ({unit})" if unit else label
    last = points[-1] if points else {}
    alt = fr(lang, f"{label} over the last {len(points)} periods, {last.get('value')} in "
                   f"{last.get('period')}", f"{label} sur les {len(points)} dernières périodes, "
                   f"{last.get('value')} en {last.get('period')}")  # fmt: skip
    return trend(
        name,
        title,
        [str(p["period"]) for p in points],
        [p["value"] for p in points],
        [p["ci_low"] for p in points],
        [p["ci_high"] for p in points],
        alt,
    )


# -- cases over SLA ---------------------------------------------------------------------------
CASES_SHOWN = 10


class CasesOverSla(Section):
    """Follow-up cases whose customer was not contacted by the SLA's due time, as they stand
    when the digest is made (the most overdue first)."""

    name = "cases_over_sla"

    @classmethod
    def build(cls, inputs: Inputs) -> dict[str, Any]:
        now = inputs.now

        def compute(ws: Workspace) -> dict[str, Any]:
            t = ws.store.table(CASES_TABLE)
            late = t.filter(
                t.contacted_at.isnull() & (t.state != "resolved") & (t.sla_due_at < now)
            )
            count = int(late.count().execute())
            cols = ("case_id", "summary", "team", "owner", "opened_at", "sla_due_at")
            df = late.order_by("sla_due_at").limit(CASES_SHOWN).select(*cols).execute()
            rows = [
                {**r, "hours_late": (now - r["sla_due_at"]).total_seconds() / 3600}
                for r in df.to_dict("records")
            ]
            return {"count": count, "cases": clean(rows)}

        data: dict[str, Any] = inputs.reports.cached(("digest-cases-over-sla", now), compute)
        return data

    @classmethod
    def render(cls, data: dict[str, Any], lang: str) -> Part:
        n = data["count"]
        title = fr(lang, f"Cases over SLA: {n}", f"Dossiers hors délai\u00a0: {n}")
        part = Part(title, link="/cases")
        if not n:
            part.lines.append(fr(lang, "Every case was contacted within its SLA.",
                                 "Tous les dossiers ont été traités dans les délais."))  # fmt: skip
            return part
        part.columns = (fr(lang, "Case", "Dossier"), fr(lang, "Summary", "Résumé"),
                        fr(lang, "Team", "Équipe"), fr(lang, "Late by", "Retard"))  # fmt: skip
        for case in data["cases"]:
            late = timedelta(hours=float(case["hours_late"]))
            part.rows.append((str(case["case_id"]), str(case.get("summary") or ""),
                              str(case.get("team") or case.get("owner") or ""),
                              _late(late, lang)))  # fmt: skip
        if n > len(data["cases"]):
            part.lines.append(fr(lang, f"The {len(data['cases'])} most overdue of {n}.",
                                 f"Les {len(data['cases'])} plus en retard sur {n}."))  # fmt: skip
        return part


def _late(late: timedelta, lang: str) -> str:
    hours = late.total_seconds() / 3600
    if hours < 48:
        return f"{number(hours, lang, 0)} h"
    return fr(lang, f"{number(hours / 24, lang, 0)} days", f"{number(hours / 24, lang, 0)} jours")


# -- insights ---------------------------------------------------------------------------------
INSIGHTS_SHOWN = 5


class InsightsSection(Section):
    """The period's top findings (:func:`cxpulse.insights.run.period_insights`: the run the
    worker stored when it is this period's, else computed, against the previous period), one
    line each, with the first line of its evidence (a theme that rose, else what it costs,
    else an event). Both languages are kept: the sentences are the library's."""

    name = "insights"

    @classmethod
    def build(cls, inputs: Inputs) -> dict[str, Any]:
        period = inputs.period

        def compute(ws: Workspace) -> dict[str, Any]:
            from cxpulse.insights.run import period_insights

            # the run the worker stored today, when current and of this period: not again
            today = inputs.now.replace(tzinfo=UTC).astimezone(ws.settings.zone).date()
            runs = period_insights(
                ws, period=period.label, by=period.grain, as_of=period.after, today=today
            )
            langs, found = ("en", "fr"), runs["en"]["findings"]
            return {
                "period": period.label,
                "headline": {lang: runs[lang]["headline"] for lang in langs},
                "findings": [
                    {lang: _finding_line(runs[lang]["findings"][i]) for lang in langs}
                    for i in range(min(INSIGHTS_SHOWN, len(found)))
                ],
                "more": max(0, len(found) - INSIGHTS_SHOWN),
            }

        key = ("digest-insights", period.grain, period.start)
        data: dict[str, Any] = clean(inputs.reports.cached(key, compute))
        return data

    @classmethod
    def render(cls, data: dict[str, Any], lang: str) -> Part:
        when = data["period"]
        part = Part(fr(lang, f"What changed, {when}", f"Ce qui a changé, {when}"))
        part.lines.append(str(data["headline"][lang]))
        for finding in data["findings"]:
            headline, evidence = finding[lang]
            part.lines.append(f"{headline} {evidence}" if evidence else str(headline))
        if data["more"]:
            n = data["more"]
            part.lines.append(fr(lang, f"And {n} more: cxpulse insights --period {data['period']}.",
                                 f"Et {n} autre{'s' * (n > 1)}\u00a0: cxpulse insights --period "
                                 f"{data['period']}."))  # fmt: skip
        return part


def _finding_line(finding: dict[str, Any]) -> list[str | None]:
    """A finding's headline and the first line of its evidence, from the run's JSON."""
    from cxpulse.insights.run import first_evidence

    return [finding["headline"], first_evidence(finding)]


DEFAULT: list[type[Section]] = [ScorecardSection, InsightsSection, CasesOverSla]
SECTIONS = Kind("digest section", DEFAULT)
