"""The generated tables honour the canonical schema: columns, types, keys, choices, ranges."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from cxpulse import schema
from cxpulse.demo import DemoSpec, generate
from cxpulse.demo.arrow import arrow_schema

from .conftest import END, SCALE, Query

ARROW = {
    "string": pa.string(),
    "int": pa.int64(),
    "float": pa.float64(),
    "bool": pa.bool_(),
    "timestamp": pa.timestamp("us"),
}


def test_one_table_per_canonical_table_with_exact_columns_and_types(
    tables: dict[str, Any],
) -> None:
    assert list(tables) == list(schema.TABLES)
    for name, table in tables.items():
        expected = [(c.name, ARROW[c.kind]) for c in schema.table(name).columns]
        assert [(f.name, f.type) for f in table.schema] == expected, name
        assert table.schema.equals(arrow_schema(name))
        assert table.num_rows > 0, name


def test_timestamps_are_naive_utc_microseconds(tables: dict[str, Any]) -> None:
    for table in tables.values():
        for field in table.schema:
            if pa.types.is_timestamp(field.type):
                assert field.type.tz is None and field.type.unit == "us"


def test_natural_keys_are_unique_and_required_columns_filled(tables: dict[str, Any]) -> None:
    for name, table in tables.items():
        spec = schema.table(name)
        key = table.column(spec.key)
        assert key.null_count == 0
        assert pc.count_distinct(key).as_py() == table.num_rows, name
        for col in spec.columns:
            if col.required:
                assert table.column(col.name).null_count == 0, f"{name}.{col.name}"


def test_choices_and_ranges_hold(tables: dict[str, Any]) -> None:
    for name, table in tables.items():
        for col in schema.table(name).columns:
            values = table.column(col.name)
            if col.choices is not None:
                seen = set(pc.unique(values.drop_null()).to_pylist())
                assert seen <= set(col.choices), f"{name}.{col.name}: {seen - set(col.choices)}"
            if col.min is not None and len(values.drop_null()):
                assert pc.min(values).as_py() >= col.min, f"{name}.{col.name}"
            if col.max is not None and len(values.drop_null()):
                assert pc.max(values).as_py() <= col.max, f"{name}.{col.name}"


def test_source_is_demo(tables: dict[str, Any]) -> None:
    for name, table in tables.items():
        if "source" in table.column_names:
            assert pc.unique(table.column("source")).to_pylist() == ["demo"], name


def test_customer_ids_look_like_c000123_and_every_reference_exists(
    tables: dict[str, Any], sql: Query
) -> None:
    ids = tables["customers"].column("customer_id").to_pylist()
    assert ids[0] == "C000001" and all(len(i) == 7 and i.startswith("C") for i in ids)
    for name in schema.TABLES:
        if name == "customers":
            continue
        orphans = sql(
            f"select count(*) n from {name} t where t.customer_id is not null "
            "and t.customer_id not in (select customer_id from customers)"
        ).n[0]
        assert orphans == 0, name


def test_activity_lies_inside_the_24_months(sql: Query) -> None:
    start = dt.datetime(2024, 1, 1)
    end = dt.datetime.combine(END, dt.time())
    for name, column in [
        ("orders", "ordered_at"),
        ("survey_invitations", "sent_at"),
        ("survey_responses", "responded_at"),
        ("tickets", "created_at"),
        ("web_events", "occurred_at"),
        ("mentions", "posted_at"),
        ("loyalty_ledger", "occurred_at"),
    ]:
        lo, hi = sql(f"select min({column}) lo, max({column}) hi from {name}").iloc[0]
        assert lo >= start and hi < end, name
        assert (hi - lo).days > 700, name  # the whole window is used


def test_deterministic_for_a_seed_and_different_across_seeds() -> None:
    a = generate(0.003, seed=11, end=END)
    b = generate(0.003, seed=11, end=END)
    c = generate(0.003, seed=12, end=END)
    for name in schema.TABLES:
        assert a[name].equals(b[name]), name
    assert not a["survey_responses"].equals(c["survey_responses"])


def test_default_end_is_the_first_day_of_this_month() -> None:
    tabs = generate(0.002)
    this_month = dt.datetime.now(dt.UTC).date().replace(day=1)
    last = pc.max(tabs["web_events"].column("occurred_at")).as_py()
    first = pc.min(tabs["web_events"].column("occurred_at")).as_py()
    assert last < dt.datetime.combine(this_month, dt.time())
    assert first.date() >= this_month.replace(year=this_month.year - 2)


def test_sizes_follow_the_spec(tables: dict[str, Any]) -> None:
    spec = DemoSpec.for_scale(SCALE)
    assert tables["customers"].num_rows == spec.customers
    assert tables["mentions"].num_rows == spec.mentions
    for name, target in [
        ("orders", spec.orders),
        ("survey_invitations", spec.survey_invitations),
        ("survey_responses", spec.survey_responses),
        ("tickets", spec.tickets),
        ("web_events", spec.web_events),
    ]:
        assert abs(tables[name].num_rows / target - 1) < 0.08, (name, tables[name].num_rows)


def test_spec_scales_linearly() -> None:
    one = DemoSpec.for_scale(1.0)
    assert one.customers == 100_000 and one.survey_responses == 1_000_000
    assert one.tickets == 500_000 and one.web_events == 10_000_000
    assert one.survey_invitations == 2_500_000 and one.response_rate == pytest.approx(0.4)
    half = DemoSpec.for_scale(0.5)
    assert half.web_events * 2 == one.web_events and half.orders * 2 == one.orders
    with pytest.raises(ValueError):
        DemoSpec.for_scale(0)


def test_rows_are_in_time_order(tables: dict[str, Any]) -> None:
    for name in ("orders", "tickets", "web_events", "survey_responses"):
        column = schema.table(name).time_column
        t = tables[name].column(column).to_numpy()
        assert np.all(t[1:] >= t[:-1]), name
