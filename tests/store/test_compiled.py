"""The store's connections compile an equal Ibis expression to SQL once (real DuckDB)."""

from __future__ import annotations

from datetime import datetime

import ibis
import pandas as pd

from cxpulse import Workspace
from cxpulse.store.compiled import KEPT
from tests.conftest import add_rows


def _promoters(ws: Workspace) -> ibis.Expr:
    t = ws.table("survey_responses")  # a new expression each time, equal to the last
    return t.filter(t.score >= 9).count()


def test_an_equal_expression_reuses_its_sql_and_still_reads_the_data(ws: Workspace) -> None:
    con = ws.store.con
    sql = con.compile(_promoters(ws))
    kept = len(con._cxpulse_compiled)
    assert con.compile(_promoters(ws)) is sql  # the string kept, not compiled again
    assert len(con._cxpulse_compiled) == kept
    # the SQL names the table, so new rows are read
    add_rows(ws, "survey_responses", [{"score": 10, "responded_at": datetime(2025, 5, 1)}] * 3)
    assert _promoters(ws).execute() == 3


def test_a_different_expression_gets_its_own_sql(ws: Workspace) -> None:
    t = ws.table("survey_responses")
    con = ws.store.con
    assert con.compile(t.filter(t.score >= 9).count()) != con.compile(
        t.filter(t.score >= 7).count()
    )
    assert con.compile(t.limit(5), limit=2) != con.compile(t.limit(5))


def test_in_memory_tables_are_not_kept(ws: Workspace) -> None:
    con = ws.store.con
    rows = ibis.memtable(pd.DataFrame({"x": [1, 2, 3]}))
    before = len(con._cxpulse_compiled)
    con.compile(rows.x.sum())
    assert len(con._cxpulse_compiled) == before
    assert con.execute(rows.x.sum()) == 6


def test_only_the_most_recent_are_kept(ws: Workspace) -> None:
    t = ws.table("survey_responses")
    con = ws.store.con
    for i in range(KEPT + 5):
        con.compile(t.filter(t.score >= i).count())
    assert len(con._cxpulse_compiled) == KEPT
