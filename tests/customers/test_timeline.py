"""One customer's timeline: every table that names them, in time order, nobody else's rows."""

from __future__ import annotations

from datetime import timedelta

import pytest

from cxpulse import Workspace
from cxpulse.customers import CustomerNotFound, customer_view, find_customers
from tests.customers.helpers import COMMENT, T0, alice


def test_every_kind_of_row_is_on_the_timeline_in_time_order(ws: Workspace) -> None:
    alice(ws)
    view = customer_view(ws, "alice")
    assert view.counts == {
        "signup": 1, "subscription": 1, "order": 2, "invitation": 1, "response": 2,
        "ticket": 2, "web": 2, "mention": 1, "loyalty": 1, "event": 1,
        "survey_decision": 1, "case": 2, "tag": 1, "churn": 1, "clv": 1,
    }  # fmt: skip
    ats = [i.at for i in view.items]
    assert ats == sorted(ats)
    assert view.items[0].kind == "signup" and view.items[0].at == T0
    response = next(i for i in view.items if i.ref == "RA1")
    assert (response.title, response.detail) == ("NPS 2/10 (delivery)", COMMENT)
    assert [i.title for i in view.items if i.ref == "O1"] == ["Order O1", "Order O1 delivered"]
    note = next(i for i in view.items if i.title.startswith("Note on case"))
    assert note.detail == "Called Alice on her mobile"
    assert view.tags == ["detractor"]
    assert (view.churn_risk, view.predicted_clv) == (0.72, 310.0)
    # bob's answer and bob's visit are not alice's
    assert "RB1" not in {i.ref for i in view.items}


def test_cases_can_be_limited_to_those_a_viewer_may_see(ws: Workspace) -> None:
    alice(ws)
    every = [i for i in customer_view(ws, "alice").items if i.kind == "case"]
    assert every
    assert [i for i in customer_view(ws, "alice", case_visible=lambda c: True).items
            if i.kind == "case"] == every  # fmt: skip
    none = customer_view(ws, "alice", case_visible=lambda c: False)
    assert "case" not in none.counts  # the cases and their notes
    assert none.counts == {
        k: n for k, n in customer_view(ws, "alice").counts.items() if k != "case"
    }


def test_web_visits_include_hits_before_logging_in(ws: Workspace) -> None:
    alice(ws)
    view = customer_view(ws, "alice")
    visits = [i for i in view.items if i.kind == "web"]
    # W1 (anonymous) and W2 (logged in) are one session of cookie-a; W3, 12 days later, another
    assert [v.title for v in visits] == ["Website visit: 2 pages", "Website visit: 1 page"]
    assert "landed on /pricing" in visits[0].detail
    assert visits[1].at == T0 + timedelta(days=20)
    assert view.web["sessions"] == 2 and view.web["pageviews"] == 3


def test_newest_first_json_and_unknown_customers(ws: Workspace) -> None:
    alice(ws)
    newest = customer_view(ws, "alice", newest_first=True)
    assert newest.items[0].kind in {"churn", "clv"} and newest.items[-1].kind == "signup"
    data = newest.as_dict()
    assert data["customer"]["created_at"] == T0.isoformat()
    assert data["items"][-1] == {"at": T0.isoformat(), "kind": "signup", "title": "Signed up",
                                 "detail": "smb · pro · FR · fr", "ref": "alice"}  # fmt: skip
    with pytest.raises(CustomerNotFound, match="no customer 'carol'"):
        customer_view(ws, "carol")


def test_search_by_id_email_or_name_any_case(ws: Workspace) -> None:
    alice(ws)
    assert find_customers(ws, "ALICE.MARTIN@")[0].customer_id.tolist() == ["alice"]
    assert find_customers(ws, "stone")[0].customer_id.tolist() == ["bob"]
    rows, total = find_customers(ws, "", limit=1, offset=1)
    assert total == 2 and rows.customer_id.tolist() == ["bob"]
    assert find_customers(ws, "nobody")[1] == 0
