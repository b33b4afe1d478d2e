"""Triggers, the budget and the decision log on a real DuckDB workspace."""

from __future__ import annotations

import itertools
import tempfile
from datetime import datetime, timedelta
from pathlib import Path

import ibis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cxpulse import Workspace
from cxpulse.schema import SURVEY_DECISIONS_TABLE, SURVEY_EVENTS_TABLE
from cxpulse.surveys import run_surveys
from cxpulse.surveys.decisions import why
from cxpulse.surveys.manual import send_to_segment
from cxpulse.surveys.store import add_survey, surveys
from cxpulse.surveys.widget import widget_survey
from tests.conftest import add_rows
from tests.surveys.helpers import ONBOARDING_CES, RELATIONAL_NPS, SUPPORT_CSAT, write

NOW = datetime(2025, 6, 2, 10, 0)
SIGNUP = datetime(2025, 1, 1)


def customers(ws: Workspace) -> None:
    base = {"created_at": SIGNUP, "email_consent": True, "plan": "basic"}
    add_rows(
        ws,
        "customers",
        [
            {**base, "customer_id": "alice", "email": "a@x.io", "language": "fr-FR"},
            {**base, "customer_id": "bob", "email": "b@x.io", "language": "de"},
            {**base, "customer_id": "carol", "email": "c@x.io", "email_consent": None},
            {**base, "customer_id": "dan", "email": None},
            {**base, "customer_id": "erin", "email": "e@x.io", "plan": "pro",
             "created_at": NOW - timedelta(days=30, hours=2)},
        ],
    )  # fmt: skip


def setup(ws: Workspace, tmp_path: Path, *texts: str) -> None:
    customers(ws)
    for i, text in enumerate(texts):
        add_survey(ws, write(tmp_path, f"s{i}", text), NOW)


def test_ticket_solved_24_hours_later_and_only_recent_events(ws: Workspace, tmp_path: Path) -> None:
    setup(ws, tmp_path, SUPPORT_CSAT)
    add_rows(
        ws,
        "tickets",
        [
            {"ticket_id": "T1", "customer_id": "alice", "created_at": NOW - timedelta(days=2),
             "solved_at": NOW - timedelta(hours=25)},
            {"ticket_id": "T2", "customer_id": "bob", "created_at": NOW - timedelta(days=1),
             "solved_at": NOW - timedelta(hours=3)},  # not yet 24 hours
            {"ticket_id": "T3", "customer_id": "bob", "created_at": NOW - timedelta(days=90),
             "solved_at": NOW - timedelta(days=80)},  # too old to survey
            {"ticket_id": "T4", "customer_id": "carol", "created_at": NOW - timedelta(days=2),
             "solved_at": NOW - timedelta(hours=30)},  # no consent
        ],
    )  # fmt: skip
    report = run_surveys(ws, NOW)
    assert [(d.candidate.customer_id, d.outcome) for d in report.decisions] == [
        ("alice", "invited")
    ]
    inv = ws.table("survey_invitations").execute()
    assert list(inv.customer_id) == ["alice"] and list(inv.touchpoint) == ["support"]
    assert report.queued == 1  # no SMTP host: stays in the outbox
    again = run_surveys(ws, NOW + timedelta(hours=1), send=False)
    assert again.decisions == []  # the same trigger is never decided twice
    later = run_surveys(ws, NOW + timedelta(hours=22), send=False)
    assert [(d.candidate.customer_id, d.outcome) for d in later.decisions] == [("bob", "invited")]


def test_competing_surveys_budget_and_why(ws: Workspace, tmp_path: Path) -> None:
    setup(ws, tmp_path, SUPPORT_CSAT, RELATIONAL_NPS, ONBOARDING_CES)
    assert [s.id for s in surveys(ws)] == ["onboarding-ces", "relational-nps", "support-csat"]
    t = SIGNUP + timedelta(days=90, hours=1)  # the relational NPS's first cycle is due
    ticket = {"customer_id": "alice", "created_at": t - timedelta(days=2),
              "solved_at": t - timedelta(hours=25)}  # fmt: skip
    add_rows(ws, "tickets", [ticket])
    first = {
        (d.candidate.customer_id, d.candidate.survey_id): d for d in run_surveys(ws, t).decisions
    }
    assert first[("alice", "support-csat")].outcome == "invited"  # priority 10 beats 1
    assert first[("alice", "relational-nps")].reason == "lower_priority"
    assert first[("bob", "relational-nps")].outcome == "invited"
    assert ("carol", "relational-nps") not in first  # no email consent
    assert ("dan", "relational-nps") not in first  # no address

    t2 = t + timedelta(days=10)
    add_rows(ws, "tickets", [{"customer_id": "bob", "created_at": t2 - timedelta(days=2),
                              "solved_at": t2 - timedelta(hours=25)}])  # fmt: skip
    second = run_surveys(ws, t2).decisions
    assert [(d.candidate.customer_id, d.reason) for d in second] == [("bob", "fatigue")]

    answer = why(ws, "bob", t2, timedelta(days=30))
    assert [d["reason"] for d in answer.decisions] == ["invited", "fatigue"]
    assert answer.last_survey == "relational-nps"
    assert answer.next_eligible_at == t + timedelta(days=30)
    assert "at most one survey per 30 days" in answer.decisions[-1]["detail"]
    dan = why(ws, "dan", t2, timedelta(days=30))
    assert dan.next_eligible_at is None  # the budget would allow it, but...
    assert dan.audiences is not None and dan.audiences["support-csat"] == ["no email address"]
    carol = why(ws, "carol", t2, timedelta(days=30)).audiences
    assert carol is not None and carol["relational-nps"] == ["no email consent"]
    assert why(ws, "zoe", t2, timedelta(days=30)).audiences is None  # no such customer

    late = {d.candidate.customer_id: d for d in run_surveys(ws, NOW).decisions}
    assert late["erin"].candidate.survey_id == "onboarding-ces"  # 30 days after signup, pro


