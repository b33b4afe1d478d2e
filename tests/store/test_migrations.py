"""Versioned migrations recorded in the workspace."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from cxpulse import schema
from cxpulse.errors import WorkspaceError
from cxpulse.store import open_store
from cxpulse.store.migrations import MIGRATIONS, MIGRATIONS_TABLE, current_version, migrate


def test_migrations_run_once_and_are_recorded(tmp_path: Path) -> None:
    store = open_store(tmp_path / "ws.duckdb")
    assert current_version(store) == 0
    applied = migrate(store)
    assert [m.version for m in applied] == [m.version for m in MIGRATIONS]
    assert migrate(store) == []
    log = store.table(MIGRATIONS_TABLE).execute()
    assert list(log["version"]) == [m.version for m in MIGRATIONS]
    assert log["applied_at"].notna().all()


def test_every_canonical_table_has_its_typed_columns(tmp_path: Path) -> None:
    store = open_store(tmp_path / "ws.duckdb")
    migrate(store)
    for tab in schema.TABLES.values():
        stored = {name: type(dtype) for name, dtype in store.table(tab.name).schema().items()}
        assert stored == {name: type(dtype) for name, dtype in tab.ibis_schema().items()}


def test_a_workspace_from_a_newer_cxpulse_is_refused(tmp_path: Path) -> None:
    store = open_store(tmp_path / "ws.duckdb")
    migrate(store)
    store.con.insert(MIGRATIONS_TABLE, [{"version": 999, "name": "future", "applied_at": None}])
    with pytest.raises(WorkspaceError, match="newer cxpulse .*version 999"):
        migrate(store)


def test_schema_documents_every_column() -> None:
    for tab in schema.TABLES.values():
        assert tab.key in tab.names, tab.name
        assert tab.time_column in tab.names, tab.name
        for col in tab.columns:
            assert col.doc.strip(), f"{tab.name}.{col.name} has no doc"
        for rule in tab.rules:
            assert rule.column in tab.names


def test_stored_definitions_lose_the_fields_older_versions_ignored(tmp_path: Path) -> None:
    from cxpulse import Workspace

    with Workspace.init(tmp_path / "ws.duckdb") as ws:
        check_ignored_fields_dropped(ws)


def check_ignored_fields_dropped(ws: Any) -> None:
    """Unknown question fields and action options are refused now; a survey or rule stored
    before (when they were silently ignored) must still load after the upgrade."""
    import json
    from datetime import datetime

    import yaml

    from cxpulse.automations.rules import stored_rules
    from cxpulse.surveys.store import surveys
    from tests.automations.helpers import CSAT_LOW
    from tests.surveys.helpers import SUPPORT_CSAT

    survey = yaml.safe_load(SUPPORT_CSAT)
    survey["questions"][0]["requird"] = True
    survey["questions"][0]["follow_up"][0]["txt"] = "typo"
    survey["name"] = 'L\'équipe \\ "support"'  # quotes, a backslash, an accent survive
    rule = yaml.safe_load(CSAT_LOW)
    rule["then"] = [{"case": {"sla_hour": 4}}, {"tag": "low"}]
    now = datetime(2026, 1, 1)
    con = ws.store.con
    con.insert("survey_definitions", [{"survey_id": survey["id"], "active": True,
                "definition": json.dumps(survey), "added_at": now}])  # fmt: skip
    con.insert("automation_rules", [{"name": rule["name"], "active": True,
                "definition": json.dumps(rule), "added_at": now}])  # fmt: skip
    # back to a workspace of version 10 (the migrations after 11 run again, changing nothing)
    con.raw_sql(f"DELETE FROM {MIGRATIONS_TABLE} WHERE version >= 11")
    assert migrate(ws.store)[0].version == 11
    (loaded,) = surveys(ws)
    assert loaded.questions[0].follow_up[0].text["en"] == "What went wrong?"
    assert loaded.name == 'L\'équipe \\ "support"' and "requird" not in loaded.raw["questions"][0]
    ((stored, _),) = stored_rules(ws)
    assert stored.then[0].options == {"sla_hours": 24.0} and stored.then[1].kind == "tag"


def test_the_migrations_make_exactly_the_tables_the_schema_documents(tmp_path: Path) -> None:
    store = open_store(tmp_path / "ws.duckdb")
    migrate(store)
    documented = {**schema.TABLES, **schema.OPERATIONAL}
    stored_tables = store.con.raw_sql("SELECT table_name FROM duckdb_tables() WHERE NOT temporary")
    assert sorted(name for (name,) in stored_tables.fetchall()) == sorted(documented)
    for name, tab in documented.items():
        stored = [(col, type(dtype)) for col, dtype in store.table(name).schema().items()]
        assert stored == [(col, type(dtype)) for col, dtype in tab.ibis_schema().items()], name
    found = store.con.raw_sql("SELECT index_name, table_name, expressions FROM duckdb_indexes()")
    indexes = {(name, table, expr.strip("[]'\"")) for name, table, expr in found.fetchall()}
    assert indexes == set(schema.INDEXES)


def test_operational_tables_document_every_column() -> None:
    for tab in schema.OPERATIONAL.values():
        assert tab.doc.strip() and (tab.key is None or tab.key in tab.names), tab.name
        for col in tab.columns:
            assert col.doc.strip(), f"{tab.name}.{col.name} has no doc"


@pytest.mark.parametrize(
    ("package", "allowed"),
    [
        ("schema", ("cxpulse.schema", "cxpulse.errors")),
        ("store/migrations", ("cxpulse.store", "cxpulse.errors")),
    ],
)
def test_schema_and_migrations_import_nothing_above_them(
    package: str, allowed: tuple[str, ...]
) -> None:
    """A frozen migration must not follow later code; the schema is read by every layer."""
    import ast

    import cxpulse

    for path in (Path(cxpulse.__file__).parent / package).glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            for name in names:
                if name == "cxpulse" or name.startswith("cxpulse."):
                    assert name.startswith(allowed), f"{path.name} imports {name}"
