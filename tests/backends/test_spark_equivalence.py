"""Every registered metric gives the same numbers on DuckDB and on Spark.

The demo company (scale 0.01: 1,000 customers, 100k web hits, with a support schedule and
acquisition costs so that every variant has something to compute) is built into a DuckDB file,
exported with :func:`cxpulse.store.parquet.export_parquet` and read back by a local Spark
session through Ibis. Each metric then runs on both, by month: every variant over all rows, and
the default variant by the first segment the metric declares. Counts must be equal, values
within 1e-12 of the numbers' magnitude, NaN equal to NaN.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
import pytest

from cxpulse import Workspace, schema
from cxpulse.demo.workspace import create_demo
from cxpulse.metrics import REGISTRY
from cxpulse.store.parquet import export_parquet
from cxpulse.store.spark import open_spark_store
from tests.conftest import pending_own_invitations

pytestmark = pytest.mark.slow  # about 150 metric runs on each backend

RTOL = 1e-12
DEMO_END = date(2026, 1, 1)
SETTINGS = {
    "business_hours": "mon-fri 09:00-18:00; sat 10:00-13:00",
    "holidays": "2025-12-25, 05-01",
    "business_timezone": "America/New_York",  # a zone other than the workspace's (Paris)
    # cac and ltv_to_cac: a spend per period and a cost per customer of the demo's segments
    "acquisition_costs.2025-06": "12000",
    "acquisition_costs.consumer": "40",
    "acquisition_costs.office": "300",
    "acquisition_costs.reseller": "900",
}
SCALE_OF = {"ces": 7, "csat": 5}
"""Variants that refuse to average answers on different scales get the demo's main scale."""


@pytest.fixture(scope="module")
def pair(
    spark: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Workspace, Workspace]]:
    folder = tmp_path_factory.mktemp("spark")
    with create_demo(folder / "demo.duckdb", scale=0.01, seed=7, end=DEMO_END) as duck:
        for key, value in SETTINGS.items():
            duck.set_setting(key, value)
        pending_own_invitations(duck)
        export_parquet(duck, folder / "parquet")
        on_spark = Workspace(open_spark_store(folder / "parquet", session=spark))
        try:
            yield duck, on_spark
        finally:
            on_spark.close()


def test_spark_reads_every_row_and_the_settings(pair: tuple[Workspace, Workspace]) -> None:
    duck, on_spark = pair
    assert on_spark.counts() == duck.counts()
    assert min(duck.counts().values()) > 0
    assert on_spark.settings == duck.settings
    for name, tab in schema.TABLES.items():
        if name == "web_events":  # 100k rows: the web metrics below read them all anyway
            continue
        a = duck.table(name).order_by(tab.key).execute()
        b = on_spark.table(name).order_by(tab.key).execute()
        assert_same(a, b, f"table {name}")


def assert_same(a: pd.DataFrame, b: pd.DataFrame, what: str) -> None:
    assert list(a.columns) == list(b.columns), what
    assert len(a) == len(b), f"{what}: {len(a)} rows on DuckDB, {len(b)} on Spark"
    for col in a.columns:
        x, y = a[col].reset_index(drop=True), b[col].reset_index(drop=True)
        if pd.api.types.is_float_dtype(x) or pd.api.types.is_float_dtype(y):
            xf, yf = x.astype(float).to_numpy(), y.astype(float).to_numpy()
            # A change is a difference of two values: its rounding is that of the values.
            scale_of = a["value"] if col == "change" and "value" in a else x
            scale = np.nanmax(np.abs(scale_of.astype(float).to_numpy()), initial=0.0)
            ok = np.isclose(xf, yf, rtol=RTOL, atol=RTOL * scale, equal_nan=True)
            assert ok.all(), f"{what}, column {col}: {x[~ok].tolist()[:5]} != {y[~ok].tolist()[:5]}"
        else:
            xs = x.astype(object).where(x.notna(), None).tolist()
            ys = y.astype(object).where(y.notna(), None).tolist()
            assert xs == ys, f"{what}, column {col}"


CASES = [
    pytest.param(spec.name, variant, segment, id=f"{spec.name}-{variant}-{segment or 'total'}")
    for spec in REGISTRY
    for variant in spec.variants
    for segment in [None, *([spec.segments[0]] if spec.segments and variant == "default" else [])]
]


@pytest.mark.parametrize(("name", "variant", "segment"), CASES)
def test_every_metric_is_the_same_on_duckdb_and_spark(
    pair: tuple[Workspace, Workspace], name: str, variant: str, segment: str | None
) -> None:
    duck, on_spark = pair
    filters = {}
    if REGISTRY.get(name).variant(variant).single_scale:
        filters = {"scale_max": SCALE_OF[name]}
    expected = duck.metric(name, variant=variant, segment=segment, filters=filters)
    got = on_spark.metric(name, variant=variant, segment=segment, filters=filters)
    assert len(expected) > 0, f"{name}: the demo gives no rows, the comparison would be empty"
    assert_same(expected, got, f"{name} ({variant}) by month, segment {segment}")
