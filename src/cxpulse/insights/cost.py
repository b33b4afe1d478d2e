"""What a drop costs: the customers behind it, the money they bring and their churn risk, and
the link between bad experiences and churn that the churn module measures.

- :func:`customers_behind`: for a feedback or support metric in one period (optionally inside
  one segment, ``dimension=value``), the customers with an unhappy answer or ticket there, as
  the metric itself counts them: detractors for NPS-like scores (the bottom category of the
  variant: NPS 0-6, CES "hard"), the answers outside the good boxes for shares (CSAT below the
  top two boxes, CES not easy), and for support metrics the negative tickets of
  :mod:`cxpulse.metrics.negatives` (negative sentiment, escalated, or a low CSAT rating) among
  the tickets the metric counts. Each with their MRR at the end of the period
  (:mod:`cxpulse.metrics.mrr`; MRR lost inside the period counted apart), their churn risk
  from the stored scores (``cxpulse churn score``; unknown, never 0, when no model was fitted)
  and revenue at risk: the MRR of those at high risk (>= 30 %, as
  :mod:`cxpulse.churn.revenue_at_risk` counts it) and the expected MRR loss, sum(risk x MRR).
- :func:`negatives_link`: churn of customers with k or more negative interactions in 90 days
  against those with fewer (:func:`cxpulse.metrics.negatives.churn_by_negatives`), k being
  where the churn curve jumps most.

Every result has ``headline(lang)`` in English and French and a JSON-ready ``to_dict()``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from cxpulse import wording
from cxpulse.churn.revenue_at_risk import HIGH_RISK
from cxpulse.errors import QueryError
from cxpulse.insights.findings import Segment
from cxpulse.metrics import engine, feedback, mrr, negatives, periods, stats
from cxpulse.metrics.money import currency_of
from cxpulse.metrics.spec import REGISTRY, MetricSpec, Registry, Variant
from cxpulse.schema import CHURN_SCORES_TABLE

if TYPE_CHECKING:
    from cxpulse.context import Context

NNBSP, NBSP = wording.NNBSP, wording.NBSP  # French: before ";" (narrow), ":" and a currency
FEEDBACK, SUPPORT = "survey_responses", "tickets"

# what an unhappy row is called, by metric (feedback) or table: English singular and plural,
# then French; {m} is the metric's short name
UNHAPPY: dict[str, tuple[str, str, str, str]] = {
    "nps": ("{m} detractor answer", "{m} detractor answers", "réponse de détracteur ({m})",
            "réponses de détracteurs ({m})"),
    "csat": ("dissatisfied {m} answer", "dissatisfied {m} answers", "réponse {m} insatisfaite",
             "réponses {m} insatisfaites"),
    "ces": ("{m} answer not rating it easy", "{m} answers not rating it easy",
            "réponse {m} ne jugeant pas l'effort faible",
            "réponses {m} ne jugeant pas l'effort faible"),
    "ces_hard": ("{m} answer finding it hard", "{m} answers finding it hard",
                 "réponse {m} jugeant l'effort élevé", "réponses {m} jugeant l'effort élevé"),
    FEEDBACK: ("unhappy {m} answer", "unhappy {m} answers", "réponse {m} mécontente",
               "réponses {m} mécontentes"),
    SUPPORT: ("unhappy ticket", "unhappy tickets", "ticket mécontent", "tickets mécontents"),
}  # fmt: skip


@dataclass(frozen=True)
class AffectedCustomer:
    """One customer behind a drop."""

    customer_id: str
    unhappy: int
    """Their unhappy answers (or tickets) in the period and segment."""
    total: int
    """All their answers (or tickets) the metric counts there."""
    mrr: float
    """MRR at the end of the period (0: not paying then)."""
    risk: float | None
    """Stored churn risk, 0-1; None when they were not scored."""
    expected_loss: float | None
    """risk x MRR."""


@dataclass(frozen=True)
class Cost:
    """The customers behind a metric's value in one period and segment, and what they pay."""

    metric: str
    variant: str
    period: str
    dimension: str | None
    value: str | None
    unhappy_kind: str
    """``survey_responses`` or ``tickets`` wording key, or the metric's name (UNHAPPY)."""
    definition: str
    customers: int
    """Customers with at least one unhappy answer or ticket."""
    unhappy: int
    anonymous: int
    """Unhappy answers or tickets with no customer to link them to."""
    partial: bool
    """The period is not over yet (as of the day asked): its counts are only so far."""
    previous_period: str
    previous_customers: int
    """The same count in the period before, for scale."""
    paying: int
    mrr: float
    lost_customers: int
    """Customers who paid at the period's start and no longer at its end."""
    lost_mrr: float
    scored: bool
    """Whether churn scores exist (``cxpulse churn score``); if not, the risk fields are None."""
    scores_as_of: str | None
    high_risk: float
    high_risk_customers: int | None
    high_risk_mrr: float | None
    expected_loss: float | None
    currency: str
    top: list[AffectedCustomer] = field(default_factory=list)

    def headline(self, lang: str = "en") -> str:
        """Who, how many, what they pay, and their churn risk, in one sentence."""
        return self._who(lang) + (self._risk(lang) if self.customers else ".")

    def _who(self, lang: str) -> str:
        fr = lang == "fr"
        short = self.metric.upper() if len(self.metric) <= 4 else self.metric
        forms = UNHAPPY[self.unhappy_kind][2:] if fr else UNHAPPY[self.unhappy_kind][:2]
        where = ""
        if self.dimension is not None and self.value is not None:
            where = f" ({Segment(self.dimension, self.value).words(lang)})"
        if self.partial:  # never read as a whole period
            where = (" (en cours)" if fr else " so far") + where
        n, u = _count(self.customers, lang), _count(self.unhappy, lang)
        prev = self.previous_customers
        was = f"{_count(prev, lang)} {'client' if fr else 'customer'}{_s(prev, lang)}"
        support = self.unhappy_kind == SUPPORT
        money = _money(self.mrr, self.currency, lang)
        lost = _money(self.lost_mrr, self.currency, lang)
        if fr:
            if not self.customers:
                verb = "n'a eu" if support else "n'a donné"
                return (
                    f"En {self.period}{where}, aucun client {verb} de "
                    f"{forms[0].format(m=short)} ({was} en "
                    f"{self.previous_period})"
                )
            many = self.customers > 1
            verb = ("ont" if many else "a") + (" eu" if support else " donné")
            text = (
                f"En {self.period}{where}, {n} client{_s(self.customers, lang)} {verb} {u} "
                f"{forms[self.unhappy > 1].format(m=short)} ({was} "
                f"en {self.previous_period}){NNBSP}; {'leur' if many else 'son'} MRR est de "
                f"{money}"
            )
            if self.lost_customers:
                gone = "sont partis" if self.lost_customers > 1 else "est parti"
                text += (
                    f", et {_count(self.lost_customers, lang)} {gone} dans la période (MRR perdu"
                    f"{NBSP}: {lost})"
                )
            return text
        verb = "had" if support else "gave"
        if not self.customers:
            return (
                f"In {self.period}{where}, no customer {verb} any {forms[1].format(m=short)} "
                f"({was} in {self.previous_period})"
            )
        text = (
            f"In {self.period}{where}, {n} customer{_s(self.customers, lang)} {verb} {u} "
            f"{forms[self.unhappy != 1].format(m=short)} ({was} in "
            f"{self.previous_period}); they pay {money} MRR"
        )
        if self.lost_customers:
            text += (
                f", and {_count(self.lost_customers, lang)} left during the period ({lost} MRR "
                "lost)"
            )
        return text

    def _risk(self, lang: str) -> str:
        fr = lang == "fr"
        if not self.scored:
            if fr:
                return (
                    f"{NNBSP}; leur risque de churn est inconnu{NBSP}: aucun modèle de churn n'a "
                    "été ajusté (lancez `cxpulse churn score`)."
                )
            return (
                "; their churn risk is unknown: no churn model has been fitted (run `cxpulse "
                "churn score`)."
            )
        threshold = _percent(100 * self.high_risk, 0, lang)
        at_risk = _money(self.high_risk_mrr or 0.0, self.currency, lang)
        loss = _money(self.expected_loss or 0.0, self.currency, lang)
        k = _count(self.high_risk_customers or 0, lang)
        if fr:
            when = f", évalué au {self.scores_as_of}" if self.scores_as_of else ""
            return (
                f"{NNBSP}; {k} d'entre eux ({at_risk} de MRR) à risque de churn élevé (≥{NNBSP}"
                f"{threshold}{when}){NNBSP}; perte de MRR attendue{NBSP}: {loss}."
            )
        when = f", scored {self.scores_as_of}" if self.scores_as_of else ""
        return (
            f"; {k} of them ({at_risk} MRR) at high churn risk (≥ {threshold}{when}); expected "
            f"MRR loss: {loss}."
        )

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["headline"] = {lang: self.headline(lang) for lang in ("en", "fr")}
        ready: dict[str, Any] = _json_ready(out)
        return ready


