"""Everything cxpulse knows about one customer, on one timeline.

Each row of each table that names the customer becomes one or more dated items (an order is
placed, then delivered; a ticket is opened, then solved), sorted by time. Web hits are
summarised as sessions (the same sessionisation as the website metrics) rather than listed
hit by hit. Titles and details are plain text built from the data; callers escape them when
they render HTML.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from cxpulse.customers.search import get_customer, plain
from cxpulse.schema import (
    CASE_NOTES_TABLE,
    CASES_TABLE,
    CHURN_SCORES_TABLE,
    CLV_SCORES_TABLE,
    CUSTOMER_TAGS_TABLE,
    SURVEY_DECISIONS_TABLE,
    SURVEY_EVENTS_TABLE,
    WEB_SESSIONS_TABLE,
)

if TYPE_CHECKING:
    from cxpulse.context import Context

KINDS = (
    "signup",
    "subscription",
    "order",
    "invitation",
    "response",
    "ticket",
    "web",
    "mention",
    "loyalty",
    "event",
    "survey_decision",
    "case",
    "tag",
    "churn",
    "clv",
)
"""Every item kind, in the order items at the same instant are listed."""
LOYALTY_VERBS = {"earn": "Earned", "redeem": "Redeemed", "expire": "Expired", "adjust": "Adjusted"}


@dataclass(frozen=True)
class Item:
    at: datetime
    kind: str
    title: str
    detail: str = ""
    ref: str = ""  # the row's key in its table, to find it again

    def as_dict(self) -> dict[str, Any]:
        return {
            "at": self.at.isoformat(),
            "kind": self.kind,
            "title": self.title,
            "detail": self.detail,
            "ref": self.ref,
        }


@dataclass
class CustomerView:
    customer: dict[str, Any]
    items: list[Item]
    tags: list[str] = field(default_factory=list)
    churn_risk: float | None = None
    predicted_clv: float | None = None
    web: dict[str, Any] = field(default_factory=dict)

    @property
    def counts(self) -> dict[str, int]:
        return dict(Counter(i.kind for i in self.items))

    def as_dict(self) -> dict[str, Any]:
        from cxpulse.records import clean

        return {
            "customer": clean(self.customer),
            "tags": self.tags,
            "churn_risk": self.churn_risk,
            "predicted_clv": self.predicted_clv,
            "web": clean(self.web),
            "counts": self.counts,
            "items": [i.as_dict() for i in self.items],
        }


def customer_view(
    ws: Context,
    customer_id: str,
    *,
    newest_first: bool = False,
    case_visible: Callable[[dict[str, Any]], bool] | None = None,
) -> CustomerView:
    """The customer's row and every dated item about them, oldest first (or newest first).

    ``case_visible`` keeps only the follow-up cases (and their notes) it accepts, given a
    case's row: an agent's view of the customer shows only the cases the agent may handle
    (:func:`cxpulse.automations.inbox.may_handle`). Without it, every case is listed."""
    customer = get_customer(ws, customer_id)
    items: list[Item] = []
    items += _signup(customer)
    items += _subscriptions(_rows(ws, "subscriptions", customer_id))
    items += _orders(_rows(ws, "orders", customer_id))
    items += _invitations(_rows(ws, "survey_invitations", customer_id))
    items += _responses(_rows(ws, "survey_responses", customer_id))
    items += _tickets(_rows(ws, "tickets", customer_id))
    sessions = web_sessions(ws, customer_id)
    items += _sessions(sessions)
    items += _mentions(_rows(ws, "mentions", customer_id))
    items += _loyalty(_rows(ws, "loyalty_ledger", customer_id))
    items += _events(_rows(ws, SURVEY_EVENTS_TABLE, customer_id))
    items += _decisions(_rows(ws, SURVEY_DECISIONS_TABLE, customer_id))
    cases = _rows(ws, CASES_TABLE, customer_id)
    if case_visible is not None:
        cases = [c for c in cases if case_visible(c)]
    items += _cases(cases, _notes(ws, [str(c["case_id"]) for c in cases]))
    tags = _rows(ws, CUSTOMER_TAGS_TABLE, customer_id)
    items += [
        Item(t["added_at"], "tag", f"Tagged {t['tag']}", _by_rule(t), str(t["tag_id"]))
        for t in tags
        if t["added_at"]
    ]
    churn = _rows(ws, CHURN_SCORES_TABLE, customer_id)
    items += [
        Item(
            c["scored_at"],
            "churn",
            f"Churn risk {c['risk']:.0%}",
            str(c["top_reasons"] or ""),
            str(c["model"] or ""),
        )
        for c in churn
        if c["scored_at"] and c["risk"] is not None
    ]
    clv = _rows(ws, CLV_SCORES_TABLE, customer_id)
    items += [
        Item(
            c["scored_at"],
            "clv",
            f"Predicted CLV {c['predicted_clv']:,.2f}",
            f"{c['horizon_months']} months; probability alive {c['probability_alive']:.0%}",
            str(c["model"] or ""),
        )
        for c in clv
        if c["scored_at"] and c["predicted_clv"] is not None
    ]
    order = {k: i for i, k in enumerate(KINDS)}
    items.sort(key=lambda i: (i.at, order.get(i.kind, len(KINDS)), i.ref), reverse=newest_first)
    return CustomerView(
        customer=customer,
        items=items,
        tags=sorted({str(t["tag"]) for t in tags}),
        churn_risk=_latest(churn, "scored_at", "risk"),
        predicted_clv=_latest(clv, "scored_at", "predicted_clv"),
        web=_web_summary(sessions),
    )


def _rows(ws: Context, table: str, customer_id: str) -> list[dict[str, Any]]:
    t = ws.store.table(table)
    df = t.filter(t.customer_id == customer_id).execute()
    return [{str(k): plain(v) for k, v in row.items()} for row in df.to_dict("records")]


def _notes(ws: Context, case_ids: list[str]) -> dict[str, list[dict[str, Any]]]:
    if not case_ids:
        return {}
    n = ws.store.table(CASE_NOTES_TABLE)
    out: dict[str, list[dict[str, Any]]] = {}
    for row in (
        n.filter(n.case_id.isin(case_ids)).order_by("written_at").execute().to_dict("records")
    ):
        out.setdefault(str(row["case_id"]), []).append({k: plain(v) for k, v in row.items()})
    return out


def web_sessions(ws: Context, customer_id: str) -> list[dict[str, Any]]:
    """The customer's website sessions: every session of a browser they were seen logged in
    on (hits before and after logging in belong to them too), oldest first."""
    from cxpulse.metrics.session_tables import kept
    from cxpulse.metrics.sessions import session_table, sessionize

    hits = ws.table("web_events")
    visitors = hits.filter(hits.customer_id == customer_id).select("visitor_id").distinct()
    gap = float(getattr(ws.settings, "session_gap_minutes", 30) or 30)
    s = kept(ws, WEB_SESSIONS_TABLE, gap)  # the sessions kept on write, if up to date
    if s is None:
        s = session_table(sessionize(hits.filter(hits.visitor_id.isin(visitors.visitor_id)), gap))
    else:
        s = s.filter(s.visitor_id.isin(visitors.visitor_id))
    df = (
        s.select(
            "session_id",
            "started_at",
            "ended_at",
            "pageviews",
            "key_events",
            "duration_s",
            "landing_page",
            "exit_page",
            "engaged",
        )
        .order_by("started_at")
        .execute()
    )
    return [{str(k): plain(v) for k, v in r.items()} for r in df.to_dict("records")]


def _web_summary(sessions: list[dict[str, Any]]) -> dict[str, Any]:
    if not sessions:
        return {"sessions": 0}
    return {
        "sessions": len(sessions),
        "pageviews": sum(int(s["pageviews"] or 0) for s in sessions),
        "key_events": sum(int(s["key_events"] or 0) for s in sessions),
        "engaged_sessions": sum(bool(s["engaged"]) for s in sessions),
        "first_visit": sessions[0]["started_at"],
        "last_visit": sessions[-1]["started_at"],
    }


def _latest(rows: list[dict[str, Any]], at: str, value: str) -> float | None:
    dated = [r for r in rows if r[at] is not None and r[value] is not None]
    return float(max(dated, key=lambda r: r[at])[value]) if dated else None


def _join(*parts: Any) -> str:
    return " · ".join(str(p) for p in parts if p not in (None, ""))


def _money(amount: Any, currency: Any) -> str:
    return f"{float(amount):,.2f} {currency or ''}".strip() if amount is not None else ""


def _by_rule(row: dict[str, Any]) -> str:
    return f"by rule {row['rule']}" if row.get("rule") else ""


def _signup(c: dict[str, Any]) -> Iterator[Item]:
    if c.get("created_at"):
        detail = _join(c.get("segment"), c.get("plan"), c.get("country"), c.get("language"))
        yield Item(c["created_at"], "signup", "Signed up", detail, str(c["customer_id"]))


def _subscriptions(rows: list[dict[str, Any]]) -> Iterator[Item]:
    for r in rows:
        ref, plan = str(r["subscription_id"]), r.get("plan") or "subscription"
        price = _join(_money(r.get("price"), r.get("currency")), r.get("billing_period"))
        if r.get("started_at"):
            yield Item(r["started_at"], "subscription", f"Started {plan}", price, ref)
        if r.get("cancelled_at"):
            yield Item(r["cancelled_at"], "subscription", f"Cancelled {plan}", price, ref)
        if r.get("ended_at"):
            yield Item(r["ended_at"], "subscription", f"Ended {plan}", price, ref)


def _orders(rows: list[dict[str, Any]]) -> Iterator[Item]:
    for r in rows:
        ref = str(r["order_id"])
        detail = _join(
            _money(r.get("amount"), r.get("currency")), r.get("channel"), r.get("status")
        )
        if r.get("ordered_at"):
            yield Item(r["ordered_at"], "order", f"Order {ref}", detail, ref)
        if r.get("delivered_at"):
            yield Item(r["delivered_at"], "order", f"Order {ref} delivered", "", ref)


def _invitations(rows: list[dict[str, Any]]) -> Iterator[Item]:
    for r in rows:
        if r.get("sent_at"):
            failed = "not delivered" if r.get("delivered") is False else ""
            yield Item(
                r["sent_at"],
                "invitation",
                f"Invited to {r.get('survey_id') or 'a survey'}",
                _join(r.get("channel"), r.get("touchpoint"), failed),
                str(r["invitation_id"]),
            )


def _responses(rows: list[dict[str, Any]]) -> Iterator[Item]:
    for r in rows:
        if not r.get("responded_at"):
            continue
        kind = str(r.get("question_type") or "answer")
        score = r.get("score")
        title = (
            f"{kind.upper()} {score}/{r.get('scale_max')}"
            if score is not None
            else f"{kind.upper()} answer"
        )
        if r.get("touchpoint"):
            title += f" ({r['touchpoint']})"
        yield Item(
            r["responded_at"], "response", title, str(r.get("comment") or ""), str(r["response_id"])
        )


def _tickets(rows: list[dict[str, Any]]) -> Iterator[Item]:
    for r in rows:
        ref = str(r["ticket_id"])
        about = _join(r.get("category"), r.get("channel"), r.get("priority"))
        if r.get("created_at"):
            title = f"Ticket {ref}" + (f": {r['subject']}" if r.get("subject") else "")
            yield Item(r["created_at"], "ticket", title, about, ref)
        if r.get("solved_at"):
            reopened = f"reopened {r['reopens']} times" if r.get("reopens") else ""
            yield Item(
                r["solved_at"],
                "ticket",
                f"Ticket {ref} solved",
                _join(r.get("agent_id"), reopened),
                ref,
            )


def _sessions(sessions: list[dict[str, Any]]) -> Iterator[Item]:
    for s in sessions:
        if not s.get("started_at"):
            continue
        views = int(s.get("pageviews") or 0)
        minutes = float(s.get("duration_s") or 0) / 60
        detail = _join(
            f"landed on {s['landing_page']}" if s.get("landing_page") else "",
            f"{minutes:.0f} min",
            f"{s['key_events']} key events" if s.get("key_events") else "",
        )
        yield Item(
            s["started_at"],
            "web",
            f"Website visit: {views} page{'s' if views != 1 else ''}",
            detail,
            str(s["session_id"]),
        )


def _mentions(rows: list[dict[str, Any]]) -> Iterator[Item]:
    for r in rows:
        if not r.get("posted_at"):
            continue
        title = f"Mention on {r.get('platform') or 'the web'}"
        if r.get("rating") is not None:
            title += f" ({r['rating']:g} stars)"
        yield Item(r["posted_at"], "mention", title, str(r.get("text") or ""), str(r["mention_id"]))


def _loyalty(rows: list[dict[str, Any]]) -> Iterator[Item]:
    for r in rows:
        if r.get("occurred_at"):
            yield Item(
                r["occurred_at"],
                "loyalty",
                f"{LOYALTY_VERBS.get(str(r.get('kind')), str(r.get('kind')))} "
                f"{r.get('points')} points",
                _join(r.get("reward_type"), r.get("order_id")),
                str(r["entry_id"]),
            )


def _events(rows: list[dict[str, Any]]) -> Iterator[Item]:
    for r in rows:
        if r.get("occurred_at"):
            yield Item(
                r["occurred_at"],
                "event",
                f"Event {r.get('name')}",
                str(r.get("source") or ""),
                str(r["event_id"]),
            )


def _decisions(rows: list[dict[str, Any]]) -> Iterator[Item]:
    for r in rows:
        if r.get("decided_at"):
            yield Item(
                r["decided_at"],
                "survey_decision",
                f"Survey {r.get('survey_id')}: {r.get('outcome')}",
                _join(r.get("reason"), r.get("detail")),
                str(r["decision_id"]),
            )


def _cases(rows: list[dict[str, Any]], notes: dict[str, list[dict[str, Any]]]) -> Iterator[Item]:
    for r in rows:
        ref = str(r["case_id"])
        who = _join(r.get("owner"), r.get("team"))
        if r.get("opened_at"):
            yield Item(
                r["opened_at"],
                "case",
                f"Case {ref} opened ({r.get('rule')})",
                _join(r.get("summary"), who),
                ref,
            )
        for step, column in (("acknowledged", "acknowledged_at"), ("contacted", "contacted_at")):
            if r.get(column):
                yield Item(r[column], "case", f"Case {ref} {step}", who, ref)
        if r.get("resolved_at"):
            yield Item(
                r["resolved_at"],
                "case",
                f"Case {ref} resolved",
                _join(f"root cause: {r['root_cause']}" if r.get("root_cause") else "", who),
                ref,
            )
        for n in notes.get(ref, []):
            if n.get("written_at"):
                yield Item(
                    n["written_at"],
                    "case",
                    f"Note on case {ref}",
                    str(n.get("text") or ""),
                    str(n["note_id"]),
                )
