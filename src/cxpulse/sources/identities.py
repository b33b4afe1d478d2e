"""One customer per person, whichever source brings them: the vendor's ids resolved to the
workspace's customer ids before a page is written.

A Zendesk requester, a Stripe customer and a HubSpot contact are the same person under three
ids. Left alone, each source would make a customer of its own, and the timeline that joins a
customer's tickets to their subscription (churn by support experience, the case opened on a
detractor who pays) would join nothing. So the first time a vendor's person arrives, one
decision is made and kept in ``customer_identities``:

1. ``email``: a customer already has the person's email (any case): that customer. The
   stored customer keeps what it knows; the new source fills only its empty columns, so the
   sign-up date the first source gave does not move with each vendor's account date.
2. ``id``: else the vendor's id itself, when no customer has it yet, or when the customer
   with it came from an import or the API and has no other email (a workspace fed by one
   source keeps its vendor's ids, and lands on the customers an export of it imported).
3. ``prefixed``: else ``<vendor>-<id>``: another vendor's person, or a customer with another
   email, has the id (two vendors both number their people from 1; a Zendesk user 5001 is not
   HubSpot contact 5001).

The decision is kept, so later pages, syncs and webhooks of the same person resolve the same
way, and an email changed at the vendor does not move a person's history. A person first seen
without an email (a webhook's ticket names only its requester) is decided by id; when their
email arrives later, they stay where they are (merging two customers' histories after the fact
is a person's decision, not a sync's).

Connectors whose ``customer_id`` is the business's own reference (a review platform's
``referenceId``) set ``Connector.customer_ids = "yours"`` and are not translated.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

import ibis

from cxpulse.schema import CUSTOMER_IDENTITIES_TABLE, SOURCE_SCHEMAS
from cxpulse.sources.connector import Connector, Page, Row, as_text
from cxpulse.store.keyed import rows_where_in

if TYPE_CHECKING:
    from cxpulse.context import Context
    from cxpulse.sources.definitions import Source

CUSTOMERS = "customers"


@dataclass
class Resolved:
    """A page in the workspace's customer ids, and the people it decided for the first time
    (kept by :func:`remember` in the page's own transaction)."""

    page: Page
    decisions: list[dict[str, Any]] = field(default_factory=list)


def vendor_of(source: Source, kind: type[Connector]) -> str | None:
    """Whose ids a source's rows carry (a webhook source: its vendor's); None when they are
    the business's own (nothing to resolve)."""
    if kind.customer_ids == "yours":
        return None
    return str(source.options.get("vendor") or source.connector)


def key(vendor: str, vendor_id: str) -> str:
    return f"{vendor}:{vendor_id}"


def known(ws: Context, vendor: str, vendor_ids: Iterable[str]) -> dict[str, str]:
    """The customers already decided for these ids of ``vendor``: vendor id -> customer id."""
    wanted = {key(vendor, i): i for i in vendor_ids}
    rows = rows_where_in(
        ws.store, CUSTOMER_IDENTITIES_TABLE, "identity_key", wanted, ["vendor_id", "customer_id"]
    )
    return {str(r["vendor_id"]): str(r["customer_id"]) for r in rows}


def resolve(ws: Context, vendor: str, page: Page, now: datetime) -> Resolved:
    """``page`` with every ``customer_id`` the vendor's turned into the workspace's, deciding
    (and keeping, in the caller's transaction) the people it brings for the first time.

    Reads run before the caller's transaction; :func:`remember` writes the decisions in it."""
    people = page.rows.get(CUSTOMERS, [])
    ids = {
        str(r["customer_id"]) for rows in page.rows.values() for r in rows if r.get("customer_id")
    }
    if not ids:
        return Resolved(page)
    decided = known(ws, vendor, ids)
    new: dict[str, tuple[str, str]] = {}  # vendor id -> (customer id, matched_by)
    emails = {
        str(r["customer_id"]): str(r["email"]).strip().lower()
        for r in people
        if r.get("customer_id") and r.get("email") and str(r["customer_id"]) not in decided
    }
    by_email = _customers_by_email(ws, set(emails.values()))
    undecided = sorted(ids - set(decided))
    taken = _existing(ws, undecided)
    others = _decided_elsewhere(ws, vendor, [i for i in undecided if i in taken])
    for vendor_id in undecided:
        email = emails.get(vendor_id)
        stored_email = taken.get(vendor_id)
        if email and email in by_email:
            new[vendor_id] = (by_email[email], "email")
        elif vendor_id not in taken or (
            vendor_id not in others and not (email and stored_email and stored_email != email)
        ):
            # free, or a customer an import or the API wrote under this id (an export of the
            # same vendor): the same person
            new[vendor_id] = (vendor_id, "id")
        else:  # another vendor's person, or someone with another email, has this id
            new[vendor_id] = (f"{vendor}-{vendor_id}", "prefixed")
    mapping = {**decided, **{v: c for v, (c, _) in new.items()}}
    merged = {v for v, (_, how) in new.items() if how == "email"}
    rows = {
        table: [_translated(r, mapping) for r in table_rows]
        for table, table_rows in page.rows.items()
    }
    if merged and CUSTOMERS in rows:
        rows[CUSTOMERS] = _fill_only(ws, rows[CUSTOMERS], {mapping[v] for v in merged})
    deleted = dict(page.deleted)
    if CUSTOMERS in deleted:  # a person the vendor deleted: the customer decided for them
        deleted[CUSTOMERS] = [mapping.get(str(i), str(i)) for i in deleted[CUSTOMERS]]
    resolved = Page(rows=rows, cursor=page.cursor, deleted=deleted, done=page.done)
    decisions = [
        {
            "identity_key": key(vendor, v),
            "vendor": vendor,
            "vendor_id": v,
            "customer_id": c,
            "matched_by": how,
            "first_seen_at": now,
        }
        for v, (c, how) in sorted(new.items())
    ]
    return Resolved(resolved, decisions)


def remember(ws: Context, resolved: Resolved) -> None:
    """Keep the decisions :func:`resolve` made (inside the page's transaction, so a page that
    is not written decides nothing)."""
    decisions = resolved.decisions
    if decisions:
        schema = ibis.schema(SOURCE_SCHEMAS[CUSTOMER_IDENTITIES_TABLE])
        ws.store.insert(CUSTOMER_IDENTITIES_TABLE, ibis.memtable(decisions, schema=schema))


def customer_of(ws: Context, vendor: str, vendor_id: str) -> str:
    """The workspace's customer for one vendor id (the id itself if none was decided yet)."""
    return known(ws, vendor, [vendor_id]).get(vendor_id, vendor_id)


def _translated(row: Row, mapping: dict[str, str]) -> Row:
    given = row.get("customer_id")
    if not given or str(given) not in mapping:
        return row
    return {**row, "customer_id": mapping[str(given)]}


def _customers_by_email(ws: Context, emails: set[str]) -> dict[str, str]:
    """lower(email) -> the customer with it (the oldest id if several share it)."""
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
    """Those of ``customer_ids`` another vendor's people were given."""
    if not customer_ids:
        return set()
    t = ws.store.table(CUSTOMER_IDENTITIES_TABLE)
    found = t.filter(t.customer_id.isin(customer_ids) & (t.vendor != vendor)).customer_id
    return {str(c) for c in found.to_pyarrow().to_pylist()}


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