@dataclass(frozen=True)
class NegativesLink:
    """Churn of customers at or above ``threshold`` negative interactions in ``window_days``
    against those below it, within ``horizon_days`` (``churn_rate`` in %, Wilson intervals)."""

    threshold: int
    window_days: int
    horizon_days: int
    customers_at: int
    churned_at: int
    churn_rate_at: float
    ci_low_at: float
    ci_high_at: float
    customers_below: int
    churned_below: int
    churn_rate_below: float
    ci_low_below: float
    ci_high_below: float
    significant: bool
    """Two-proportion z test at the workspace's confidence."""
    confidence: float

    def headline(self, lang: str = "en") -> str:
        at = _percent(self.churn_rate_at, _digits(self.churn_rate_at), lang)
        below = _percent(self.churn_rate_below, _digits(self.churn_rate_below), lang)
        n_at, n_below = _count(self.customers_at, lang), _count(self.customers_below, lang)
        k = f"{self.threshold}+"
        level = _percent(100 * self.confidence, 0, lang)
        if lang == "fr":
            unsure = "" if self.significant else f", écart non significatif à {level}"
            return (
                f"Les clients ayant eu {k} interactions négatives en {self.window_days} jours "
                f"résilient à {at} dans les {self.horizon_days} jours suivants, contre {below} "
                f"pour les autres ({n_at} et {n_below} clients{unsure})."
            )
        unsure = "" if self.significant else f"; not a significant difference at {level}"
        return (
            f"Customers with {k} negative interactions in {self.window_days} days churn at "
            f"{at} within the next {self.horizon_days} days, vs {below} of those with fewer "
            f"({n_at} and {n_below} customers{unsure})."
        )

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["headline"] = {lang: self.headline(lang) for lang in ("en", "fr")}
        ready: dict[str, Any] = _json_ready(out)
        return ready


