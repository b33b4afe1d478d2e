"""The HubSpot connector against a local HubSpot CRM API: contacts, tickets and survey
responses by modified time, archived objects deleted, a kill mid-sync, 429s and the search
API's rate limit, a revoked token, schema surprises, and the webhook mapping."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from cxpulse import Workspace
from cxpulse.cli.app import app
from cxpulse.errors import SourceAuthError
from cxpulse.sources import CONNECTORS, add_source, get_source, sync_source
from cxpulse.sources import hubspot as connector_module
from cxpulse.sources.http import Http, TokenHeader
from cxpulse.sources.hubspot import INDEX_LAG_MS, PAGE_SIZE, HubSpot, webhook_event
from cxpulse.sources.secrets import reference
from cxpulse.sources.webhook_events import receive
from cxpulse.sources.webhook_mapping import NOT_MAPPED
from cxpulse.sources.webhooks import Delivery, Verified
from tests.sources import hubspot_server as hs
from tests.sources.vendor_server import kill_mid_sync
from tests.sources.webhook_signing import HOOK_URL, SECRETS, sign

Account = tuple[hs.HubSpot, str]


def book(account: hs.HubSpot) -> None:
    """Three contacts; a closed ticket and a reopened one (its old closed_date kept); an NPS,
    a CSAT, a CES and a custom survey answer."""
    for n in (1, 2, 3):
        account.put("contacts", n, hs.contact(n))
    account.put("tickets", 1, hs.ticket(1), contact=1)
    account.put("tickets", 2, hs.ticket(2, hs_pipeline_stage="1", source_type="CHAT"), contact=2)
    answers = [("NPS", "9"), ("CSAT", "4"), ("CES", "6"), ("CUSTOM", "3")]
    for n, (kind, value) in enumerate(answers, start=1):
        account.put("feedback_submissions", n, hs.submission(n, kind, value), contact=n % 3 + 1)


@pytest.fixture
def hubspot() -> Iterator[Account]:
    account = hs.HubSpot()
    book(account)
    with hs.serve(account) as url:
        yield account, url


@pytest.fixture
def ws(tmp_path: Path, hubspot: Account, monkeypatch: pytest.MonkeyPatch) -> Workspace:
    monkeypatch.setenv("HUBSPOT_TOKEN", hs.TOKEN)
    ws = Workspace.init(tmp_path / "ws.duckdb")
    add_source(
        ws, "hubspot", "crm", {"base_url": hubspot[1]}, reference(env="HUBSPOT_TOKEN"), hs.now()
    )
    return ws


def sync(ws: Workspace, **kw: Any) -> Any:
    return sync_source(ws, "crm", now=hs.now(), sleep=lambda _: None, **kw)


def rows(ws: Workspace, table: str, key: str) -> dict[str, dict[str, Any]]:
    return {r[key]: r for r in ws.store.table(table).to_pyarrow().to_pylist()}


def nonzero(counts: dict[str, int]) -> dict[str, int]:
    return {table: n for table, n in counts.items() if n}


def test_hubspot_is_a_registered_connector() -> None:
    assert CONNECTORS.builtins().get("hubspot") is HubSpot


def test_a_first_sync_maps_contacts_tickets_and_survey_answers(
    ws: Workspace, hubspot: Account
) -> None:
    account, _ = hubspot
    report = sync(ws)
    assert nonzero(report.new) == {"customers": 3, "tickets": 2, "survey_responses": 3}
    c = rows(ws, "customers", "customer_id")["1"]
    assert (c["name"], c["email"], c["country"], c["language"]) == (
        "Ada Number1",
        "c1@example.com",
        "FR",
        "fr",
    )
    assert (c["account_id"], c["segment"], c["created_at"]) == (
        "9001",
        "customer",
        datetime(2026, 3, 1, 8),
    )
    tickets = rows(ws, "tickets", "ticket_id")
    one, two = tickets["hubspot-1"], tickets["hubspot-2"]
    assert (one["customer_id"], one["created_at"]) == ("1", datetime(2026, 3, 2, 9))
    assert one["first_reply_at"] == datetime(2026, 3, 2, 9, 30)  # 1,800,000 ms after
    assert one["solved_at"] == datetime(2026, 3, 2, 12)  # closed_date, a CLOSED stage
    assert (one["channel"], one["priority"], one["category"], one["agent_id"]) == (
        "email",
        "high",
        "billing_issue",
        "77",
    )
    assert two["solved_at"] is None  # back to New: its old closed_date is no longer true
    assert (two["customer_id"], two["channel"]) == ("2", "chat")
    answers = rows(ws, "survey_responses", "response_id")
    assert set(answers) == {"hubspot-1", "hubspot-2", "hubspot-3"}  # the custom one is not
    scales = {
        a["question_type"]: (a["score"], a["scale_min"], a["scale_max"], a["polarity"])
        for a in answers.values()
    }
    assert scales == {
        "nps": (9, 0, 10, "high_is_good"),
        "csat": (4, 1, 5, "high_is_good"),
        "ces": (6, 1, 7, "high_is_easy"),
    }
    nps = answers["hubspot-1"]
    assert (nps["customer_id"], nps["comment"], nps["survey_id"], nps["channel"]) == (
        "2",
        "Comment 1",
        "hubspot-12",
        "email",
    )
    assert nps["responded_at"] == datetime(2026, 3, 3, 10)
    first = account.searches()[0]
    assert first["filterGroups"] == [
        {"filters": [{"propertyName": "lastmodifieddate", "operator": "GTE", "value": "0"}]}
    ]
    assert first["sorts"] == [{"propertyName": "lastmodifieddate", "direction": "ASCENDING"}]
    assert first["limit"] == PAGE_SIZE == 200


def test_the_next_sync_reads_changes_since_the_cursor_and_deletes_archived_objects(
    ws: Workspace, hubspot: Account
) -> None:
    account, _ = hubspot
    sync(ws)
    newest = hs.ms(4) + 9  # the last of the nine objects put
    assert get_source(ws, "crm").cursor["contacts"]["since"] == hs.ms(4) + 3
    assert get_source(ws, "crm").cursor["feedback_submissions"]["since"] == newest
    account.bodies.clear()
    account.posts.clear()
    # each stream's last millisecond is read again: the same rows, nothing written
    assert sync(ws).rows == 0
    account.put("contacts", 2, hs.contact(2, email="new@example.com"))
    account.archive("contacts", 3, at=hs.ms(5))
    account.put("tickets", 3, hs.ticket(3), contact=1)
    report = sync(ws)
    assert nonzero(report.deleted) == {"customers": 1}
    customers = rows(ws, "customers", "customer_id")
    assert sorted(customers) == ["1", "2"] and customers["2"]["email"] == "new@example.com"
    assert sorted(rows(ws, "tickets", "ticket_id")) == ["hubspot-1", "hubspot-2", "hubspot-3"]
    assert report.new.get("tickets") == 1
    contacts_query = account.searches()[0]["filterGroups"][0]["filters"][0]
    assert contacts_query["value"] == str(hs.ms(4) + 3)


def test_hubspot_tickets_never_overwrite_nor_delete_another_source_s_ticket_of_that_id(
    ws: Workspace, hubspot: Account, tmp_path: Path
) -> None:
    """Zendesk's ticket 1 and HubSpot's ticket 1 are two tickets."""
    account, _ = hubspot
    other = tmp_path / "zendesk.csv"
    other.write_text("ticket_id,created_at,subject\n1,2026-03-01 08:00,From Zendesk\n")
    ws.import_file(other, "tickets")
    sync(ws)
    tickets = rows(ws, "tickets", "ticket_id")
    assert tickets["1"]["subject"] == "From Zendesk"
    assert tickets["hubspot-1"]["subject"] == "Ticket 1"
    account.archive("tickets", 1, at=hs.ms(5))
    assert nonzero(sync(ws).deleted) == {"tickets": 1}
    tickets = rows(ws, "tickets", "ticket_id")
    assert "hubspot-1" not in tickets and tickets["1"]["subject"] == "From Zendesk"


def test_a_sync_close_to_now_starts_the_next_one_back_by_the_index_lag(
    ws: Workspace, hubspot: Account
) -> None:
    sync(ws)
    later = datetime(2026, 3, 4, 9, 0, 1)  # a second after the writes
    sync_source(ws, "crm", now=later, sleep=lambda _: None)
    since = get_source(ws, "crm").cursor["contacts"]["since"]
    assert since == hs.ms(4) + 1000 - INDEX_LAG_MS


def test_pages_follow_the_modified_time_and_a_millisecond_of_a_bulk_import_is_read_by_id(
    ws: Workspace, hubspot: Account
) -> None:
    """250 contacts at distinct times, then 450 changed in one millisecond: no query pages
    with ``after`` (so none nears the 10,000 results of one query), every contact once."""
    account, _ = hubspot
    for n in range(10, 260):
        account.put("contacts", n, hs.contact(n))
    sync(ws)
    searches = [
        b for b in account.searches() if b["sorts"][0]["propertyName"] == "lastmodifieddate"
    ]
    assert [s["filterGroups"][0]["filters"][0]["value"] for s in searches] == [
        "0",
        str(hs.ms(4) + 206),  # the 200th: read again by the second query
    ]
    assert all("after" not in s for s in account.searches())
    account.bodies.clear()
    account.posts.clear()
    bulk = hs.ms(6)
    for n in range(1, 451):
        account.put("contacts", 1000 + n, hs.contact(1000 + n), at=bulk)
    report = sync(ws)
    asked = [
        s["filterGroups"][0]["filters"] for s in account.searches() if s["properties"][0] == "email"
    ]
    assert [[(f["operator"], f["value"]) for f in q] for q in asked] == [
        [("GTE", str(hs.ms(4) + 259))],  # the last sync's newest contact
        [("GTE", str(bulk))],  # a whole page in one millisecond ...
        [("EQ", str(bulk)), ("GT", "0")],  # ... is read through by object id
        [("EQ", str(bulk)), ("GT", "1200")],
        [("EQ", str(bulk)), ("GT", "1400")],
        [("GT", str(bulk))],  # then strictly after it
    ]
    assert report.new["customers"] == 450
    assert ws.store.table("customers").count().execute() == 253 + 450
    assert get_source(ws, "crm").cursor["contacts"] == {"since": bulk, "strict": True}


@settings(max_examples=30, deadline=None)
@given(
    times=st.lists(st.integers(0, 4), max_size=30),
    page=st.integers(1, 5),
    stop=st.integers(1, 12),
)
def test_every_object_is_read_whatever_the_ties_the_page_size_and_where_a_sync_stops(
    times: list[int], page: int, stop: int
) -> None:
    """Contacts modified in few distinct milliseconds, pages of 1 to 5, a sync stopped after
    ``stop`` pages and resumed from the cursor of its last page: every contact is read, and
    the search ends (each query moves the time or the id forward)."""
    account = hs.HubSpot()
    for n, t in enumerate(times, start=1):
        account.put("contacts", n, hs.contact(n), at=hs.ms(4) + t)
    seen: set[str] = set()
    with hs.serve(account) as url, pytest.MonkeyPatch.context() as patch:
        patch.setattr(connector_module, "PAGE_SIZE", page)
        cursor = None
        for attempt in (1, 2):
            http = Http(
                "crm",
                url,
                TokenHeader("Authorization", hs.TOKEN, "Bearer"),
                "HUBSPOT_TOKEN",
                sleep=lambda _: None,
            )
            for number, got in enumerate(
                HubSpot("crm", {}, http, hs.now()).pages("contacts", cursor), 1
            ):
                seen |= {str(r["customer_id"]) for r in got.rows.get("customers", [])}
                cursor = got.cursor
                if attempt == 1 and number == stop:
                    break  # killed here: the next sync starts from this page's cursor
            http.close()
    assert seen == {str(n) for n in range(1, len(times) + 1)}
    assert len(account.searches()) <= 2 * (len(times) + len(set(times))) + 4


def test_a_sync_killed_mid_way_resumes_with_nothing_lost_or_duplicated(
    ws: Workspace, hubspot: Account
) -> None:
    """A real `kill -9` of `cxpulse sources sync` while it waits for the second page of
    contacts: the first page and its cursor are committed; the next sync searches from the
    first page's newest time and ends with every contact once."""
    account, _ = hubspot
    for n in range(10, 260):
        account.put("contacts", n, hs.contact(n))
    location = ws.store.location
    ws.close()
    kill_mid_sync(account, location, "crm", {"HUBSPOT_TOKEN": hs.TOKEN}, at=2)

    ws = Workspace.open(location)
    assert ws.store.table("customers").count().execute() == 200
    assert get_source(ws, "crm").cursor["contacts"]["since"] == hs.ms(4) + 206
    account.bodies.clear()
    account.posts.clear()
    sync(ws)
    assert account.searches()[0]["filterGroups"][0]["filters"][0]["value"] == str(hs.ms(4) + 206)
    assert ws.store.table("customers").count().execute() == 253
    assert ws.store.table("tickets").count().execute() == 2


