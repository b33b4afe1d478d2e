"""The decision log's history: what the fatigue budget needs of the past, read in SQL."""

from __future__ import annotations

import tempfile
from datetime import datetime, timedelta
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from cxpulse import Workspace
from cxpulse.surveys import decisions
from cxpulse.surveys.fatigue import History
from tests.conftest import add_rows

T0 = datetime(2026, 1, 1)
invitations = st.lists(
    st.tuples(
        st.sampled_from(["C1", "C2", "C3"]),
        st.sampled_from(["nps", "csat", "ces"]),
        st.integers(0, 40),  # hours after T0: ties between surveys happen
    ),
    max_size=25,
)


@settings(max_examples=25, deadline=None)
@given(invitations, st.sets(st.sampled_from(["C1", "C2", "C3", "C9"])))
def test_history_is_the_row_by_row_history_of_its_customers(
    rows: list[tuple[str, str, int]], some: set[str]
) -> None:
    # the budget once read every invitation into Python (2.5M at scale 1, under the server's
    # lock every minute); grouped in SQL it must keep what record() made of each row, a tie
    # at one instant going to the greater survey id
    with tempfile.TemporaryDirectory() as tmp:
        ws = Workspace.init(Path(tmp) / "w.duckdb")
        try:
            if rows:
                add_rows(ws, "survey_invitations", [
                    {"customer_id": c, "survey_id": s, "sent_at": T0 + timedelta(hours=h)}
                    for c, s, h in rows
                ])  # fmt: skip
            expected = History()
            for c, s, h in sorted(rows, key=lambda r: (r[0], r[2], r[1])):
                expected.record(c, s, T0 + timedelta(hours=h))
            got = decisions.history(ws)
            assert got.last_any == expected.last_any
            assert got.last_by_survey == expected.last_by_survey
            only = decisions.history(ws, some, [])
            assert only.last_any == {c: v for c, v in expected.last_any.items() if c in some}
            assert only.last_by_survey == {
                k: v for k, v in expected.last_by_survey.items() if k[0] in some
            }
        finally:
            ws.close()


def test_history_names_few_customers_and_reads_all_for_many(ws: Workspace) -> None:
    add_rows(ws, "survey_invitations", [
        {"customer_id": f"C{i}", "survey_id": "nps", "sent_at": T0} for i in range(3)
    ])  # fmt: skip
    assert set(decisions.history(ws, ["C1"]).last_any) == {"C1"}
    assert decisions.history(ws, []).last_any == {}
    many = [f"X{i}" for i in range(decisions.LISTED + 1)]  # too many to name: all are read
    assert set(decisions.history(ws, many).last_any) == {"C0", "C1", "C2"}
