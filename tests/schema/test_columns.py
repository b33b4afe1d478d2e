"""Column types: plain names in the schema, Ibis types only when a table is built."""

from __future__ import annotations

import subprocess
import sys

import ibis
import ibis.expr.datatypes as dt
import pytest

from cxpulse import schema


def test_the_schema_imports_no_ibis() -> None:
    code = "import sys, cxpulse.schema\nprint('ibis' in sys.modules, 'pandas' in sys.modules)"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.split() == ["False", "False"]


@pytest.mark.parametrize("name", [*schema.TABLES, *schema.OPERATIONAL])
def test_type_names_are_the_ibis_types(name: str) -> None:
    table = schema.any_table(name)
    built = table.ibis_schema()
    assert ibis.schema(table.types()) == ibis.schema(built)
    expected = {"timestamp": dt.Timestamp(), "int": dt.int64, "float": dt.float64}
    for col in table.columns:
        assert built[col.name] == expected.get(col.kind, built[col.name])


def test_the_operational_schemas_hold_type_names() -> None:
    for types in (*schema.ACCOUNT_SCHEMAS.values(), schema.CHURN_SCORES_SCHEMA):
        assert all(isinstance(t, str) for t in types.values())
