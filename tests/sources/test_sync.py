"""Syncing a source: incremental pages, each written with its cursor in one transaction;
resuming after a kill; rows checked as an import checks them."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from cxpulse import Workspace
from cxpulse.errors import SourceAuthError
from cxpulse.sources import get_source, sync_due, sync_source
from tests.conftest import add_rows
from tests.sources import zendesk_server as zs
from tests.sources.vendor_server import kill_mid_sync

Account = tuple[zs.Zendesk, str]


def rows(ws: Workspace, table: str) -> list[dict[str, Any]]:
    t = ws.store.table(table)
    return list(t.order_by(t.columns[0]).to_pyarrow().to_pylist())


def ids(ws: Workspace, table: str) -> list[str]:
    key = {"tickets": "ticket_id", "customers": "customer_id"}.get(table, "response_id")
    return [r[key] for r in rows(ws, table)]


def sync(ws: Workspace, **kw: Any) -> Any:
    return sync_source(ws, "support", now=zs.now(), sleep=lambda _: None, **kw)


def test_a_sync_pages_through_the_export_and_stores_the_cursor_with_each_page(
    synced_ws: Workspace, zendesk: Account
) -> None:
    account, _ = zendesk
    report = sync(synced_ws)
    assert ids(synced_ws, "tickets") == ["1", "2", "3"]
    assert ids(synced_ws, "customers") == ["5001", "5002", "5003"]  # end-users only
    assert report.pages == 3  # two ticket pages of 2, one page of ratings
    assert report.new == {"customers": 3, "tickets": 3, "survey_responses": 2}
    source = get_source(synced_ws, "support")
    assert source.cursor["tickets"] == zs._cursor(3)
    assert (source.last_status, source.rows, source.last_error) == ("ok", 8, None)
    assert account.asked(0) == {"start_time": "0", "include": "users,groups,metric_sets"}


def test_the_next_sync_starts_at_the_cursor_and_writes_changes_and_deletions(
    synced_ws: Workspace, zendesk: Account
) -> None:
    account, _ = zendesk
    sync(synced_ws)
    account.requests.clear()
    assert sync(synced_ws).rows == 0  # nothing changed: nothing written
    assert account.asked(0)["cursor"] == zs._cursor(3)

    account.change(zs.ticket(2, subject="Now solved twice"), zs.metric_set(2))
    account.change(zs.ticket(3, status="deleted"))
    account.change(zs.ticket(4), zs.metric_set(4))
    report = sync(synced_ws)
    assert report.new["tickets"] == 1 and report.updated["tickets"] == 1
    assert report.deleted == {"tickets": 1}
    assert ids(synced_ws, "tickets") == ["1", "2", "4"]
    assert rows(synced_ws, "tickets")[1]["subject"] == "Now solved twice"


def test_a_full_sync_reads_everything_again_and_duplicates_nothing(
    synced_ws: Workspace, zendesk: Account
) -> None:
    sync(synced_ws)
    before = {t: rows(synced_ws, t) for t in ("tickets", "customers", "survey_responses")}
    report = sync(synced_ws, full=True)
    assert report.pages == 3 and report.rows == 0
    assert {t: rows(synced_ws, t) for t in before} == before


def test_unknown_fields_are_ignored_missing_ones_empty_and_rows_missing_a_required_one_skipped(
    synced_ws: Workspace, zendesk: Account
) -> None:
    account, _ = zendesk
    surprise = zs.ticket(10, shiny_new_field={"nested": True})
    del surprise["priority"]
    account.change(surprise)  # no metric set either
    account.change({k: v for k, v in zs.ticket(11).items() if k != "created_at"})
    report = sync(synced_ws)
    by_id = {r["ticket_id"]: r for r in rows(synced_ws, "tickets")}
    assert by_id["10"]["priority"] is None and by_id["10"]["first_reply_at"] is None
    assert "11" not in by_id
    assert report.skipped == 1
    assert report.skipped_rows == [
        {"table": "tickets", "id": "11", "reason": "created_at: required; this cell is empty"}
    ]
    assert get_source(synced_ws, "support").last_report["skipped_rows"][0]["id"] == "11"


def test_columns_the_connector_does_not_map_keep_what_another_import_wrote(
    synced_ws: Workspace, zendesk: Account
) -> None:
    add_rows(synced_ws, "customers", [{"customer_id": "5001", "plan": "pro", "segment": "smb"}])
    sync(synced_ws)
    customer = rows(synced_ws, "customers")[0]
    assert (customer["plan"], customer["segment"]) == ("pro", "smb")
    assert customer["email"] == "c5001@example.com"  # the connector's columns are its own


def test_a_refused_token_is_one_line_naming_the_source_and_the_variable(
    synced_ws: Workspace, zendesk: Account
) -> None:
    account, _ = zendesk
    account.token = "rotated"
    with pytest.raises(SourceAuthError) as raised:
        sync(synced_ws)
    message = str(raised.value)
    assert "source 'support'" in message and "ZENDESK_TOKEN" in message and "401" in message
    assert "Couldn't authenticate you" in message  # the vendor's own words, when it gives any
    assert zs.TOKEN not in message and "\n" not in message
    source = get_source(synced_ws, "support")
    assert source.last_status == "error" and source.last_error == message
    assert source.cursor == {}  # nothing was read: the next sync starts from the start


def test_a_missing_token_names_the_variable(
    synced_ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ZENDESK_TOKEN")
    with pytest.raises(SourceAuthError, match="environment variable ZENDESK_TOKEN is empty"):
        sync(synced_ws)


def test_a_429_waits_as_long_as_retry_after_says(synced_ws: Workspace, zendesk: Account) -> None:
    account, _ = zendesk
    account.throttle, account.retry_after = 2, "1"
    started = time.monotonic()
    report = sync_source(synced_ws, "support", now=zs.now())  # the real clock
    assert time.monotonic() - started >= 2.0
    assert (report.waits, report.waited_seconds) == (2, 2.0)
    assert ids(synced_ws, "tickets") == ["1", "2", "3"]


def test_the_worker_syncs_sources_when_their_schedule_is_due(
    synced_ws: Workspace, zendesk: Account
) -> None:
    from datetime import timedelta

    reports, errors = sync_due(synced_ws, zs.now())
    assert [r.source for r in reports] == ["support"] and errors == []
    assert sync_due(synced_ws, zs.now() + timedelta(minutes=59)) == ([], [])
    reports, _ = sync_due(synced_ws, zs.now() + timedelta(minutes=60))
    assert [r.source for r in reports] == ["support"]


def test_a_sync_killed_mid_way_resumes_with_nothing_lost_or_duplicated(
    synced_ws: Workspace, zendesk: Account, tmp_path: Path
) -> None:
    """A real `kill -9` of `cxpulse sources sync` while it waits for the third page: the
    first two pages and their cursor are committed; the next sync asks for the third page
    and ends with every ticket once."""
    account, _ = zendesk
    for n in range(4, 8):
        account.change(zs.ticket(n), zs.metric_set(n))
    location = synced_ws.store.location
    synced_ws.close()
    kill_mid_sync(account, location, "support", {"ZENDESK_TOKEN": zs.TOKEN}, at=3)

    ws = Workspace.open(location)
    assert ids(ws, "tickets") == ["1", "2", "3", "4"]
    assert get_source(ws, "support").cursor["tickets"] == zs._cursor(4)
    # the killed sync could not say it stopped: nothing runs it, so it shows as interrupted
    assert get_source(ws, "support").last_status == "interrupted"
    account.requests.clear()
    sync_source(ws, "support", now=zs.now(), sleep=lambda _: None)
    assert account.asked(0)["cursor"] == zs._cursor(4)
    assert ids(ws, "tickets") == [str(n) for n in range(1, 8)]
    assert ws.store.table("tickets").count().execute() == 7


def test_one_source_syncs_once_at_a_time_in_a_process(
    synced_ws: Workspace, zendesk: Account
) -> None:
    """The server's worker and an API request must not page through one source at once."""
    import threading

    from cxpulse.errors import SourceError

    account, _ = zendesk
    account.hang_at = 1
    first = threading.Thread(target=sync, args=(synced_ws,))
    first.start()
    while not account.requests:
        time.sleep(0.02)
    with pytest.raises(SourceError, match="'support' is already syncing"):
        sync(synced_ws)
    account.hang_at = None
    account.release.set()
    first.join(30)
    assert ids(synced_ws, "tickets") == ["1", "2", "3"]
    assert sync(synced_ws).rows == 0  # free again once the first one ended
