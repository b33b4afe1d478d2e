"""A throwaway PostgreSQL server for the tests: initdb in a temporary folder, a free TCP port,
trust authentication, stopped (and its folder removed) at the end of the session.

The server binaries come from the Debian ``postgresql`` package (``.ci/run`` installs it on a
fresh CI machine). Without them the PostgreSQL tests skip and say why. PostgreSQL refuses to
run as root, so as root the server runs as the ``postgres`` user (``runuser``) in a folder it
owns.
"""

from __future__ import annotations

import atexit
import glob
import itertools
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

SKIP_REASON = (
    "no PostgreSQL server binaries (initdb) found in /usr/lib/postgresql/*/bin or on PATH; "
    "install the Debian package `postgresql` (.ci/run does) to run the PostgreSQL tests"
)


def find_bindir() -> Path | None:
    """The newest installed PostgreSQL's bin folder, or None."""
    versions = [Path(p).parent for p in glob.glob("/usr/lib/postgresql/*/bin/initdb")]
    versions.sort(key=lambda bindir: int(bindir.parent.name) if bindir.parent.name.isdigit() else 0)
    if versions:
        return versions[-1]
    on_path = shutil.which("initdb")
    return Path(on_path).parent if on_path else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class PostgresServer:
    """One running server; :meth:`create_database` hands out fresh, empty databases."""

    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        self.root = Path(tempfile.mkdtemp(prefix="cxpulse-pg-"))
        self.data = self.root / "data"
        self.sockets = self.root / "sock"
        self.port = _free_port()
        self.user = "postgres"
        self._as_root = os.geteuid() == 0
        self._names = itertools.count()
        self._started = False

    def _run(self, args: Sequence[str]) -> subprocess.CompletedProcess[str]:
        command = [str(self.bindir / args[0]), *args[1:]]
        if self._as_root:
            command = ["runuser", "-u", "postgres", "--", *command]
        return subprocess.run(command, check=True, capture_output=True, text=True, timeout=120)

    def start(self) -> None:
        self.sockets.mkdir(parents=True)
        if self._as_root:
            shutil.chown(self.root, "postgres")
            shutil.chown(self.sockets, "postgres")
        else:
            self.user = os.environ.get("USER") or "postgres"
        self._run(
            ["initdb", "-D", str(self.data), "-U", self.user, "--auth=trust", "-E", "UTF8",
             "--no-sync", "--locale=C"]
        )  # fmt: skip
        options = (
            f"-p {self.port} -k {self.sockets} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=100"
        )
        self._run(
            ["pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.root / "server.log"),
             "-w", "-t", "60", "start"]
        )  # fmt: skip
        self._started = True

    def url(self, database: str) -> str:
        return f"postgresql://{self.user}@127.0.0.1:{self.port}/{database}"

    def create_database(self, prefix: str = "ws") -> str:
        """A new empty database; returns its URL."""
        name = f"{prefix}_{next(self._names)}"
        self.sql("postgres", f'CREATE DATABASE "{name}"')
        return self.url(name)

    def sql(self, database: str, statement: str) -> None:
        import psycopg

        with psycopg.connect(
            host="127.0.0.1", port=self.port, user=self.user, dbname=database, autocommit=True
        ) as con:
            con.execute(statement)  # type: ignore[arg-type]

    def password_role(self, role: str, password: str) -> None:
        """A login role that must give ``password`` (SCRAM) to connect over TCP; every other
        role keeps trust authentication."""
        self.sql("postgres", f"CREATE ROLE {role} LOGIN CREATEDB PASSWORD '{password}'")
        hba = self.data / "pg_hba.conf"
        rule = f"host all {role} 127.0.0.1/32 scram-sha-256\n"
        hba.write_text(rule + hba.read_text())  # the first matching line wins
        self._run(["pg_ctl", "-D", str(self.data), "reload"])

    def stop(self) -> None:
        try:
            if self._started:
                self._started = False  # once: the fixture and atexit both call this
                self._run(["pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop"])
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


def unavailable_reason() -> str | None:
    """Why the PostgreSQL tests cannot run here, or None when they can."""
    if find_bindir() is None:
        return SKIP_REASON
    try:
        import psycopg  # noqa: F401
    except ImportError:
        return "psycopg is not installed: pip install -e '.[test]' (it brings ibis[postgres])"
    return None


def start_server() -> PostgresServer:
    """A started server (check :func:`unavailable_reason` first)."""
    bindir = find_bindir()
    assert bindir is not None, SKIP_REASON
    server = PostgresServer(bindir)
    atexit.register(server.stop)  # also when the session ends without its fixture teardown
    try:
        server.start()
    except BaseException:
        server.stop()
        raise
    return server
