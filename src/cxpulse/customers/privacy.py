"""GDPR: export everything stored about one customer, and erase their personal data.

Erasure keeps the numbers and removes the person (one transaction, then an audit entry):

- Personal columns (those :mod:`cxpulse.schema` marks ``personal``: name, email, comments,
  ticket subjects, mention authors and texts) become empty, and so do mention URLs (a link to
  the post names its author) and case summaries (they quote comments).
- The customer id becomes a random pseudonym (``erased-...``) in every table, customers row
  included, and the browsers they used get pseudonymous visitor ids. Random, not a hash of the
  id: nobody can recompute it from the old id, so nothing links the remains back to the person.
  Their scores, orders, tickets, subscriptions and web sessions stay, de-identified, so NPS,
  MRR, churn and every other aggregate over past periods do not change; only queries about
  this one customer find nothing any more.
- What exists only to contact or follow the person is deleted: queued survey deliveries and
  automation messages (their payloads hold addresses and comments), trigger events, fatigue
  decisions and case notes (free text about the person).
- The audit entry names the old id (the proof that the request was honoured) and row counts,
  never the pseudonym, which would link them again.

Rows in the source systems (the CRM, the help desk) are not touched: erase them there too, or
the next import brings the person back.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from cxpulse import schema
from cxpulse.customers.search import get_customer
from cxpulse.records import clean, frame_records
from cxpulse.schema import (
    AUTOMATION_OUTBOX_TABLE,
    AUTOMATION_RUNS_TABLE,
    CASE_NOTES_TABLE,
    CASES_TABLE,
    CUSTOMER_TAGS_TABLE,
    SURVEY_DECISIONS_TABLE,
    SURVEY_DELIVERIES_TABLE,
    SURVEY_EVENTS_TABLE,
    TEXT_ANNOTATIONS_TABLE,
)
from cxpulse.store.writes import NOT_NULL

if TYPE_CHECKING:
    from cxpulse.context import Context
    from cxpulse.store import Store

PSEUDONYM_PREFIX = "erased-"
DELETED_TABLES = (SURVEY_EVENTS_TABLE, SURVEY_DECISIONS_TABLE, SURVEY_DELIVERIES_TABLE)
"""Operational rows that only serve to contact the customer: deleted on erasure."""
EXTRA_BLANKED = {
    "mentions": ("url",),
    CASES_TABLE: ("summary",),
    AUTOMATION_RUNS_TABLE: ("detail",),
}
"""Columns besides the schema's personal ones that can carry personal data."""


def base_tables(ws: Context) -> list[str]:
    """The workspace's stored tables (not the views Ibis registers for in-memory frames)."""
    return ws.store.base_tables()


def customer_tables(ws: Context) -> list[str]:
    """Every table of the workspace with a ``customer_id`` column, by name."""
    return [n for n in base_tables(ws) if "customer_id" in _columns(ws, n)]


def export_customer(ws: Context, customer_id: str) -> dict[str, Any]:
    """Every row about the customer, per table, as JSON values: the rows naming them, the
    website hits of the browsers they used, notes on their cases, text annotations of their
    comments, the automation messages about them, and audit entries about them."""
    customer = get_customer(ws, customer_id)
    tables: dict[str, list[dict[str, Any]]] = {}
    for name in customer_tables(ws):
        t = ws.store.table(name)
        if name == "web_events":
            t = t.filter(t.visitor_id.isin(_visitors(ws, customer_id)))
        else:
            t = t.filter(t.customer_id == customer_id)
        tables[name] = frame_records(t.execute())
    keys = _keys(ws, customer_id)
    n = ws.store.table(CASE_NOTES_TABLE)
    tables[CASE_NOTES_TABLE] = frame_records(n.filter(n.case_id.isin(keys["cases"])).execute())
    a = ws.store.table(TEXT_ANNOTATIONS_TABLE)
    tables[TEXT_ANNOTATIONS_TABLE] = frame_records(
        a.filter(a.row_key.isin(keys["texts"])).execute()
    )
    o = ws.store.table(AUTOMATION_OUTBOX_TABLE)
    tables[AUTOMATION_OUTBOX_TABLE] = frame_records(o.filter(o.run_id.isin(keys["runs"])).execute())
    if "audit_log" in base_tables(ws):
        log = ws.store.table("audit_log")
        tables["audit_log"] = frame_records(log.filter(log.subject == customer_id).execute())
    return {
        "customer_id": customer_id,
        "customer": clean(customer),
        "tables": {k: v for k, v in sorted(tables.items())},
        "row_counts": {k: len(v) for k, v in sorted(tables.items())},
    }


@dataclass(frozen=True)
class Erasure:
    customer_id: str
    erased_at: datetime
    rows: dict[str, int]  # rows changed or deleted, per table

    def as_dict(self) -> dict[str, Any]:
        return {
            "customer_id": self.customer_id,
            "erased_at": self.erased_at.isoformat(),
            "rows": self.rows,
        }


