"""Roles with fewer privileges: a read-only role reads, a missing privilege is one clear line.

The workspace belongs to the server's superuser; ``reader`` may only SELECT, ``visitor`` may
only CONNECT. Commands run as those roles through the real CLI (a subprocess: exit codes and
everything printed, tracebacks included, are what a user sees).
"""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
from pathlib import Path

import pytest

from cxpulse import Workspace
from tests.pg_server import PostgresServer

_roles = itertools.count()


def cli(*args: str) -> tuple[int, str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    done = subprocess.run(
        [sys.executable, "-m", "cxpulse", *args], capture_output=True, text=True, env=env,
        timeout=120,
    )  # fmt: skip
    return done.returncode, done.stdout + done.stderr


@pytest.fixture
def roles(pg_server: PostgresServer, pg_url: str) -> tuple[str, str]:
    """URLs of the same migrated workspace as ``reader`` (SELECT) and ``visitor`` (CONNECT)."""
    Workspace.init(pg_url).close()
    database = pg_url.rsplit("/", 1)[1]
    n = next(_roles)
    reader, visitor = f"reader_{n}", f"visitor_{n}"
    for role in (reader, visitor):
        pg_server.sql("postgres", f"CREATE ROLE {role} LOGIN")
    pg_server.sql(database, f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {reader}")
    base = f"127.0.0.1:{pg_server.port}/{database}"
    return f"postgresql://{reader}@{base}", f"postgresql://{visitor}@{base}"


def test_a_read_only_role_reads_without_migrating(roles: tuple[str, str]) -> None:
    reader, _ = roles
    code, said = cli("metric", "nps", "-w", reader)
    assert code == 0, said


def test_a_write_without_the_privilege_names_the_table_and_the_grant(
    roles: tuple[str, str], tmp_path: Path
) -> None:
    reader, _ = roles
    role = reader.split("//")[1].split("@")[0]
    csv = tmp_path / "customers.csv"
    csv.write_text("customer_id,created_at\nc1,2025-01-01\n")
    for args, table in [
        (["import", str(csv), "--table", "customers"], "customers"),
        (["config", "set", "timezone", "Europe/Paris"], "cxpulse_settings"),
    ]:
        code, said = cli(*args, "-w", reader)
        assert code == 1, said
        assert f"the PostgreSQL role {role} lacks a privilege on the table {table}" in said
        assert f"GRANT INSERT, UPDATE, DELETE ON {table} TO {role}" in " ".join(said.split())
        assert "bug" not in said and "Traceback" not in said


def test_the_worker_reports_a_missing_privilege_in_one_line(roles: tuple[str, str]) -> None:
    reader, _ = roles
    _, said = cli("worker", "--once", "-w", reader)
    assert "Traceback" not in said
    assert "lacks a privilege on the table" in said, said


def test_a_role_that_may_not_read_is_told_what_to_grant(roles: tuple[str, str]) -> None:
    _, visitor = roles
    role = visitor.split("//")[1].split("@")[0]
    code, said = cli("metric", "nps", "-w", visitor)
    assert code == 1, said
    assert "cxpulse_migrations" in said and "CREATE TABLE" not in said
    grant = f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {role} (to read;"
    assert grant in " ".join(said.split())


def test_a_role_that_may_not_upgrade_the_schema_is_told_so(
    pg_server: PostgresServer, pg_url: str
) -> None:
    # a role that reads and writes every row but does not own the tables cannot add the
    # unique indexes of migration 14: one line naming the table, not psycopg's complaint
    # about the rollback Ibis's raw_sql tried inside the migration's transaction
    from tests.postgres.test_keys import before_migration_14

    with Workspace.init(pg_url) as ws:
        before_migration_14(ws)
    database = pg_url.rsplit("/", 1)[1]
    role = f"writer_{next(_roles)}"
    pg_server.sql("postgres", f"CREATE ROLE {role} LOGIN")
    grant = f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}"
    pg_server.sql(database, grant)
    url = f"postgresql://{role}@127.0.0.1:{pg_server.port}/{database}"
    code, said = cli("metric", "nps", "-w", url)
    assert code == 1, said
    said = " ".join(said.split())
    assert "needs upgrading to schema version" in said and "must be owner of table" in said
    assert "as the role that owns its tables (`cxpulse init URL`" in said, said
    assert "bug" not in said and "Traceback" not in said and "rollback" not in said
