"""A workspace on a real PostgreSQL server: schema, transactions, import, the README flow."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from pandas.testing import assert_frame_equal
from typer.testing import CliRunner

from cxpulse import Workspace, schema
from cxpulse.cli.app import app
from cxpulse.errors import CxpulseError
from cxpulse.schema import IMPORTS_TABLE
from cxpulse.settings import Settings
from cxpulse.store import open_store
from cxpulse.store.migrations import MIGRATIONS, MIGRATIONS_TABLE
from tests.conftest import add_rows
from tests.ingest.conftest import stored
from tests.ingest.test_atomic import kill, start_child, survey_file, wait_for_first_chunk


def test_a_postgres_url_opens_a_migrated_workspace(pg_ws: Workspace) -> None:
    assert pg_ws.store.backend == "postgres"
    versions = pg_ws.store.table(MIGRATIONS_TABLE).version.execute().tolist()
    assert sorted(versions) == [m.version for m in MIGRATIONS]
    for name, tab in schema.TABLES.items():
        # PostgreSQL reports its timestamps with their precision (scale 6): compare kinds
        stored_kinds = {c: type(t) for c, t in pg_ws.table(name).schema().items()}
        assert stored_kinds == {c: type(t) for c, t in tab.ibis_schema().items()}, name
    assert pg_ws.settings.timezone == "Europe/Paris"


def test_reopening_runs_no_migration_twice(pg_url: str) -> None:
    Workspace.init(pg_url).close()
    with Workspace.open(pg_url) as ws:
        count = ws.store.table(MIGRATIONS_TABLE).count().execute()
    assert count == len(MIGRATIONS)


def test_a_bad_url_is_one_clear_error(pg_url: str) -> None:
    wrong = pg_url.rsplit("/", 1)[0] + "/no_such_database"
    with pytest.raises(CxpulseError, match="cannot connect to .*no_such_database"):
        Workspace.open(wrong)


def test_a_transaction_commits_together_or_not_at_all(pg_ws: Workspace, pg_url: str) -> None:
    rows = [{"score": 9, "responded_at": datetime(2025, 5, 1)}]
    with Workspace.open(pg_url) as other:
        with pytest.raises(RuntimeError, match="stop"), pg_ws.store.transaction():
            add_rows(pg_ws, "survey_responses", rows)
            add_rows(pg_ws, "customers", [{"customer_id": "c1"}])
            raise RuntimeError("stop")
        assert pg_ws.counts()["survey_responses"] == 0
        assert pg_ws.counts()["customers"] == 0

        with pg_ws.store.transaction():
            add_rows(pg_ws, "survey_responses", rows)
            with pg_ws.store.transaction():  # nested: joins the outer one
                add_rows(pg_ws, "customers", [{"customer_id": "c1"}])
            # not visible to another connection before the commit
            assert other.counts()["customers"] == 0
        assert other.counts()["customers"] == 1
        assert other.counts()["survey_responses"] == 1


def test_import_is_idempotent_and_a_bad_file_changes_nothing(
    pg_ws: Workspace, tmp_path: Path
) -> None:
    first = survey_file(tmp_path / "a.csv", 500, "v1")
    report = pg_ws.import_file(first, "survey_responses")
    assert (report.rows_new, report.rows_updated) == (500, 0)
    again = pg_ws.import_file(first, "survey_responses")
    assert (again.rows_new, again.rows_updated, again.rows_unchanged) == (0, 0, 500)
    changed = survey_file(tmp_path / "b.csv", 600, "v2")
    report = pg_ws.import_file(changed, "survey_responses")
    assert (report.rows_new, report.rows_updated) == (100, 500)
    assert set(pg_ws.table("survey_responses").comment.execute()) == {"v2"}

    bad = tmp_path / "bad.csv"
    bad.write_text(
        "response_id;question_type;score;comment;responded_at\n"
        "r0000000;nps;5;v3;01/02/2025 10:00\n"  # would update a row
        "new1;nps;11;v3;01/02/2025 10:00\n",  # an NPS of 11: the whole file is refused
        encoding="utf-8",
    )
    before = stored(pg_ws.store, "survey_responses")
    with pytest.raises(CxpulseError, match='line 3, column "score"'):
        pg_ws.import_file(bad, "survey_responses")
    assert_frame_equal(stored(pg_ws.store, "survey_responses"), before)


@pytest.mark.slow
def test_an_import_killed_mid_way_leaves_the_database_as_it_was(
    pg_url: str, tmp_path: Path
) -> None:
    store = open_store(pg_url)
    try:
        from cxpulse.ingest import import_file
        from cxpulse.store.migrations import migrate

        migrate(store)
        seed = survey_file(tmp_path / "seed.csv", 1_000, "première version")
        import_file(store, Settings(timezone="Europe/Paris"), "survey_responses", seed)
        before = stored(store, "survey_responses")
    finally:
        store.close()
    big = survey_file(tmp_path / "big.csv", 120_000, "deuxième version")

    child = start_child(pg_url, big, "pause")  # type: ignore[arg-type]  (a URL, not a path)
    said = wait_for_first_chunk(child)
    kill(child)

    assert "survey_responses: wrote 50,000 of" in said[-1]
    store = open_store(pg_url)
    try:
        assert_frame_equal(stored(store, "survey_responses"), before)
        assert store.table(IMPORTS_TABLE).count().execute() == 1
    finally:
        store.close()


def test_the_readme_flow_on_postgres(pg_url: str, tmp_path: Path) -> None:
    runner = CliRunner()
    env = {"CXPULSE_WORKSPACE": pg_url}
    result = runner.invoke(app, ["init", pg_url, "--timezone", "Europe/Paris"])
    assert result.exit_code == 0, result.output
    assert "Workspace ready" in result.stdout

    answers = tmp_path / "responses.csv"
    april = [10] * 6 + [0] * 2
    may = [9, 3, 8]
    rows = [(f"R{d}", s, f"{d:02d}/04/2025 10:00") for d, s in enumerate(april, 1)]
    rows += [(f"R{10 + d}", s, f"{d:02d}/05/2025 10:00") for d, s in enumerate(may, 1)]
    answers.write_text(
        "Id;Type;Note;Date\n" + "".join(f"{i};NPS;{s};{d}\n" for i, s, d in rows),
        encoding="utf-8",
    )
    maps = ["Id=response_id", "Type=question_type", "Note=score", "Date=responded_at"]
    args = ["import", str(answers), "--table", "survey_responses"]
    result = runner.invoke(app, [*args, *(f"--map={m}" for m in maps)], env=env)
    assert result.exit_code == 0, result.output

    result = runner.invoke(app, ["metric", "nps", "--format", "csv"], env=env)
    assert result.exit_code == 0, result.output
    lines = result.stdout.strip().splitlines()
    header = lines[0].split(",")
    months = {row[header.index("period")]: row for row in (line.split(",") for line in lines[1:])}
    # April: 6 promoters, 2 detractors of 8 -> 50; May: 1 promoter, 1 detractor of 3 -> 0
    value, n = header.index("value"), header.index("n")
    assert float(months["2025-04"][value]) == pytest.approx(50.0)
    assert int(months["2025-04"][n]) == 8
    assert float(months["2025-05"][value]) == pytest.approx(0.0)
    assert int(months["2025-05"][n]) == 3


def test_migration_11_cleans_stored_definitions_on_postgres(pg_ws: Workspace) -> None:
    from tests.store.test_migrations import check_ignored_fields_dropped

    check_ignored_fields_dropped(pg_ws)


@pytest.mark.slow
def test_a_reader_has_its_own_connection_and_holds_the_lock_only_to_open_and_close(
    pg_ws: Workspace,
) -> None:
    """Workspace.reader on PostgreSQL: a connection of its own (another server process), as
    the workspace's role, seeing committed rows; the lock is free while it reads, so a long
    read (the worker's insights, a digest) holds up no survey answer or page."""
    import threading

    lock = threading.Lock()
    held: list[bool] = []

    def hold() -> Any:
        held.append(True)
        return lock

    def pid(ws: Workspace) -> int:
        with ws.store.con.con.cursor() as cursor:  # type: ignore[attr-defined]
            return int(cursor.execute("SELECT pg_backend_pid()").fetchone()[0])

    add_rows(pg_ws, "customers", [{"customer_id": "C1"}])
    with pg_ws.reader(hold) as reader:
        assert len(held) == 1  # taken to open, then let go
        free = lock.acquire(blocking=False)
        assert free
        lock.release()
        assert pid(reader) != pid(pg_ws)
        assert reader.table("customers").count().execute() == 1
        add_rows(pg_ws, "customers", [{"customer_id": "C2"}])  # a write meanwhile
        assert reader.table("customers").count().execute() == 2
        raw = reader.store.con.con  # type: ignore[attr-defined]
    assert len(held) == 2 and raw.closed  # closed under the lock
    assert pg_ws.table("customers").count().execute() == 2