# -- the customers behind a drop ----------------------------------------------------------------
def customers_behind(
    ctx: Context,
    metric: str,
    period: date | str | None = None,
    *,
    by: str = "month",
    variant: str | None = None,
    dimension: str | None = None,
    value: str | None = None,
    filters: dict[str, Any] | None = None,
    top: int = 10,
    high_risk: float = HIGH_RISK,
    as_of: date | str | None = None,
    registry: Registry = REGISTRY,
) -> Cost:
    """The customers behind ``metric`` in ``period`` (a label such as 2025-11, or a day inside
    it; default: the last complete period before ``as_of``, today by default, in the
    workspace's zone), inside ``dimension=value`` when given (module docstring). ``top``
    customers are listed: by expected MRR loss when scored, else by MRR."""
    spec = registry.get(metric)
    var = _counting_variant(spec, spec.variant(variant))
    grain = periods.check_grain(by)
    if grain == "all":
        raise QueryError("the cost of a drop is for one period: by day, week, month...")
    if not 0 < high_risk <= 1:
        raise QueryError(f"high_risk is a churn risk between 0 and 1 (e.g. 0.3), not {high_risk}")
    if (dimension is None) != (value is None):
        raise QueryError("give both the segment's dimension and its value, or neither")
    today = periods.parse_day(as_of, "as_of") or datetime.now(ctx.settings.zone).date()
    first, last = _period(period, grain, today)
    before = periods.shift(first, grain, -1)
    wanted = dict(filters or {}) | ({dimension: value} if dimension else {})
    rows = engine.prepared(ctx, spec, var, grain, [], wanted, before, last)
    per_customer = None if rows is None else _unhappy(ctx, spec, var, rows)
    label, prev_label = periods.label(first, grain), periods.label(before, grain)
    common: dict[str, Any] = {
        "metric": spec.name,
        "variant": var.name,
        "period": label,
        "dimension": dimension,
        "value": value,
        "unhappy_kind": _unhappy_kind(spec, var),
        "definition": _definition(spec, var),
        "partial": last >= today,
        "previous_period": prev_label,
        "high_risk": high_risk,
        # as the dashboard shows it: the setting, else the one code every subscription carries
        "currency": currency_of(ctx, ctx.settings),
    }
    scores = _scores(ctx)
    if per_customer is None:
        frame = pd.DataFrame(columns=["_period", "customer_id", "unhappy", "total"])
    else:
        frame = _with_money(ctx, per_customer, grain, first, last, scores).execute()
    frame["_period"] = [pd.Timestamp(p).date() for p in frame["_period"]]
    previous = frame[frame["_period"] == before]
    now = frame[frame["_period"] == first]
    known = now[now["customer_id"].notna()].copy()
    anonymous = int(now.loc[now["customer_id"].isna(), "unhappy"].sum())
    scored = scores is not None
    for col in ("mrr_start", "mrr_end", "risk"):
        if col not in known:
            known[col] = np.nan
    known["mrr"] = known["mrr_end"].fillna(0.0).astype(float)
    known["risk"] = known["risk"].astype(float)
    known["expected_loss"] = known["risk"] * known["mrr"]
    lost = (known["mrr_start"].fillna(0) > 0) & (known["mrr"] <= 0)
    risky = known["risk"] >= high_risk
    order = ["expected_loss", "mrr", "unhappy"] if scored else ["mrr", "unhappy"]
    ranked = known.sort_values([*order, "customer_id"], ascending=[False] * len(order) + [True])
    return Cost(
        **common,
        customers=len(known),
        unhappy=int(known["unhappy"].sum()),
        anonymous=anonymous,
        previous_customers=int(previous["customer_id"].notna().sum()),
        paying=int((known["mrr"] > 0).sum()),
        mrr=_cents(known["mrr"].sum()),
        lost_customers=int(lost.sum()),
        lost_mrr=_cents(known.loc[lost, "mrr_start"].sum()),
        scored=scored,
        scores_as_of=scores[1] if scores is not None else None,
        high_risk_customers=int(risky.sum()) if scored else None,
        high_risk_mrr=_cents(known.loc[risky, "mrr"].sum()) if scored else None,
        expected_loss=_cents(known["expected_loss"].sum()) if scored else None,
        top=[
            AffectedCustomer(
                customer_id=str(r["customer_id"]),
                unhappy=int(r["unhappy"]),
                total=int(r["total"]),
                mrr=_cents(r["mrr"]),
                risk=_float(r["risk"]),
                expected_loss=_float(r["expected_loss"], digits=2),
            )
            for r in ranked.head(top).to_dict("records")
        ],
    )