def erase_customer(ws: Context, customer_id: str, actor: str, now: datetime) -> Erasure:
    """Remove the customer's personal data (see the module's docstring for what happens to
    each table), in one transaction, and record who did it in the audit log."""
    from cxpulse.accounts.audit import record

    get_customer(ws, customer_id)  # a clear error for an unknown id
    pseudonym = PSEUDONYM_PREFIX + secrets.token_hex(8)
    keys = _keys(ws, customer_id)
    visitors = _visitors(ws, customer_id)
    tables = customer_tables(ws)
    with ws.store.transaction():
        rows = _delete_contact_rows(ws.store, customer_id, keys)
        rows["web_events"] = _pseudonymise_visits(ws.store, visitors, pseudonym)
        for name in tables:
            if name not in DELETED_TABLES and name != "web_events":
                rows[name] = _pseudonymise(ws, name, customer_id, pseudonym)
        done = {k: v for k, v in sorted(rows.items()) if v}
        record(ws, actor, "customer.erase", customer_id, now, rows=done)
    return Erasure(customer_id, now, done)


def _delete_contact_rows(
    store: Store, customer_id: str, keys: dict[str, list[str]]
) -> dict[str, int]:
    """Delete what exists only to contact or follow the person; rows deleted per table."""
    rows = {
        CASE_NOTES_TABLE: store.delete_where(CASE_NOTES_TABLE, {"case_id": keys["cases"]}),
        AUTOMATION_OUTBOX_TABLE: store.delete_where(
            AUTOMATION_OUTBOX_TABLE, {"run_id": keys["runs"] + keys["survey_runs"]}
        ),
    }
    for name in DELETED_TABLES:
        rows[name] = store.delete_where(name, {"customer_id": customer_id})
    return rows


def _pseudonymise_visits(store: Store, visitors: list[str], pseudonym: str) -> int:
    """Each browser's events (the customer's and the anonymous ones) move to a pseudonymous
    visitor; those naming a customer name the pseudonym. Returns the events changed."""
    changed = 0
    for visitor_no, visitor in enumerate(visitors, start=1):
        renamed = {"visitor_id": f"{pseudonym}-v{visitor_no}"}
        named = {"visitor_id": visitor, "customer_id": NOT_NULL}
        changed += store.update("web_events", named, renamed | {"customer_id": pseudonym})
        changed += store.update("web_events", {"visitor_id": visitor}, renamed)
    return changed


def _pseudonymise(ws: Context, table: str, customer_id: str, pseudonym: str) -> int:
    """The customer's rows of ``table`` take the pseudonym, their personal columns emptied;
    returns the rows changed."""
    if table == CUSTOMER_TAGS_TABLE:
        _rekey_tags(ws.store, customer_id, pseudonym)
    sets: dict[str, Any] = {"customer_id": pseudonym}
    sets |= {c: None for c in _blanked(ws, table)}
    if table == "customers":
        sets["email_consent"] = False
    return ws.store.update(table, {"customer_id": customer_id}, sets)


def _keys(ws: Context, customer_id: str) -> dict[str, list[str]]:
    """Ids of the customer's rows that other tables refer to."""

    def ids(table: str, column: str) -> list[str]:
        t = ws.store.table(table)
        return [str(v) for v in t.filter(t.customer_id == customer_id)[column].execute()]

    texts = [f"survey_responses:{k}" for k in ids("survey_responses", "response_id")]
    texts += [f"tickets:{k}" for k in ids("tickets", "ticket_id")]
    texts += [f"mentions:{k}" for k in ids("mentions", "mention_id")]
    deliveries = ids(SURVEY_DELIVERIES_TABLE, "invitation_id")
    return {
        "cases": ids(CASES_TABLE, "case_id"),
        "runs": ids(AUTOMATION_RUNS_TABLE, "run_id"),
        "survey_runs": [f"survey:{i}" for i in deliveries],
        # annotations are keyed by "table:key" (the row they annotate)
        "texts": texts + [t.split(":", 1)[1] for t in texts],
    }


def _visitors(ws: Context, customer_id: str) -> list[str]:
    t = ws.table("web_events")
    found = t.filter(t.customer_id == customer_id).visitor_id.execute()
    return sorted({str(v) for v in found})


def _blanked(ws: Context, table: str) -> list[str]:
    personal: list[str] = []
    if table in schema.TABLES:
        personal = [c.name for c in schema.table(table).columns if c.personal]
    extra = [c for c in EXTRA_BLANKED.get(table, ()) if c in _columns(ws, table)]
    return personal + extra


def _columns(ws: Context, table: str) -> list[str]:
    return list(ws.store.table(table).columns)


def _rekey_tags(store: Store, customer_id: str, pseudonym: str) -> None:
    """A tag's id names its customer (``customer_id:tag``): it takes the pseudonym too."""
    t = store.table(CUSTOMER_TAGS_TABLE)
    tags = t.filter(t.customer_id == customer_id).tag.to_pyarrow().to_pylist()
    for tag in set(tags):
        # as SQL's || would: no tag, no id
        tag_id = None if tag is None else f"{pseudonym}:{tag}"
        store.update(
            CUSTOMER_TAGS_TABLE, {"customer_id": customer_id, "tag": tag}, {"tag_id": tag_id}
        )
