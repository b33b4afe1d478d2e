"""A workspace URL's password is never shown, and need not be written in the URL at all.

A role of the test server must give its password (SCRAM), like a production database; the
password then comes from the URL, ``PGPASSWORD``, a passfile or a libpq service file.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cxpulse import Workspace
from cxpulse.cli.app import app
from tests.pg_server import PostgresServer

SECRET = "s3cret-Pw"
_roles = itertools.count()


@pytest.fixture
def db(pg_server: PostgresServer) -> tuple[str, str]:
    """(role, 'host:port/database') of a new database owned by a role with a password."""
    role = f"cx_pw_{next(_roles)}"
    pg_server.password_role(role, SECRET)
    url = pg_server.create_database("pw")
    name = url.rsplit("/", 1)[1]
    pg_server.sql("postgres", f'ALTER DATABASE "{name}" OWNER TO {role}')
    return role, f"127.0.0.1:{pg_server.port}/{name}"


def run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args), env=env)
    return result.exit_code, result.output


def test_a_password_in_the_url_is_masked_in_every_message(db: tuple[str, str]) -> None:
    role, where = db
    code, said = run("init", f"postgresql://{role}:{SECRET}@{where}")
    assert code == 0 and f"Workspace ready: postgresql://{role}:***@{where}" in said
    code, said = run("scorecard", "-w", f"postgresql://{role}:wrong-Pw@{where}")
    assert code == 1 and f"cannot connect to postgresql://{role}:***@{where}" in said
    assert "password authentication failed" in said and "wrong-Pw" not in said
    code, said = run("scorecard", "-w", f"postgresql://{role}:{SECRET}@{where}_missing")
    assert code == 1 and "does not exist" in said and SECRET not in said
    with Workspace.open(f"postgresql://{role}:{SECRET}@{where}") as ws:
        assert SECRET not in ws.store.location and ":***@" in ws.store.location


def test_the_password_from_pgpassword(db: tuple[str, str]) -> None:
    role, where = db
    code, said = run("init", f"postgresql://{role}@{where}")
    assert code == 1 and "no password supplied" in said and "PGPASSWORD" in said
    code, said = run("init", f"postgresql://{role}@{where}", env={"PGPASSWORD": SECRET})
    assert code == 0, said


def test_the_password_from_a_passfile_or_a_service(db: tuple[str, str], tmp_path: Path) -> None:
    role, where = db
    host_port, name = where.split("/")
    host, port = host_port.split(":")
    passfile = tmp_path / "pgpass"
    passfile.write_text(f"{host}:{port}:*:{role}:{SECRET}\n")
    passfile.chmod(0o600)  # libpq ignores a passfile others can read
    code, said = run("init", f"postgresql://{role}@{where}", env={"PGPASSFILE": str(passfile)})
    assert code == 0, said
    services = tmp_path / "pg_service.conf"
    services.write_text(f"[cx]\nhost={host}\nport={port}\nuser={role}\ndbname={name}\n")
    env = {"PGPASSFILE": str(passfile), "PGSERVICEFILE": str(services)}
    code, said = run("config", "show", "-w", "postgresql://?service=cx", env=env)
    assert code == 0, said


def test_the_demo_into_a_url_with_a_password_never_shows_it(db: tuple[str, str]) -> None:
    role, where = db
    code, said = run("demo", "--path", f"postgresql://{role}:{SECRET}@{where}", "--scale", "0.002")
    assert code == 0, said
    assert SECRET not in said  # its "Explore it: cxpulse metric nps -w URL" line included
    assert f"-w postgresql://{role}:***@{where}" in " ".join(said.split())


@pytest.mark.slow
def test_a_reader_connects_with_the_password_the_workspace_used(db: tuple[str, str]) -> None:
    """Workspace.reader opens a connection of its own as the same role, with the password
    libpq used (here from the URL), though the store keeps the URL without it."""
    role, where = db
    with Workspace.init(f"postgresql://{role}:{SECRET}@{where}") as ws, ws.reader() as reader:
        assert reader.store.con is not ws.store.con
        with reader.store.con.con.cursor() as cursor:  # type: ignore[attr-defined]
            assert cursor.execute("SELECT current_user").fetchone()[0] == role
        assert SECRET not in reader.store.location
