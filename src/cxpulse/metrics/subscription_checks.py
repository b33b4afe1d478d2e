"""Checks of the subscriptions table before any MRR is computed from it.

``cxpulse import`` refuses bad rows already (column rules and the schema's row rules); these
catch tables filled another way (a warehouse behind an Ibis URL, a notebook insert), and
overlapping duplicates, which no single row shows.
"""

from __future__ import annotations

import ibis
import pandas as pd

from cxpulse.errors import QueryError
from cxpulse.metrics.spec import Tables

BILLING_MONTHS: dict[str, int] = {"month": 1, "quarter": 3, "year": 12}
_SHOWN = 5  # ids listed in an error message


def check_subscriptions(tables: Tables) -> None:
    """Refuse rows MRR cannot be computed from, and overlapping duplicates, naming their ids.

    ``cxpulse import`` refuses bad rows already; this catches tables filled another way (a
    warehouse behind an Ibis URL, a notebook insert), and duplicates, which no single row shows.

    Both checks are one query; inside a :meth:`~cxpulse.context.Context.sharing` block (a
    scorecard, a dashboard page) it runs once, however many revenue metrics ask: churn and
    NRR each checked the whole table again."""
    problems = _problems(tables)
    share = getattr(tables, "shared", None)
    if callable(share):
        problems = share(("subscription_checks",), lambda: problems)
    found: pd.DataFrame = problems.execute()
    found = found.sort_values("order")
    bad = found[found["kind"] == "row"]
    if not bad.empty:
        listed = ", ".join(f"{r.first} ({r.reason})" for r in bad.head(_SHOWN).itertuples())
        raise QueryError(
            f"subscriptions MRR cannot be computed from: {listed}"
            f"{_more(bad)}. Fix them at the source and import again (`cxpulse import` refuses "
            "such rows and says why)."
        )
    dup = found[found["kind"] == "duplicate"]
    if not dup.empty:
        listed = "; ".join(
            f"{r.first} and {r.second} (customer {r.customer}, plan {r.plan})"
            for r in dup.head(_SHOWN).itertuples()
        )
        raise QueryError(
            "duplicate subscriptions (same customer, plan, price and start, so overlapping terms) "
            f"would count MRR twice: {listed}{_more(dup)}. Delete the duplicate, or end the "
            "older row when the newer one starts, then import again."
        )


def _problems(tables: Tables) -> ibis.Table:
    """The first few bad rows (``kind`` "row", with ``reason``) and overlapping duplicate pairs
    (``kind`` "duplicate"), one more of each than is listed so the message can say "and more"."""
    subs = tables.table("subscriptions")
    reason = ibis.cases(
        (subs.customer_id.isnull(), "no customer_id"),
        (subs.started_at.isnull(), "no started_at"),
        (subs.price.isnull(), "no price"),
        (subs.price < 0, "negative price"),
        (subs.billing_period.isnull(), "no billing_period"),
        (~subs.billing_period.isin(list(BILLING_MONTHS)), "billing_period not month/quarter/year"),
        (subs.ended_at < subs.started_at, "ended_at before started_at"),
    )
    none = ibis.null("string")
    bad = subs.select(subs.subscription_id, reason=reason).filter(lambda t: t.reason.notnull())
    bad = bad.order_by("subscription_id").limit(_SHOWN + 1)
    bad = bad.select(
        kind=ibis.literal("row"),
        # the backend's own order of the ids (numbers sort as numbers), kept past the union
        order=ibis.row_number().over(ibis.window(order_by=bad.subscription_id)),
        first=bad.subscription_id.cast("string"),
        second=none,
        customer=none,
        plan=none,
        reason=bad.reason.cast("string"),
    )
    live = subs.filter(subs.ended_at.isnull() | (subs.ended_at > subs.started_at))
    other = live.view()
    pairs = live.join(
        other,
        [
            live.customer_id == other.customer_id,
            live.plan == other.plan,
            live.price == other.price,
            live.billing_period == other.billing_period,
            # the same start: a copy of one subscription under another id. A second box of
            # the same plan started another day is a real second subscription.
            live.started_at == other.started_at,
            live.subscription_id < other.subscription_id,
        ],
    ).select(
        first=live.subscription_id,
        second=other.subscription_id,
        customer=live.customer_id,
        plan=live.plan,
    )
    pairs = pairs.order_by(["first", "second"]).limit(_SHOWN + 1)
    dup = pairs.select(
        kind=ibis.literal("duplicate"),
        order=ibis.row_number().over(ibis.window(order_by=[pairs.first, pairs.second])),
        first=pairs.first.cast("string"),
        second=pairs.second.cast("string"),
        customer=pairs.customer.cast("string"),
        plan=pairs.plan.cast("string"),
        reason=none,
    )
    return bad.union(dup)


def _more(found: pd.DataFrame) -> str:
    return " and more" if len(found) > _SHOWN else ""