def test_named_events_from_the_events_table(ws: Workspace, tmp_path: Path) -> None:
    customers(ws)
    survey = SUPPORT_CSAT.replace("event: ticket_solved", "event: trial_ended").replace(
        "delay: 24 hours", "delay: 2 days"
    )
    add_survey(ws, write(tmp_path, "trial", survey), NOW)
    ws.store.con.insert(
        SURVEY_EVENTS_TABLE,
        ibis.memtable(
            [{"event_id": "E1", "customer_id": "bob", "name": "trial_ended",
              "occurred_at": NOW - timedelta(days=2, hours=1), "source": "test"}]
        ),
    )  # fmt: skip
    report = run_surveys(ws, NOW, send=False)
    assert [d.candidate.trigger_key for d in report.invited] == ["support-csat:bob:E1"]


PAGE_SURVEY = """
id: page-csat
touchpoint: knowledge base
priority: 3
min_gap_days: 45
channel: widget
widget: {pages: ["/help/*"]}
questions:
  - {id: helpful, type: csat, points: 5, text: "Did this page help?"}
"""
PRICING_NPS = RELATIONAL_NPS.replace("id: relational-nps", "id: pricing-nps").replace(
    "trigger: {every: 90 days}", "trigger: manual"
)
PEOPLE = ["alice", "bob", "erin"]  # those with an address and consent
# one step: (hours since the previous step, tickets solved that many hours before now,
# widget page views, a manual send to everyone or not)
steps = st.lists(
    st.tuples(
        st.integers(min_value=1, max_value=24 * 40),
        st.lists(st.tuples(st.sampled_from(PEOPLE), st.integers(0, 72)), max_size=4),
        st.lists(st.sampled_from(PEOPLE), max_size=3),
        st.booleans(),
    ),
    min_size=1,
    max_size=8,
)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=steps)
def test_one_budget_across_triggers_channels_and_manual_sends(
    steps: list[tuple[int, list[tuple[str, int]], list[str], bool]],
) -> None:
    """Every way to ask (an event trigger, a recurring survey, a manual send, the web widget),
    competing over time on one workspace: what is stored keeps the budget and the gaps, every
    trigger is decided once, each invitation has its logged decision, and `why` agrees."""
    with tempfile.TemporaryDirectory() as tmp, Workspace.init(Path(tmp) / "ws.duckdb") as ws:
        setup(ws, Path(tmp), SUPPORT_CSAT, RELATIONAL_NPS, PAGE_SURVEY, PRICING_NPS)
        window = timedelta(days=ws.settings.survey_fatigue_days)
        now = SIGNUP + timedelta(days=80)
        for hours, tickets, views, manual in steps:
            now += timedelta(hours=hours)
            rows = [{"customer_id": c, "created_at": now - timedelta(hours=ago + 5),
                     "solved_at": now - timedelta(hours=ago)} for c, ago in tickets]  # fmt: skip
            if rows:
                add_rows(ws, "tickets", rows)
            run_surveys(ws, now, send=False)
            for who in views:
                widget_survey(ws, "https://x.test/help/refunds", now, customer_id=who)
            if manual:
                send_to_segment(ws, "pricing-nps", {"plan": ["basic", "pro"]}, now)

        inv = ws.table("survey_invitations").execute().sort_values("sent_at")
        log = ws.store.con.table(SURVEY_DECISIONS_TABLE).execute()
        gaps = {s.id: timedelta(days=s.min_gap_days) for s in surveys(ws)}
        for customer, asked in inv.groupby("customer_id"):
            times = list(asked.sent_at)
            assert all(b - a >= window for a, b in itertools.pairwise(times)), customer
            for survey, again in asked.groupby("survey_id"):
                need = max(gaps[str(survey)], window)
                assert all(b - a >= need for a, b in itertools.pairwise(again.sent_at))
            free_at = times[-1] + window
            told = why(ws, str(customer), now, window).next_eligible_at
            assert told == (free_at if free_at > now else None)
        assert log.trigger_key.is_unique
        invited = log[log.outcome == "invited"]
        assert sorted(invited.invitation_id) == sorted(inv.invitation_id)
        skipped = log[log.outcome == "skipped"]
        assert (skipped.next_eligible_at > skipped.decided_at).all()
