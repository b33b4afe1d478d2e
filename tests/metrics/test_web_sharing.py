"""Workspace.sharing: where the sessions are not kept on write, the website metrics sessionise
the hits once per report; same numbers either way."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from cxpulse import Workspace
from cxpulse.metrics.spec import REGISTRY
from cxpulse.schema import DERIVED_VERSIONS_TABLE

WEB_METRICS = [n for n in REGISTRY.names() if REGISTRY.get(n).table == "web_events"]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from cxpulse.demo.workspace import create_demo

    path = tmp_path_factory.mktemp("share") / "demo.duckdb"
    create_demo(path, scale=0.01, end=date(2026, 6, 30)).close()
    return path


def test_shared_sessions_give_the_same_numbers(demo: Path) -> None:
    with Workspace.open(demo) as ws:
        kept = {n: ws.metric(n, by="quarter") for n in WEB_METRICS}
        with ws.sharing():
            ws.metric("bounce_rate", by="quarter")
            assert not ws._shared  # the sessions kept on write: nothing to derive
        # the raw path, as on a workspace whose sessions are not kept (Spark, out of date)
        ws.store.delete_where(DERIVED_VERSIONS_TABLE, {})
        alone = {n: ws.metric(n, by="quarter") for n in WEB_METRICS}
        before = set(ws.store.con.list_tables())
        with ws.sharing():
            shared = {n: ws.metric(n, by="quarter") for n in WEB_METRICS}
            assert len(ws._shared or {}) == 1  # one sessionisation for all of them
        assert set(ws.store.con.list_tables()) == before  # released at the end
    assert len(WEB_METRICS) >= 5
    for name in WEB_METRICS:
        pd.testing.assert_frame_equal(alone[name], shared[name])
        pd.testing.assert_frame_equal(alone[name], kept[name])


def test_outside_a_block_nothing_is_kept(demo: Path) -> None:
    with Workspace.open(demo) as ws:
        built: list[int] = []

        def build() -> object:
            built.append(1)
            return ws.store.table("web_events")

        ws.shared("k", build)
        ws.shared("k", build)
        assert len(built) == 2
        with ws.sharing(), ws.sharing():  # nested blocks share the outer one's results
            ws.shared("k", build)
            ws.shared("k", build)
        assert len(built) == 3


def test_what_is_shared_counts_as_read_by_each_result_using_it(tmp_path: Path) -> None:
    """A stored result computed after another built a shared table depends on that table's
    sources too (cxpulse.store.results), though it did not build it itself."""
    from cxpulse.store.results import reading

    with Workspace.open(tmp_path / "w.duckdb", create=True) as ws, ws.sharing():
        with reading() as first:
            ws.shared("hits", lambda: ws.table("web_events"))
        with reading() as second:
            ws.shared("hits", lambda: ws.table("web_events"))
    assert first == second == {"web_events"}
