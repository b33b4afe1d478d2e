"""Natural keys on PostgreSQL: unique indexes, upserts under concurrency, copies stored before.

Two ``cxpulse import`` processes of one file at once used to store every row twice (both found
no row, both inserted). Now the database holds the key and the imports take turns.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from cxpulse import Workspace, schema
from cxpulse.errors import WorkspaceError
from cxpulse.store.migrations import KEY_INDEXES, MIGRATIONS_TABLE
from tests.conftest import add_rows

CUSTOMERS = 3000


def before_migration_14(ws: Workspace) -> None:
    """Make ``ws`` look as a workspace written before migration 14 did."""
    for index, _, _ in KEY_INDEXES:
        ws.store.con.raw_sql(f"DROP INDEX {index}")
    # the later migrations are recorded after it: they run again (changing nothing)
    ws.store.con.raw_sql(f"DELETE FROM {MIGRATIONS_TABLE} WHERE version >= 14")


def stored_twice(url: str, *, same: bool) -> None:
    with Workspace.init(url) as ws:
        before_migration_14(ws)
        add_rows(ws, "customers", [{"customer_id": "c1", "name": "Ann"}] * 2)
        add_rows(ws, "customers", [{"customer_id": "c2", "name": "Bob"}])
        add_rows(ws, "customers", [{"customer_id": "c2", "name": "Bob" if same else "Rob"}])


def test_every_natural_key_is_a_unique_index(pg_ws: Workspace) -> None:
    assert set(KEY_INDEXES) == set(schema.KEY_INDEXES)
    with pg_ws.store.con.con.cursor() as cursor:  # type: ignore[attr-defined]
        found = cursor.execute(
            "SELECT c.relname, t.relname, a.attname FROM pg_index i "
            "JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_class t ON t.oid = i.indrelid "
            "JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = i.indkey[0] "
            "WHERE i.indisunique AND c.relname LIKE 'cxpulse_key_%'"
        ).fetchall()
    assert set(found) == set(KEY_INDEXES)
    add_rows(pg_ws, "customers", [{"customer_id": "c1"}])
    with pytest.raises(Exception, match="duplicate key"):
        add_rows(pg_ws, "customers", [{"customer_id": "c1"}])


def customers_csv(path: Path, segment: str = "smb") -> Path:
    lines = [f"c{i:05d},2025-01-{1 + i % 28:02d},{segment}\n" for i in range(CUSTOMERS)]
    path.write_text("customer_id,created_at,segment\n" + "".join(lines))
    return path


def start_import(csv: Path, url: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    return subprocess.Popen(
        [sys.executable, "-m", "cxpulse", "import", str(csv), "--table", "customers", "-w", url],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def test_two_imports_of_one_file_at_once_store_each_row_once(pg_url: str, tmp_path: Path) -> None:
    Workspace.init(pg_url).close()
    csv = customers_csv(tmp_path / "customers.csv")
    procs = [start_import(csv, pg_url) for _ in range(2)]
    outputs = [p.communicate(timeout=300) for p in procs]
    for proc, (_, err) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, err
    with Workspace.open(pg_url) as ws:
        ids = ws.table("customers").customer_id.execute()
    assert len(ids) == ids.nunique() == CUSTOMERS
    said = sorted(re.sub(r"\s+", " ", out + err) for out, err in outputs)
    # they took turns: the second found the first one's rows
    assert sum(f"{CUSTOMERS:,} new" in s for s in said) == 1, said
    assert sum(f"{CUSTOMERS:,} unchanged" in s for s in said) == 1, said


def test_an_upsert_racing_an_insert_of_the_same_key_updates_it(pg_url: str) -> None:
    """The import classified the row new; another writer stored the key meanwhile."""
    with Workspace.init(pg_url) as a, Workspace.open(pg_url) as b:
        import ibis

        row = {"customer_id": ["c1"], "segment": ["first"]}
        b.store.con.insert("customers", ibis.memtable(row))
        a.store.con.upsert(
            "customers", ibis.memtable({**row, "segment": ["second"]}), on="customer_id"
        )
        stored = a.table("customers").execute()
    assert stored.customer_id.tolist() == ["c1"] and stored.segment.tolist() == ["second"]


def test_identical_copies_are_merged(pg_url: str) -> None:
    stored_twice(pg_url, same=True)
    with Workspace.open(pg_url) as ws:
        rows = ws.table("customers").order_by("customer_id").execute()
    assert rows.customer_id.tolist() == ["c1", "c2"]
    assert rows.name.tolist() == ["Ann", "Bob"]


def test_different_copies_are_refused_and_nothing_changes(pg_url: str) -> None:
    stored_twice(pg_url, same=False)
    with pytest.raises(WorkspaceError, match=r"same customer_id and different values \('c2'\)"):
        Workspace.open(pg_url)
    import psycopg

    with psycopg.connect(pg_url) as con:  # the merge of c1 was rolled back with the refusal
        assert con.execute("SELECT count(*) FROM customers").fetchone() == (4,)


def test_rows_without_a_key_do_not_stop_the_upgrade(pg_url: str) -> None:
    # a unique index lets any number of NULLs in, so keyless rows are neither merged nor
    # refused as "the same key" (they used to be named as the key 'None')
    with Workspace.init(pg_url) as ws:
        before_migration_14(ws)
        add_rows(ws, "customers", [{"customer_id": None, "name": n} for n in ("Ann", "Bob")])
        add_rows(ws, "customers", [{"customer_id": None, "name": "Ann"}])
    with Workspace.open(pg_url) as ws:
        names = ws.table("customers").name.execute().tolist()
    assert sorted(names) == ["Ann", "Ann", "Bob"]


@pytest.mark.parametrize(
    "index",
    [
        "CREATE UNIQUE INDEX plugin_key ON plugin_scores (k) WHERE k <> ''",  # partial
        "ALTER TABLE plugin_scores ADD CONSTRAINT plugin_key UNIQUE (k) DEFERRABLE",
    ],
)
def test_an_upsert_on_a_key_on_conflict_cannot_use_still_works(
    pg_ws: Workspace, index: str
) -> None:
    # a plugin's table whose unique index PostgreSQL refuses as an ON CONFLICT arbiter (a
    # partial or a deferrable one): the upsert stays Ibis's MERGE instead of failing
    pg_ws.store.con.raw_sql("CREATE TABLE plugin_scores (k TEXT, v BIGINT)")
    pg_ws.store.con.raw_sql(index)
    pg_ws.store.insert("plugin_scores", [{"k": "a", "v": 1}])
    pg_ws.store.upsert("plugin_scores", [{"k": "a", "v": 2}, {"k": "b", "v": 3}], on="k")
    stored = pg_ws.store.table("plugin_scores").order_by("k").execute()
    assert stored.to_dict("list") == {"k": ["a", "b"], "v": [2, 3]}