def _counting_variant(spec: MetricSpec, var: Variant) -> Variant:
    """The variant whose rows say who is unhappy: a mean of scores has no unhappy answers of
    its own, so its metric's default variant (CSAT's top two boxes) decides."""
    if spec.table not in (FEEDBACK, SUPPORT):
        raise QueryError(
            f"the customers behind a drop are found for feedback and support metrics (on "
            f"survey answers or tickets); {spec.name} is computed on {spec.table}"
        )
    if var.periodic is not None:
        raise QueryError(f"{spec.name} ({var.name}) is not counted on rows of {spec.table}")
    if spec.table == FEEDBACK and var.kind not in ("nps", "share"):
        default = spec.default
        if default.kind not in ("nps", "share") or default.periodic is not None:
            raise QueryError(f"{spec.name} ({var.name}) does not say which answers are unhappy")
        return default
    return var


def _unhappy_kind(spec: MetricSpec, var: Variant) -> str:
    """The UNHAPPY wording of the metric's unhappy rows (CES: net easy score counts the hard
    answers, the default the answers not easy)."""
    if spec.name == "ces" and var.kind == "nps":
        return "ces_hard"
    return spec.name if spec.name in UNHAPPY else spec.table


def _definition(spec: MetricSpec, var: Variant) -> str:
    if spec.table == SUPPORT:
        return (
            "tickets counted by the metric that are negative: sentiment below "
            f"{negatives.NEGATIVE_SENTIMENT}, escalated, or rated below the satisfied boxes"
        )
    bottom = "in the bottom category" if var.kind == "nps" else "outside the good boxes"
    return f"answers {bottom} of {spec.name} ({var.name}): {var.definition}"