def test_a_429_storm_backs_off_exponentially_as_hubspot_sends_no_retry_after(
    ws: Workspace, hubspot: Account
) -> None:
    account, _ = hubspot
    account.throttle = 5
    said: list[str] = []
    report = sync(ws, progress=said.append)
    backoff = [line.split("trying again in ")[1].split(" s")[0] for line in said if "429" in line]
    assert backoff == ["1", "2", "4", "8", "16"]  # the pacing's own waits are told apart
    assert report.new["customers"] == 3 and report.new["survey_responses"] == 3


def test_requests_keep_to_the_search_apis_five_a_second(ws: Workspace, hubspot: Account) -> None:
    account, _ = hubspot
    sync_source(ws, "crm", now=hs.now())  # the real clock
    times = account.times
    assert len(times) >= 9  # three searches, two association reads, pipelines, 3 archived
    # any six requests in a row span a second at least: five a second, never more
    assert min(times[i + 5] - times[i] for i in range(len(times) - 5)) >= 0.95


def test_a_revoked_token_is_one_line_naming_the_source_and_the_variable(
    ws: Workspace, hubspot: Account
) -> None:
    account, _ = hubspot
    account.token = "pat-na1-rotated"
    with pytest.raises(SourceAuthError) as caught:
        sync(ws)
    message = str(caught.value)
    assert "\n" not in message and hs.TOKEN not in message
    assert message.startswith("source 'crm': the vendor refused its token (401")
    assert "the environment variable HUBSPOT_TOKEN" in message
    assert get_source(ws, "crm").last_error == message
    assert get_source(ws, "crm").cursor == {}


