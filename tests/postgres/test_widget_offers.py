"""Widget offer counters and an anonymous visitor's first answer on PostgreSQL (the ibis path of
the keyed writes, under the advisory locks)."""

from __future__ import annotations

from pathlib import Path

from cxpulse import Workspace
from cxpulse.surveys.store import add_survey
from cxpulse.surveys.widget import record_widget_answer, widget_survey
from cxpulse.surveys.widget_offers import offers_shown
from tests.surveys.helpers import write
from tests.surveys.test_run import NOW, customers
from tests.surveys.test_widget import CHECKOUT


def test_counters_and_a_visitors_first_answer(pg_ws: Workspace, tmp_path: Path) -> None:
    customers(pg_ws)
    add_survey(pg_ws, write(tmp_path, "checkout", CHECKOUT), NOW)
    offers = [widget_survey(pg_ws, "/cart?x=1", NOW, visitor_id=f"visitor-{i}") for i in range(3)]
    assert all(o is not None for o in offers)
    assert [(r["page"], r["shown"]) for r in offers_shown(pg_ws)] == [("/cart", 3)]
    first = offers[0]
    assert first is not None
    record_widget_answer(pg_ws, first.token, {"effort": {"score": 5}}, NOW)
    record_widget_answer(pg_ws, first.token, {"why": {"comment": "ok"}}, NOW)
    assert pg_ws.store.table("survey_deliveries").count().execute() == 1
    assert pg_ws.table("survey_invitations").count().execute() == 0
    assert pg_ws.table("survey_responses").count().execute() == 2
