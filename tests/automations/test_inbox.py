"""The case inbox: agents see their own cases, analysts every case."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from cxpulse import Workspace
from cxpulse.automations import CaseError, cases, move
from cxpulse.automations.inbox import (
    CaseAccessDenied,
    case_for,
    case_with_notes,
    cases_for,
    count_for,
    overdue,
)
from tests.automations.helpers import T0
from tests.automations.test_cases import opened


def test_agents_see_only_their_cases(ws: Workspace, tmp_path: Path) -> None:
    ids = opened(ws, tmp_path)
    every = cases(ws)
    owners = dict(zip(every.case_id, every.owner, strict=True))
    assert len(every) == 2 and len(set(owners.values())) == 2
    bob_owner = owners[ids["bob"]]
    mine = cases_for(ws, bob_owner, all_cases=False)
    assert list(mine.case_id) == [ids["bob"]]
    assert len(cases_for(ws, "nobody", all_cases=False)) == 0
    assert sorted(cases_for(ws, "nobody", all_cases=True).case_id) == sorted(every.case_id)
    assert case_for(ws, ids["bob"], bob_owner, False)["customer_id"] == "bob"
    with pytest.raises(CaseAccessDenied, match="someone else"):
        case_for(ws, ids["carl"], bob_owner, False)
    row, notes = case_with_notes(ws, ids["carl"], "anyone", True)
    assert row["customer_id"] == "carl" and notes.empty


def test_state_filters_counts_paging_and_overdue(ws: Workspace, tmp_path: Path) -> None:
    ids = opened(ws, tmp_path)
    move(ws, ids["bob"], "acknowledged", T0 + timedelta(hours=3))
    assert list(cases_for(ws, "x", True, "acknowledged").case_id) == [ids["bob"]]
    assert list(cases_for(ws, "x", True, "open").case_id) == [ids["carl"]]
    assert len(cases_for(ws, "x", True, "active")) == 2
    with pytest.raises(CaseError, match="unknown state"):
        cases_for(ws, "x", True, "closed")
    assert count_for(ws, "x", True) == {"open": 1, "acknowledged": 1, "contacted": 0, "resolved": 0}
    first = cases_for(ws, "x", True, limit=1)
    second = cases_for(ws, "x", True, limit=1, offset=1)
    assert len(first) == len(second) == 1 and first.case_id[0] != second.case_id[0]
    assert list(cases_for(ws, "x", True, customer_id="carl").case_id) == [ids["carl"]]
    row = case_for(ws, ids["carl"], "x", True)
    assert not overdue(row, T0 + timedelta(hours=3))
    assert overdue(row, T0 + timedelta(hours=30))
