"""Every metric compiles to SQL for warehouses we cannot run here (BigQuery, Snowflake).

Ibis compiles without the warehouses' drivers; a metric that used an operation a dialect lacks
would fail here (``OperationNotDefinedError``) before anyone tried it on a real warehouse. The
SQL is also parsed back with sqlglot in that dialect. Running it there is not tested: see
docs/BACKENDS.md for which backends are.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import ibis
import ibis.common.exceptions as ibis_errors
import ibis.expr.operations as ops
import pytest
import sqlglot

from cxpulse import Workspace
from cxpulse.demo.workspace import create_demo
from cxpulse.metrics import REGISTRY, engine, periods, selection

DIALECTS = ("bigquery", "snowflake")
EXACT_QUANTILES = (ops.Median, ops.Quantile, ops.MultiQuantile)
"""BigQuery has no exact median or percentile aggregate (only APPROX_QUANTILES), and Ibis 12
compiles none for it: the median and p90 variants cannot run there (docs/BACKENDS.md)."""
START, END = date(2025, 1, 1), date(2025, 6, 30)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    path = tmp_path_factory.mktemp("dialects") / "demo.duckdb"
    with create_demo(path, scale=0.005, seed=3, end=date(2026, 1, 1)) as ws:
        ws.set_setting("business_hours", "mon-fri 09:00-18:00")
        ws.set_setting("acquisition_costs.2025-03", "12000")
        yield ws


def metric_expression(ws: Workspace, name: str, variant: str) -> Any:
    """The Ibis query of one metric by month over START..END (what the engine executes)."""
    spec = REGISTRY.get(name)
    var = spec.variant(variant)
    if var.periodic is not None:
        ctx = engine.period_context(ws, spec, "month", [], {}, START, END, var.customer_columns)
        assert ctx is not None
        return var.periodic(ctx)
    zone = ws.settings.zone
    lo = periods.local_midnight_utc(START, zone)
    hi = periods.local_midnight_utc(END + timedelta(days=1), zone)
    t, _ = selection.attach_segments(ws, ws.table(spec.table), spec, [], var.customer_columns)
    ts = t[spec.time_column]
    t = var.prepare(t.filter((ts >= lo) & (ts < hi)), ws)
    spans = periods.offset_spans(zone, lo, hi)
    local = periods.local_time(t[spec.time_column], spans)
    t = t.mutate(_period=periods.period_start(local, "month"))
    assert var.aggregate is not None
    return var.aggregate(t, ["_period"])


CASES = [
    pytest.param(spec.name, variant, id=f"{spec.name}-{variant}")
    for spec in REGISTRY
    for variant in spec.variants
]


@pytest.mark.parametrize(("name", "variant"), CASES)
def test_every_metric_compiles_for_bigquery_and_snowflake(
    demo: Workspace, name: str, variant: str
) -> None:
    expr = metric_expression(demo, name, variant)
    for dialect in DIALECTS:
        if dialect == "bigquery" and expr.op().find(EXACT_QUANTILES):
            with pytest.raises(ibis_errors.OperationNotDefinedError, match="Median|Quantile"):
                ibis.to_sql(expr, dialect=dialect)
            continue
        sql = ibis.to_sql(expr, dialect=dialect)
        parsed = sqlglot.parse_one(str(sql), read=dialect)
        assert parsed.find(sqlglot.exp.Select) is not None, f"{name} ({variant}) on {dialect}"


def test_the_expression_is_the_one_the_engine_runs(demo: Workspace, tmp_path: Path) -> None:
    """The helper above rebuilds the engine's query: on DuckDB it gives the engine's numbers."""
    expected = demo.metric("nps", start=START, end=END)
    got = metric_expression(demo, "nps", "default").execute().sort_values("_period")
    assert got["n"].tolist() == expected["n"].tolist()
