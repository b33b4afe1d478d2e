"""Syncing a source: incremental pages, each written with its cursor; retries; errors."""

from __future__ import annotations

from cxpulse import Workspace
from cxpulse.sources import get_source, sync_source
from tests.sources import zendesk_server as zs


def rows(ws: Workspace, table: str) -> list[dict]:
    return ws.store.table(table).order_by(ws.store.table(table).columns[0]).to_pyarrow().to_pylist()


def test_a_first_sync_writes_tickets_customers_and_ratings(
    synced_ws: Workspace, zendesk: tuple[zs.Zendesk, str]
) -> None:
    report = sync_source(synced_ws, "support", now=zs.now(), sleep=lambda _: None)
    print(report.summary())
    tickets = rows(synced_ws, "tickets")
    assert [t["ticket_id"] for t in tickets] == ["1", "2", "3"]
    assert tickets[0]["customer_id"] == "5001"
    print(tickets[0])
    print(rows(synced_ws, "customers")[0])
    print(rows(synced_ws, "survey_responses"))
    print(get_source(synced_ws, "support"))
