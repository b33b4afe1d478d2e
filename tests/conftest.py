"""Shared fixtures: real DuckDB workspaces in a temporary folder."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings

from cxpulse import Workspace, schema
from tests.chromium import browser  # noqa: F401  (one Chromium per session, for every folder)

# No time limit per example: speed is measured in benchmarks/, and a shared CI machine made a
# 20 ms example take 314 ms (hypothesis' default 200 ms deadline failed a correct test).
settings.register_profile("cxpulse", deadline=None)
settings.load_profile("cxpulse")

_ids = itertools.count()

DEFAULTS: dict[str, dict[str, Any]] = {
    "survey_responses": {
        "question_type": "nps",
        "scale_min": 0,
        "scale_max": 10,
        "polarity": "high_is_good",
        "source": "test",
    },
    "customers": {"created_at": datetime(2024, 1, 1), "source": "test"},
    "survey_invitations": {"channel": "email", "delivered": True, "source": "test"},
}


def add_rows(ws: Workspace, table: str, rows: list[dict[str, Any]]) -> None:
    """Insert canonical rows directly (no ingest), filling keys and defaults."""
    tab = schema.table(table)
    full = []
    for row in rows:
        values = {c: None for c in tab.names}
        values.update(DEFAULTS.get(table, {}))
        values[tab.key] = f"{tab.key[:2].upper()}{next(_ids)}"
        values.update(row)
        full.append(values)
    import ibis
    import pandas as pd

    frame = pd.DataFrame(full, columns=tab.names)
    # through the store's writes, as the library writes: the derived tables follow
    ws.store.insert(table, ibis.memtable(frame, schema=ibis.schema(tab.ibis_schema())))


@pytest.fixture
def ws(tmp_path: Path) -> Iterator[Workspace]:
    with Workspace.init(tmp_path / "ws.duckdb", timezone="Europe/Paris") as workspace:
        yield workspace


def pending_own_invitations(ws: Workspace, every: int = 7) -> None:
    """Make every ``every``-th demo invitation one cxpulse sent itself and still waiting in
    the outbox (delivered unknown), so response_rate's outbox rule is exercised too."""
    from cxpulse.schema import SURVEY_SENDER

    ws.store.con.raw_sql(
        f"UPDATE survey_invitations SET source = '{SURVEY_SENDER}', delivered = NULL "
        f"WHERE hash(invitation_id) % {every} = 0"
    )
