"""Export and erasure on a PostgreSQL workspace: the same SQL, the same result, one transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from cxpulse import Workspace
from cxpulse.accounts.audit import entries
from cxpulse.customers import CustomerNotFound, customer_view, erase_customer, export_customer
from tests.customers.helpers import alice
from tests.customers.test_privacy import strings, traces
from tests.postgres.conftest import pg_server, pg_url, pg_ws  # noqa: F401  (real PostgreSQL)

NOW = datetime(2026, 11, 2, 9, 30)


def test_erasure_on_postgres(pg_ws: Workspace, monkeypatch: Any) -> None:  # noqa: F811
    alice(pg_ws)
    assert customer_view(pg_ws, "alice").counts["response"] == 2
    assert export_customer(pg_ws, "alice")["row_counts"]["web_events"] == 3
    before = strings(pg_ws)
    nps = pg_ws.metric("nps", by="all")

    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr("cxpulse.accounts.audit.record", broken)
    with pytest.raises(RuntimeError):
        erase_customer(pg_ws, "alice", "admin", NOW)
    assert strings(pg_ws) == before
    monkeypatch.undo()
    done = erase_customer(pg_ws, "alice", "admin", NOW)
    assert done.rows["survey_responses"] == 2 and traces(pg_ws) == {}
    assert pg_ws.metric("nps", by="all")["n"].tolist() == nps["n"].tolist()
    assert entries(pg_ws, "alice").action.tolist() == ["customer.erase"]
    with pytest.raises(CustomerNotFound):
        export_customer(pg_ws, "alice")