def test_unknown_properties_are_ignored_missing_ones_empty_and_a_row_missing_a_required_one_skipped(
    ws: Workspace, hubspot: Account
) -> None:
    account, _ = hubspot
    surprise = hs.ticket(5, shiny_new_property="x")
    del surprise["hs_ticket_priority"], surprise["time_to_first_agent_reply"]
    account.put("tickets", 5, surprise)
    account.put("contacts", 7, {k: v for k, v in hs.contact(7).items() if k != "createdate"})
    account.objects["contacts"]["7"]["createdAt"] = None
    report = sync(ws)
    five = rows(ws, "tickets", "ticket_id")["hubspot-5"]
    assert (five["priority"], five["first_reply_at"], five["customer_id"]) == (None, None, None)
    assert "7" not in rows(ws, "customers", "customer_id")
    assert report.skipped_rows == [
        {"table": "customers", "id": "7", "reason": "created_at: required; this cell is empty"}
    ]


def test_cli_sources_add_hubspot_then_sync(
    tmp_path: Path, hubspot: Account, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, url = hubspot
    db = str(tmp_path / "cli.duckdb")
    Workspace.init(db).close()
    monkeypatch.setenv("HUBSPOT_TOKEN", hs.TOKEN)
    runner = CliRunner()
    for args in (
        ["sources", "add", "hubspot", "crm", "--token-env", "HUBSPOT_TOKEN", "--base-url", url],
        ["sources", "sync", "crm"],
    ):
        result = runner.invoke(app, [*args, "-w", db])
        assert result.exit_code == 0, result.stdout + result.stderr
    assert "customers: 3 new" in result.stdout
    assert hs.TOKEN not in result.stdout + result.stderr


# -- webhooks ---------------------------------------------------------------------------------
def event(kind: str, object_id: int, at: int, **extra: Any) -> dict[str, Any]:
    """One event of a v3 delivery as https://developers.hubspot.com/docs/api/webhooks shows."""
    return {
        "eventId": at % 1000 + object_id,
        "subscriptionId": 4321,
        "portalId": 62515,
        "appId": 54321,
        "occurredAt": at,
        "subscriptionType": kind,
        "attemptNumber": 0,
        "objectId": object_id,
        "changeSource": "CRM",
        **extra,
    }


def test_a_delivery_maps_creations_one_column_changes_and_a_closed_ticket() -> None:
    payload = [
        event(
            "ticket.propertyChange",
            8,
            hs.ms(5, 10),
            propertyName="hs_pipeline_stage",
            propertyValue="4",
        ),
        event("ticket.creation", 8, hs.ms(5, 9)),
        event(
            "contact.propertyChange",
            3,
            hs.ms(5, 9),
            propertyName="email",
            propertyValue="x@example.com",
        ),
        event(
            "contact.propertyChange", 3, hs.ms(5, 9), propertyName="firstname", propertyValue="Ada"
        ),
        event(
            "ticket.propertyChange",
            9,
            hs.ms(5, 11),
            propertyName="hs_pipeline_stage",
            propertyValue="2",
        ),
    ]
    mapped = webhook_event("hooks", Verified("d1", "ticket.propertyChange", payload))
    tickets = {r["ticket_id"]: r for r in mapped.rows["tickets"]}
    assert tickets["hubspot-8"] == {
        "ticket_id": "hubspot-8",
        "source": "hooks",
        "created_at": "2026-03-05T09:00:00+00:00",
        "solved_at": "2026-03-05T10:00:00+00:00",
    }
    assert tickets["hubspot-9"] == {  # reopened
        "ticket_id": "hubspot-9",
        "source": "hooks",
        "solved_at": None,
    }
    assert mapped.rows["customers"] == [
        {"customer_id": "3", "source": "hooks", "email": "x@example.com"}
    ]  # a name needs both of its parts: the next sync
    nothing = webhook_event(
        "hooks", Verified("d2", "contact.deletion", [event("contact.deletion", 3, hs.ms(5))])
    )
    assert (nothing.rows, nothing.note) == ({}, NOT_MAPPED)


def test_a_signed_delivery_closes_a_synced_ticket(ws: Workspace, hubspot: Account) -> None:
    """Through the receiver: the signature checked, the event stored, solved_at set on the
    ticket the sync wrote (its other columns kept), which the ticket_solved trigger reads."""
    sync(ws)
    add_source(
        ws, "webhook", "hooks", {"vendor": "hubspot"}, reference(env="HUBSPOT_SECRET"), hs.now()
    )
    at = hs.now()
    closed = event(
        "ticket.propertyChange",
        2,
        hs.ms(10, 11),
        propertyName="hs_pipeline_stage",
        propertyValue="4",
    )
    body = json.dumps([closed]).encode()
    headers = {k.lower(): v for k, v in sign("hubspot", body, at).items()}
    received = receive(
        ws,
        "hooks",
        Delivery("POST", HOOK_URL, headers, body),
        at,
        {"HUBSPOT_SECRET": SECRETS["hubspot"]},
    )
    assert received.new and received.mapped == "tickets: 1"
    two = rows(ws, "tickets", "ticket_id")["hubspot-2"]
    assert two["solved_at"] == datetime(2026, 3, 10, 11)
    assert (two["customer_id"], two["subject"], two["source"]) == ("2", "Ticket 2", "hooks")
