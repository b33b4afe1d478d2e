"""Case states, notes, the re-survey event and the follow-up metrics."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from cxpulse import Workspace
from cxpulse.automations import (
    CaseError,
    add_note,
    cases,
    first_contact,
    move,
    recovery_rate,
    run_rules,
    sla_summary,
)
from cxpulse.automations.cases import notes
from tests.automations.helpers import DETRACTOR, T0, people, rule
from tests.automations.test_rules import nps


def opened(ws: Workspace, tmp_path: Path) -> dict[str, str]:
    people(ws)
    rule(ws, tmp_path, DETRACTOR)
    nps(ws, "bob", 3, 1)
    nps(ws, "carl", 5, 1)
    run_rules(ws, T0 + timedelta(hours=2))
    return {r.customer_id: r.case_id for r in cases(ws).itertuples()}


def test_states_move_one_step_at_a_time(ws: Workspace, tmp_path: Path) -> None:
    ids = opened(ws, tmp_path)
    bob = ids["bob"]
    with pytest.raises(CaseError, match=f"cases ack {bob}"):
        move(ws, bob, "contacted", T0)
    move(ws, bob, "acknowledged", T0 + timedelta(hours=3))
    with pytest.raises(CaseError, match="cannot become acknowledged"):
        move(ws, bob, "acknowledged", T0 + timedelta(hours=3))
    move(ws, bob, "contacted", T0 + timedelta(hours=4))
    with pytest.raises(CaseError, match="--root-cause"):
        move(ws, bob, "resolved", T0 + timedelta(hours=5))
    add_note(ws, bob, "Called; the parcel was lost.", T0 + timedelta(hours=4))
    row = move(ws, bob, "resolved", T0 + timedelta(hours=5), root_cause="delivery")
    assert row["state"] == "resolved" and row["root_cause"] == "delivery"
    with pytest.raises(CaseError, match="already resolved"):
        move(ws, bob, "resolved", T0 + timedelta(hours=6), root_cause="x")
    assert list(notes(ws, bob).text) == ["Called; the parcel was lost."]
    events = ws.store.table("survey_events").execute()
    assert list(events.name) == ["case_resolved"] and list(events.customer_id) == ["bob"]
    with pytest.raises(CaseError, match="cases list"):
        move(ws, "CASE-NOPE", "acknowledged", T0)


def test_first_contact_sla_and_recovery(ws: Workspace, tmp_path: Path) -> None:
    ids = opened(ws, tmp_path)
    move(ws, ids["bob"], "acknowledged", T0 + timedelta(hours=3))
    move(ws, ids["bob"], "contacted", T0 + timedelta(hours=12))  # 10 h after opening
    per_case = first_contact(ws, T0 + timedelta(hours=10)).set_index("customer_id")
    assert per_case.loc["bob", "hours_to_first_contact"] == 10
    assert per_case.loc["bob", "within_sla"] is True
    assert per_case.loc["carl", "within_sla"] is None  # not due yet: undecided
    summary = sla_summary(ws, T0 + timedelta(hours=30)).iloc[0]  # carl is now late
    assert (summary.cases, summary.decided, summary.within_sla) == (2, 2, 1)
    assert summary.share_within_sla == 50

    nps(ws, "bob", 8, 48)  # higher than 3: recovered
    nps(ws, "carl", 4, 48)  # lower than 5: not
    rate = recovery_rate(ws).iloc[0]
    assert (rate.detractor_cases, rate.answered_again, rate.recovered) == (2, 2, 1)
    assert rate.recovery_rate == 50