def _period(period: date | str | None, grain: periods.Grain, today: date) -> tuple[date, date]:
    """First and last local day of the period; by default the last complete one (the one
    before the period holding ``today``)."""
    if isinstance(period, str):
        return feedback.period_bounds(period, grain)
    if period is None:
        period = periods.floor_date(today, grain) - timedelta(days=1)
    first = periods.floor_date(period, grain)
    return first, periods.shift(first, grain, 1) - timedelta(days=1)


def _unhappy(ctx: Context, spec: MetricSpec, var: Variant, rows: Any) -> Any:
    """Per period and customer (NULL: anonymous): unhappy rows and all rows, unhappy only."""
    keys = ["_period", "customer_id"]
    if spec.table == SUPPORT:
        bad = negatives.negative_tickets(ctx)
        rows = rows.mutate(_bad=rows.ticket_id.isin(bad.ticket_id))
        per = rows.group_by(keys).aggregate(
            total=rows.count().cast("int64"), unhappy=rows._bad.ifelse(1, 0).sum().cast("int64")
        )
    else:
        assert var.aggregate is not None  # checked by _counting_variant
        agg = var.aggregate(rows, keys)
        if var.kind == "nps":  # the bottom category (detractors, hard)
            unhappy = agg.d
        elif spec.higher_is_better:  # the answers outside the good boxes
            unhappy = agg.n - agg.k
        else:
            unhappy = agg.k
        per = agg.select(*keys, total=agg.n.cast("int64"), unhappy=unhappy.cast("int64"))
    return per.filter(per.unhappy > 0)


def _scores(ctx: Context) -> tuple[Any, str | None] | None:
    """The stored churn scores and the day they were computed as of; None when none exist."""
    if not ctx.store.has_table(CHURN_SCORES_TABLE):
        return None
    t = ctx.store.table(CHURN_SCORES_TABLE)
    when = t.aggregate(n=t.count(), at=t.as_of.max()).execute()
    if int(when["n"].iloc[0]) == 0:
        return None
    at = when["at"].iloc[0]
    return t, None if pd.isna(at) else pd.Timestamp(at).date().isoformat()


def _with_money(
    ctx: Context,
    per: Any,
    grain: periods.Grain,
    first: date,
    last: date,
    scores: tuple[Any, str | None] | None,
) -> Any:
    """``per`` with each customer's MRR at the start and end of ``first``..``last`` and the
    stored risk (one query). Inside a :meth:`~cxpulse.context.Context.sharing` block the MRR
    of every customer is computed once: an insights run costs several findings of the same
    period, and each computed every customer's balances again (most of a cost's time)."""

    pctx = mrr.period_context(ctx, grain, start=first, end=last)
    if pctx is not None:
        found = pctx

        def balances() -> Any:
            b = mrr.customer_balances(found, found.periods)
            return b.select(_cid=b.customer_id, mrr_start=b.mrr_start, mrr_end=b.mrr_end)

        b = ctx.shared(("customer balances", grain, first, last), balances)
        per = per.left_join(b, per.customer_id == b._cid).drop("_cid")
    if scores is not None:
        s = scores[0]
        s = s.select(_sid=s.customer_id, risk=s.risk)
        per = per.left_join(s, per.customer_id == s._sid).drop("_sid")
    return per


