"""The Zendesk connector's mapping: tickets and their metric sets, requesters, CSAT ratings."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from cxpulse import Workspace
from cxpulse.sources import CONNECTORS, get_source, sync_source
from cxpulse.sources.zendesk import RATING_LOOKBACK_DAYS, Zendesk
from tests.sources import zendesk_server as zs

Account = tuple[zs.Zendesk, str]


def sync(ws: Workspace) -> Any:
    return sync_source(ws, "support", now=zs.now(), sleep=lambda _: None)


def by_key(ws: Workspace, table: str, key: str) -> dict[str, dict[str, Any]]:
    return {r[key]: r for r in ws.store.table(table).to_pyarrow().to_pylist()}


def test_zendesk_is_a_registered_connector() -> None:
    assert CONNECTORS.builtins().get("zendesk") is Zendesk


def test_a_ticket_takes_its_times_from_the_metric_set_in_calendar_minutes(
    synced_ws: Workspace, zendesk: Account
) -> None:
    account, _ = zendesk
    account.change(zs.ticket(4, status="open", via={"channel": "voice"}), zs.metric_set(4, 45))
    sync(synced_ws)
    tickets = by_key(synced_ws, "tickets", "ticket_id")
    one = tickets["1"]
    assert one["created_at"] == datetime(2026, 3, 2, 9, 0)
    assert one["first_reply_at"] == datetime(2026, 3, 2, 9, 30)  # reply_time calendar 30
    assert one["first_solved_at"] == datetime(2026, 3, 2, 11, 0)  # first resolution 120
    assert one["solved_at"] == datetime(2026, 3, 2, 12, 0)
    assert (one["reopens"], one["agent_replies"]) == (1, 2)
    assert (one["channel"], one["team"], one["agent_id"]) == ("email", "Tier 1", "901")
    assert (one["priority"], one["subject"], one["source"]) == ("high", "Ticket 1", "support")
    four = tickets["4"]
    assert four["solved_at"] is None  # open again: not solved now
    assert four["first_reply_at"] == datetime(2026, 3, 2, 9, 45)
    assert four["channel"] == "phone"


def test_requesters_become_customers_agents_do_not(synced_ws: Workspace) -> None:
    sync(synced_ws)
    customers = by_key(synced_ws, "customers", "customer_id")
    assert set(customers) == {"5001", "5002", "5003"}
    c = customers["5001"]
    assert (c["name"], c["email"], c["language"], c["account_id"]) == (
        "Customer 5001", "c5001@example.com", "fr", "509974",
    )  # fmt: skip
    assert c["created_at"] == datetime(2025, 1, 10, 8, 0)


def test_good_and_bad_ratings_are_csat_answers_and_offered_ones_are_not(
    synced_ws: Workspace,
) -> None:
    sync(synced_ws)
    answers = by_key(synced_ws, "survey_responses", "response_id")
    assert set(answers) == {"zendesk-csat-7001", "zendesk-csat-7002"}  # 7003 only offered
    good, bad = answers["zendesk-csat-7001"], answers["zendesk-csat-7002"]
    assert (good["score"], bad["score"], good["scale_min"], good["scale_max"]) == (3, 1, 1, 3)
    assert (good["question_type"], good["polarity"]) == ("csat", "high_is_good")
    assert (good["ticket_id"], good["customer_id"], good["agent_id"]) == ("1", "5001", "901")
    assert (bad["comment"], bad["responded_at"]) == ("Trop lent", datetime(2026, 3, 3, 10, 0))
    csat = synced_ws.metric("csat", start="2026-03-01", end="2026-03-31")
    assert csat["value"].tolist() == [50.0]  # Zendesk's score: good / (good + bad)


def test_ratings_page_by_cursor_and_the_next_pass_looks_back(
    synced_ws: Workspace, zendesk: Account
) -> None:
    account, _ = zendesk
    account.ratings = [zs.rating(n, "good") for n in range(1, 251)]  # three pages of 100
    sync(synced_ws)
    asked = [account.asked(i) for i, p in enumerate(account.requests) if "satisf" in p]
    assert [a.get("page[after]") for a in asked] == [None, zs._cursor(100), zs._cursor(200)]
    assert all(a["score"] == "received" and a["page[size]"] == "100" for a in asked)
    assert synced_ws.store.table("survey_responses").count().execute() == 250
    since = get_source(synced_ws, "support").cursor["satisfaction_ratings"]["since"]
    assert since == zs.epoch("2026-03-10T00:00:00Z") - RATING_LOOKBACK_DAYS * 86_400


class FakeClock:
    """Seconds that pass only when the code sleeps: pacing tested without waiting."""

    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_the_incremental_export_keeps_to_zendesks_10_requests_a_minute(
    synced_ws: Workspace, zendesk: tuple[zs.Zendesk, str]
) -> None:
    """Zendesk documents 10 requests a minute for the incremental exports: 25 pages of tickets
    take two pauses (0-9 at once, 10-19 a minute later, 20-24 a minute after that), the other
    endpoints are not held, and no minute ever sees an eleventh export request."""
    account, _ = zendesk
    for n in range(4, 51):
        account.change(zs.ticket(n), zs.metric_set(n))  # 50 tickets, 2 a page: 25 pages
    clock, said = FakeClock(), []
    report = sync_source(synced_ws, "support", now=zs.now(), sleep=clock.sleep, clock=clock,
                         progress=said.append)  # fmt: skip
    exports = [r for r in account.requests if "/incremental/" in r]
    assert len(exports) == 25 and report.waits == 2
    assert clock.slept == [60.0, 60.0] and clock.now == 120.0
    assert any("allows 10 requests in 60 s" in line for line in said)
    assert synced_ws.store.table("tickets").count().execute() == 50


@settings(max_examples=50, deadline=None)
@given(gaps=st.lists(st.floats(min_value=0, max_value=20), min_size=1, max_size=40))
def test_paced_requests_never_exceed_the_limit_in_any_window(gaps: list[float]) -> None:
    """Whatever the time between requests, no 60 s window holds more than 10 of them."""
    from cxpulse.sources.http import Http

    clock = FakeClock()
    http = Http("s", "https://x.test", ("", ""), "env", sleep=clock.sleep, clock=clock,
                limits=Zendesk.rate_limits)  # fmt: skip
    sent = []
    for gap in gaps:
        clock.now += gap
        http._pace("/api/v2/incremental/tickets/cursor.json")
        sent.append(clock.now)
    assert all(sent[i + 10] - sent[i] >= 60 - 1e-9 for i in range(len(sent) - 10))
    http._pace("/api/v2/satisfaction_ratings")  # another endpoint: not held
    assert clock.now == sent[-1]
