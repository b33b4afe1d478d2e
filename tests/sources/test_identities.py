"""One customer per person whichever source brings them (sources/identities.py): by email when
a customer has it, else by the vendor's id when it is free, else a prefixed id; decided once."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cxpulse import Workspace
from cxpulse.sources import add_source
from cxpulse.sources.connector import Page, Row
from cxpulse.sources.definitions import get_source
from cxpulse.sources.identities import customer_of, resolve
from cxpulse.sources.secrets import reference
from cxpulse.sources.sync import SyncReport, write_page
from tests.conftest import add_rows

NOW = datetime(2026, 3, 10, 12)


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    ws = Workspace.init(tmp_path / "ws.duckdb")
    token = reference(env="UNUSED_TOKEN")  # nothing is pulled: pages are written directly
    add_source(ws, "zendesk", "support", {"subdomain": "acme", "email": "a@acme.test"}, token, NOW)
    add_source(ws, "stripe", "billing", {}, token, NOW)
    add_source(ws, "webhook", "zendesk-hooks", {"vendor": "zendesk"}, token, NOW)
    return ws


def write(ws: Workspace, source: str, **rows: list[Row]) -> None:
    write_page(ws, get_source(ws, source), Page(rows=rows, cursor=None), SyncReport(source), NOW)


def person(customer_id: str, email: str | None, **extra: Any) -> Row:
    return {"customer_id": customer_id, "email": email, "created_at": "2025-01-01", **extra}


def customers(ws: Workspace) -> dict[str, dict[str, Any]]:
    return {r["customer_id"]: r for r in ws.store.table("customers").to_pyarrow().to_pylist()}


def identities(ws: Workspace) -> dict[str, tuple[str, str]]:
    rows = ws.store.table("customer_identities").to_pyarrow().to_pylist()
    return {r["identity_key"]: (r["customer_id"], r["matched_by"]) for r in rows}


def test_the_same_email_in_two_vendors_is_one_customer_with_both_histories(ws: Workspace) -> None:
    write(
        ws,
        "support",
        customers=[person("5001", "Ana@Example.com", created_at="2025-01-10T08:00:00Z")],
        tickets=[{"ticket_id": "1", "customer_id": "5001", "created_at": "2026-03-02T09:00:00Z"}],
    )
    write(
        ws,
        "billing",
        customers=[
            person("cus_A", "ana@example.com ", created_at="2024-06-01T00:00:00Z", country="FR")
        ],
        subscriptions=[
            {
                "subscription_id": "sub_1",
                "customer_id": "cus_A",
                "plan": "pro",
                "started_at": "2026-02-01T00:00:00Z",
                "price": "50",
                "billing_period": "month",
                "currency": "EUR",
            }
        ],
    )
    assert list(customers(ws)) == ["5001"]
    ana = customers(ws)["5001"]
    # the first source's sign-up date stays; the second fills what was empty
    assert ana["created_at"] == datetime(2025, 1, 10, 8) and ana["country"] == "FR"
    assert ws.store.table("subscriptions").customer_id.execute().tolist() == ["5001"]
    assert identities(ws) == {"zendesk:5001": ("5001", "id"), "stripe:cus_A": ("5001", "email")}
    # the next page of the same vendor person resolves as decided and still only fills: a
    # vendor's later edit does not overwrite what the first source said
    write(ws, "billing", customers=[person("cus_A", "ana@example.com", country="BE",
                                           created_at="2024-06-01T00:00:00Z")])  # fmt: skip
    ana = customers(ws)["5001"]
    assert (ana["country"], ana["created_at"]) == ("FR", datetime(2025, 1, 10, 8))
    assert len(identities(ws)) == 2
    # the first source, whose person the customer is, still updates it
    write(ws, "support", customers=[person("5001", "ana@example.com", country="BE")])
    assert customers(ws)["5001"]["country"] == "BE"


def test_two_vendors_numbering_people_alike_do_not_merge_them(ws: Workspace) -> None:
    write(ws, "support", customers=[person("5001", "ana@example.com")])
    write(ws, "billing", customers=[person("5001", "bob@example.com")])
    assert set(customers(ws)) == {"5001", "stripe-5001"}
    assert customers(ws)["stripe-5001"]["email"] == "bob@example.com"
    assert identities(ws)["stripe:5001"] == ("stripe-5001", "prefixed")


def test_a_customer_an_export_imported_under_the_vendor_id_is_the_same_person(
    ws: Workspace,
) -> None:
    add_rows(ws, "customers", [{"customer_id": "5001", "plan": "pro"}])  # no email
    write(ws, "support", customers=[person("5001", "ana@example.com")])
    assert list(customers(ws)) == ["5001"] and customers(ws)["5001"]["plan"] == "pro"


def test_a_webhook_and_a_sync_of_one_vendor_share_its_people(ws: Workspace) -> None:
    write(ws, "billing", customers=[person("cus_A", "ana@example.com")])
    write(ws, "support", customers=[person("5001", "ana@example.com")])
    # a webhook names only the requester; its source is not the pull source, same vendor
    write(ws, "zendesk-hooks", tickets=[{"ticket_id": "9", "customer_id": "5001",
                                         "created_at": "2026-03-09T10:00:00Z"}])  # fmt: skip
    assert ws.store.table("tickets").customer_id.execute().tolist() == ["cus_A"]
    assert customer_of(ws, "zendesk", "5001") == "cus_A"
    assert customer_of(ws, "hubspot", "5001") == "5001"  # nobody decided: the id as given


def test_a_person_first_seen_without_email_joins_their_customer_when_it_arrives(
    ws: Workspace,
) -> None:
    write(ws, "billing", customers=[person("cus_A", "ana@example.com")])
    write(ws, "zendesk-hooks", tickets=[{"ticket_id": "9", "customer_id": "5001",
                                         "created_at": "2026-03-09T10:00:00Z"}])  # fmt: skip
    assert identities(ws)["zendesk:5001"] == ("5001", "pending")
    write(ws, "support", customers=[person("5001", "ana@example.com")])
    assert identities(ws)["zendesk:5001"] == ("cus_A", "email")
    assert ws.store.table("tickets").customer_id.execute().tolist() == ["cus_A"]
    assert set(customers(ws)) == {"cus_A"}


def test_an_id_held_for_a_pending_person_is_not_given_to_another_vendors(ws: Workspace) -> None:
    write(ws, "zendesk-hooks", tickets=[{"ticket_id": "9", "customer_id": "77",
                                         "created_at": "2026-03-09T10:00:00Z"}])  # fmt: skip
    write(ws, "billing", customers=[person("77", "bob@example.com")])
    assert identities(ws)["stripe:77"] == ("stripe-77", "prefixed")
    assert ws.store.table("tickets").customer_id.execute().tolist() == ["77"]  # not Bob's


def test_a_vendor_deleting_its_person_deletes_only_its_own_customer(ws: Workspace) -> None:
    write(ws, "support", customers=[person("5001", "ana@example.com")])
    write(ws, "billing", customers=[person("5001", "bob@example.com"),
                                    person("cus_A", "ana@example.com")])  # fmt: skip
    page = Page(rows={}, cursor=None, deleted={"customers": ["5001", "cus_A"]})
    write_page(ws, get_source(ws, "billing"), page, SyncReport("billing"), NOW)
    # Bob (stripe-5001) goes; Ana, whom Stripe's cus_A was found to be by email, stays
    assert set(customers(ws)) == {"5001"}


@settings(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    people=st.lists(
        st.tuples(st.sampled_from(["1", "2", "3", "cus_1"]), st.sampled_from([None, "a@x", "b@x"])),
        min_size=1,
        max_size=4,
    )
)
def test_resolving_is_decided_once_and_never_splits_a_vendor_person(
    ws: Workspace, people: list[tuple[str, str | None]]
) -> None:
    """Whatever the order people arrive in: a vendor's id always lands on one customer, and
    resolving a page again decides nothing new."""
    for vendor_id, email in people:
        write(ws, "billing", customers=[person(vendor_id, email)])
        write(ws, "support", customers=[person(vendor_id, email)])
    for vendor in ("stripe", "zendesk"):
        for vendor_id, _ in people:
            assert customer_of(ws, vendor, vendor_id) in customers(ws)
    page = Page(rows={"customers": [person(i, e) for i, e in people]}, cursor=None)
    assert resolve(ws, "stripe", page, NOW).decisions == []
