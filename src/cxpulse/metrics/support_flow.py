"""Support metrics that count tickets: first contact resolution, reopen rate, volume, backlog.

Shares use the Wilson interval; volume and backlog are exact counts (no interval). The backlog
is a balance at each period's end, so it uses the engine's period hook.
"""

from __future__ import annotations

from collections.abc import Callable

import ibis

from cxpulse.metrics.spec import REGISTRY, MetricSpec, PeriodContext, Table, Tables, Variant
from cxpulse.metrics.support import SEGMENTS, End, count_if, first_solved, last_solved


# -- shares of solved tickets -----------------------------------------------------------------
def _share(t: Table, keys: list[str]) -> Table:
    return t.group_by(keys).aggregate(n=t.count().cast("int64"), k=count_if(t._hit))


def _fcr_rows(t: Table, _: Tables) -> Table:
    replies = ibis.coalesce(t.agent_replies, 0)
    t = t.filter(first_solved(t).notnull() & (replies >= 1))
    return t.mutate(_hit=(replies == 1) & (ibis.coalesce(t.reopens, 0) == 0))


def _reopen_rows(t: Table, _: Tables) -> Table:
    t = t.filter(first_solved(t).notnull())
    return t.mutate(_hit=ibis.coalesce(t.reopens, 0) > 0)


REGISTRY.add(
    MetricSpec(
        name="first_contact_resolution",
        label="First contact resolution",
        table="tickets",
        time_column="created_at",
        unit="%",
        segments=SEGMENTS,
        main_segment="channel",
        variants={
            "default": Variant(
                "default",
                "share of solved tickets solved with exactly one public agent reply and never "
                "reopened, among solved tickets with at least one agent reply (tickets closed "
                "without a reply are not a contact the team resolved); Wilson interval",
                "share",
                _share,
                _fcr_rows,
            )
        },
    )
)


def _escalation_rows(t: Table, _: Tables) -> Table:
    # tickets whose escalation was not recorded either way are not counted as "not escalated"
    t = t.filter(t.escalated.notnull())
    return t.mutate(_hit=t.escalated)


REGISTRY.add(
    MetricSpec(
        name="escalation_rate",
        label="Escalation rate",
        table="tickets",
        time_column="created_at",
        unit="%",
        higher_is_better=False,
        segments=SEGMENTS,
        main_segment="channel",
        variants={
            "default": Variant(
                "default",
                "share of tickets escalated to a second line or a manager (the tickets' "
                "`escalated` flag), among tickets where it is recorded; by the period the "
                "ticket was created; Wilson interval. (A transfer rate between agents would "
                "need the number of reassignments per ticket, which the tickets table does "
                "not hold.)",
                "share",
                _share,
                _escalation_rows,
            )
        },
    )
)
REGISTRY.add(
    MetricSpec(
        name="reopen_rate",
        label="Reopen rate",
        table="tickets",
        time_column="created_at",
        unit="%",
        higher_is_better=False,
        segments=SEGMENTS,
        variants={
            "default": Variant(
                "default",
                "share of solved tickets reopened at least once; Wilson interval",
                "share",
                _share,
                _reopen_rows,
            )
        },
    )
)


# -- counts -----------------------------------------------------------------------------------
def _count(t: Table, keys: list[str]) -> Table:
    return t.group_by(keys).aggregate(n=t.count().cast("int64"), v=t.count().cast("float64"))


def _backlog(done: End) -> Callable[[PeriodContext], Table]:
    def periodic(ctx: PeriodContext) -> Table:
        t = ctx.attach(ctx.tables.table("tickets"))
        t = t.mutate(_done=done(t))
        # tickets alive at some point of the period; each counts when still open at its end
        j = t.cross_join(ctx.periods)
        j = j.filter((j.created_at < j._end) & (j._done.isnull() | (j._done >= j._start)))
        is_open = j._done.isnull() | (j._done >= j._end)
        return j.group_by(["_period", *ctx.segments]).aggregate(
            n=count_if(is_open), v=count_if(is_open).cast("float64")
        )

    return periodic


REGISTRY.add(
    MetricSpec(
        name="volume",
        label="Ticket volume",
        table="tickets",
        time_column="created_at",
        unit="tickets",
        higher_is_better=False,
        segments=SEGMENTS,
        variants={
            "default": Variant(
                "default", "tickets created in the period", "value", _count, multiplier=1.0
            )
        },
    )
)
REGISTRY.add(
    MetricSpec(
        name="backlog",
        label="Backlog",
        table="tickets",
        time_column="created_at",
        unit="tickets",
        higher_is_better=False,
        segments=SEGMENTS,
        variants={
            "default": Variant(
                "default",
                "tickets open at the end of the period: created before it ended and not solved "
                "for the last time by then (a reopened ticket counts as open from its first to "
                "its last solve, since reopening times are not recorded)",
                "value",
                periodic=_backlog(last_solved),
                multiplier=1.0,
            ),
            "first_solve": Variant(
                "first_solve",
                "tickets created before the end of the period and not yet solved once by then "
                "(reopenings ignored)",
                "value",
                periodic=_backlog(first_solved),
                multiplier=1.0,
            ),
        },
    )
)
