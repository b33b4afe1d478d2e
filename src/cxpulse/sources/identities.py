"""One customer per person, whichever source brings them: the vendor's ids resolved to the
workspace's customer ids before a page is written.

A Zendesk requester, a Stripe customer and a HubSpot contact are the same person under three
ids. Left alone, each source would make a customer of its own, and the timeline that joins a
customer's tickets to their subscription (churn by support experience, the case opened on a
detractor who pays) would join nothing. So when a vendor's person arrives with an email, one
decision is made and kept in ``customer_identities``:

1. ``email``: a customer already has the person's email (any case): that customer. The
   customer keeps what it knows: this vendor's rows for the person only fill its empty
   columns, on this page and every later one, so the sign-up date the first source gave does
   not move with each vendor's account date, nor its email with a vendor's edit.
2. ``id``: else the vendor's id itself, when no customer has it yet, or when the customer
   with it came from an import and has no other email (a workspace fed by one source keeps its
   vendor's ids, and lands on the customers an export of it imported).
3. ``prefixed``: else ``<vendor>-<id>``: another vendor's person, or a customer with another
   email, has the id (two vendors both number their people from 1; a Zendesk user 5001 is not
   HubSpot contact 5001).

A person first seen without an email (a webhook's ticket names only its requester) is
``pending``: their rows are written under the vendor's id, which no other vendor may then
take, and the decision is made when their email arrives. If it is then another customer's
email, the rows this vendor's sources wrote for them move to that customer.

Decisions are kept, so later pages, syncs and webhooks of the same person resolve the same
way, and an email changed at the vendor does not move a person's history. A person the vendor
deletes takes their customer with them only when nobody else's person is that customer (a
customer found by email is never deleted by one vendor).

Connectors whose ``customer_id`` is the business's own reference (a review platform's
``referenceId``) set ``Connector.customer_ids = "yours"`` and are not translated.

One writer at a time decides (a DuckDB file has one; on PostgreSQL, workers syncing two
sources that bring the same new email at the same moment may each keep their own id).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from cxpulse import schema
from cxpulse.schema import CUSTOMER_IDENTITIES_TABLE, SOURCE_SCHEMAS
from cxpulse.sources.connector import Connector, Page, Row, as_text
from cxpulse.store.keyed import replace_rows, rows_where_in

if TYPE_CHECKING:
    from cxpulse.context import Context
    from cxpulse.sources.definitions import Source

CUSTOMERS = "customers"
PENDING = "pending"


@dataclass(frozen=True)
class Decision:
    customer_id: str
    matched_by: str
    """email, id, prefixed, or pending (no email seen yet: the vendor's id, held)."""


@dataclass
class Resolved:
    """A page in the workspace's customer ids, the people it decided (kept by
    :func:`remember` in the page's own transaction) and the pending people whose rows move."""

    page: Page
    decisions: list[dict[str, Any]] = field(default_factory=list)
    moved: dict[str, str] = field(default_factory=dict)
    """A pending person's vendor id -> the customer their rows move to."""
    vendor: str = ""


def vendor_of(source: Source, kind: type[Connector]) -> str | None:
    """Whose ids a source's rows carry (a webhook source: its vendor's); None when they are
    the business's own (nothing to resolve)."""
    if kind.customer_ids == "yours":
        return None
    return str(source.options.get("vendor") or source.connector)


def key(vendor: str, vendor_id: str) -> str:
    return f"{vendor}:{vendor_id}"


def known(ws: Context, vendor: str, vendor_ids: Iterable[str]) -> dict[str, Decision]:
    """The decisions already made for these ids of ``vendor``."""
    wanted = {key(vendor, i): i for i in vendor_ids}
    rows = rows_where_in(
        ws.store,
        CUSTOMER_IDENTITIES_TABLE,
        "identity_key",
        wanted,
        ["vendor_id", "customer_id", "matched_by"],
    )
    return {
        str(r["vendor_id"]): Decision(str(r["customer_id"]), str(r["matched_by"])) for r in rows
    }


def resolve(ws: Context, vendor: str, page: Page, now: datetime) -> Resolved:
    """``page`` with every ``customer_id`` the vendor's turned into the workspace's, deciding
    the people it brings for the first time (kept by :func:`remember`)."""
    people = page.rows.get(CUSTOMERS, [])
    ids = {str(r["customer_id"]) for rs in page.rows.values() for r in rs if r.get("customer_id")}
    gone = {str(i) for i in page.deleted.get(CUSTOMERS, [])}
    if not ids and not gone:
        return Resolved(page)
    decided = known(ws, vendor, ids | gone)
    emails = {
        str(r["customer_id"]): str(r["email"]).strip().lower()
        for r in people
        if r.get("customer_id") and r.get("email") and str(r["email"]).strip()
    }
    open_ = sorted(i for i in ids if i not in decided or decided[i].matched_by == PENDING)
    by_email = _customers_by_email(ws, {emails[i] for i in open_ if i in emails})
    taken = _existing(ws, open_)
    elsewhere = _decided_elsewhere(ws, vendor, open_)
    new: dict[str, Decision] = {}
    moved: dict[str, str] = {}
    for vendor_id in open_:
        was = decided.get(vendor_id)
        email = emails.get(vendor_id)
        if was is not None and not email:
            continue  # still pending: nothing new to decide on
        if email and email in by_email:
            now_is = Decision(by_email[email], "email")
        elif was is not None:
            now_is = Decision(was.customer_id, "id")  # its id was held for it
        elif vendor_id in elsewhere or (
            vendor_id in taken and email and taken[vendor_id] not in (None, email)
        ):
            now_is = Decision(f"{vendor}-{vendor_id}", "prefixed")
        elif vendor_id in taken or email:
            # free, or a customer an import or the API wrote under this id (an export of the
            # same vendor): the same person
            now_is = Decision(vendor_id, "id")
        else:
            now_is = Decision(vendor_id, PENDING)
        new[vendor_id] = now_is
        if was is not None and was.customer_id != now_is.customer_id:
            moved[vendor_id] = now_is.customer_id
    mapping = {v: d.customer_id for v, d in {**decided, **new}.items()}
    merged = {d.customer_id for d in {**decided, **new}.values() if d.matched_by == "email"}
    rows = {
        table: [_translated(r, mapping) for r in table_rows]
        for table, table_rows in page.rows.items()
    }
    if merged and CUSTOMERS in rows:
        rows[CUSTOMERS] = _fill_only(ws, rows[CUSTOMERS], merged)
    deleted = dict(page.deleted)
    if gone:
        deleted[CUSTOMERS] = _deletable(ws, vendor, [decided[i] for i in gone if i in decided])
    resolved = Page(rows=rows, cursor=page.cursor, deleted=deleted, done=page.done)
    decisions = [
        {
            "identity_key": key(vendor, v),
            "vendor": vendor,
            "vendor_id": v,
            "customer_id": d.customer_id,
            "matched_by": d.matched_by,
            "first_seen_at": now,
        }
        for v, d in sorted(new.items())
    ]
    return Resolved(resolved, decisions, moved, vendor)


def remember(ws: Context, resolved: Resolved) -> None:
    """Keep the decisions :func:`resolve` made and move the rows of pending people who turned
    out to be another customer (inside the page's transaction, so a page that is not written
    decides nothing)."""
    if resolved.decisions:
        types = SOURCE_SCHEMAS[CUSTOMER_IDENTITIES_TABLE]
        replace_rows(ws.store, CUSTOMER_IDENTITIES_TABLE, resolved.decisions, "identity_key", types)
    if not resolved.moved:
        return
    sources = _sources_of(ws, resolved.vendor)
    for old, new in sorted(resolved.moved.items()):
        for table in schema.TABLES:
            if table == CUSTOMERS:
                continue
            ws.store.update(table, {"customer_id": old, "source": sources}, {"customer_id": new})
        # a row this vendor wrote for them before their email came (none of its columns
        # known): the customer they are now has them
        ws.store.delete_where(CUSTOMERS, {"customer_id": old, "source": sources})


def customer_of(ws: Context, vendor: str, vendor_id: str) -> str:
    """The workspace's customer for one vendor id (the id itself if none was decided yet)."""
    decision = known(ws, vendor, [vendor_id]).get(vendor_id)
    return decision.customer_id if decision else vendor_id


def _translated(row: Row, mapping: dict[str, str]) -> Row:
    given = row.get("customer_id")
    if not given or str(given) not in mapping:
        return row
    return {**row, "customer_id": mapping[str(given)]}


def _customers_by_email(ws: Context, emails: set[str]) -> dict[str, str]:
    """lower(email) -> the customer with it (the smallest id if several share it)."""
    if not emails:
        return {}
    t = ws.store.table(CUSTOMERS)
    found = (
        t.filter(t.email.strip().lower().isin(sorted(emails)))
        .select(email=t.email.strip().lower(), customer_id=t.customer_id)
        .order_by("customer_id")
        .to_pyarrow()
        .to_pylist()
    )
    chosen: dict[str, str] = {}
    for r in found:
        chosen.setdefault(str(r["email"]), str(r["customer_id"]))
    return chosen


def _existing(ws: Context, ids: list[str]) -> dict[str, str | None]:
    """The customers with these ids: id -> their email (lower case; None if they have none)."""
    rows = rows_where_in(ws.store, CUSTOMERS, "customer_id", ids, ["customer_id", "email"])
    return {
        str(r["customer_id"]): (str(r["email"]).strip().lower() if r["email"] else None)
        for r in rows
    }


def _decided_elsewhere(ws: Context, vendor: str, customer_ids: list[str]) -> set[str]:
    """Those of ``customer_ids`` another vendor's people were given or hold (pending)."""
    if not customer_ids:
        return set()
    t = ws.store.table(CUSTOMER_IDENTITIES_TABLE)
    found = t.filter(t.customer_id.isin(customer_ids) & (t.vendor != vendor)).customer_id
    return {str(c) for c in found.to_pyarrow().to_pylist()}


def _deletable(ws: Context, vendor: str, gone: list[Decision]) -> list[str]:
    """The customers a vendor's deleted people take with them: never one found by email, nor
    one another vendor's person also is."""
    own = [d.customer_id for d in gone if d.matched_by != "email"]
    return sorted(set(own) - _decided_elsewhere(ws, vendor, own))


def _fill_only(ws: Context, people: list[Row], merged: set[str]) -> list[Row]:
    """The rows of people merged into an existing customer, keeping what the customer has
    and filling only its empty columns."""
    stored = {
        str(r["customer_id"]): r for r in rows_where_in(ws.store, CUSTOMERS, "customer_id", merged)
    }
    out: list[Row] = []
    for row in people:
        old = stored.get(str(row.get("customer_id")))
        if old is None:
            out.append(row)
            continue
        out.append(
            {
                column: (value if old.get(column) is None else as_text(old[column]))
                for column, value in row.items()
            }
        )
    return out


def _sources_of(ws: Context, vendor: str) -> list[str]:
    """The names of the sources whose rows carry ``vendor``'s ids."""
    from cxpulse.sources.connectors import CONNECTORS
    from cxpulse.sources.definitions import list_sources

    kinds = ws.kinds[CONNECTORS]
    return [s.name for s in list_sources(ws) if vendor_of(s, kinds.get(s.connector)) == vendor]