# -- experience and money ---------------------------------------------------------------------
def negatives_link(
    ctx: Context,
    *,
    window_days: int = 90,
    horizon_days: int = 90,
    min_customers: int = 30,
    as_of: date | datetime | str | None = None,
) -> NegativesLink | None:
    """Churn at and above the count of negative interactions where the churn curve jumps most
    (among counts with ``min_customers`` customers or more) against below it; None when there
    are no tickets, too few customers to compare, or churn never rises with the count."""
    t = ctx.table(SUPPORT)
    if int(t.filter(t.customer_id.notnull()).count().execute()) == 0:
        return None
    curve = negatives.churn_by_negatives(
        ctx, window_days=window_days, horizon_days=horizon_days, as_of=as_of
    )
    rows = curve[curve["customers"] >= min_customers].reset_index(drop=True)
    if len(rows) < 2:
        return None
    rise = rows["churn_rate"].diff().to_numpy()
    if not np.nanmax(rise, initial=0.0) > 0:
        # churn never rises with more negatives: there is no link to state, and "customers
        # with 1+ negatives churn at 0 % vs 4 %" would read as one (seen on imported data)
        return None
    threshold = int(rows["k"].iloc[int(np.nanargmax(rise))])
    at, below = curve[curve["k"] >= threshold], curve[curve["k"] < threshold]
    n = np.array([at["customers"].sum(), below["customers"].sum()], float)
    k = np.array([at["churned"].sum(), below["churned"].sum()], float)
    confidence = ctx.settings.confidence
    low, high = stats.wilson_interval(n, k, confidence=confidence)
    rate = stats.share_point(n, k)
    (significant,) = stats.share_change_significant(
        n[1:], k[1:], n[:1], k[:1], confidence=confidence
    )
    return NegativesLink(
        threshold=threshold,
        window_days=window_days,
        horizon_days=horizon_days,
        customers_at=int(n[0]),
        churned_at=int(k[0]),
        churn_rate_at=float(100 * rate[0]),
        ci_low_at=float(100 * low[0]),
        ci_high_at=float(100 * high[0]),
        customers_below=int(n[1]),
        churned_below=int(k[1]),
        churn_rate_below=float(100 * rate[1]),
        ci_low_below=float(100 * low[1]),
        ci_high_below=float(100 * high[1]),
        significant=bool(significant),
        confidence=confidence,
    )


# -- wording --------------------------------------------------------------------------------
def _number(x: float, digits: int, lang: str) -> str:
    return wording.number(x, lang, digits)


def _count(n: int, lang: str) -> str:
    return _number(n, 0, lang)


def _s(n: int, lang: str) -> str:
    """The plural's "s": French counts 0 and 1 as singular, English only 1."""
    return "s" if (n > 1 if lang == "fr" else n != 1) else ""


def _digits(pct: float) -> int:
    return 1 if abs(pct) < 10 else 0


def _percent(pct: float, digits: int, lang: str) -> str:
    """``pct`` already in percent: 67% / 67 %."""
    return wording.percent(pct, lang, digits)


def _money(x: float, currency: str, lang: str) -> str:
    """Whole units: the sentences speak of MRR by customer group, not of cents."""
    return wording.money(x, lang, currency, digits=0)


def _cents(x: Any) -> float:
    """Money to the cent: sums of monthly prices (an annual 299 / 12) carry float noise."""
    return round(float(x), 2)


def _float(x: Any, digits: int | None = None) -> float | None:
    """None for a missing number; else a float, rounded to ``digits`` when given."""
    if x is None or pd.isna(x):
        return None
    return float(x) if digits is None else round(float(x), digits)


def _json_ready(x: Any) -> Any:
    """NaN as None, numpy numbers as Python ones, dates as ISO strings."""
    if isinstance(x, dict):
        return {k: _json_ready(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [_json_ready(v) for v in x]
    if isinstance(x, date):
        return x.isoformat()
    if isinstance(x, float | np.floating):
        return None if np.isnan(x) else float(x)
    if isinstance(x, np.integer):
        return int(x)
    return x
