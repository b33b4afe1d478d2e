"""Open a workspace: a DuckDB file by default, any Ibis backend by URL.

DuckDB lets one process hold a file at a time (even read-only opens are refused while another
process writes), so a held file is reported as :class:`WorkspaceLockedError` with the holder's
PID instead of DuckDB's lock trace. A file cxpulse cannot write (a read-only mount, no write
permission) or knows to be damaged (see :mod:`cxpulse.store.faults`) is opened read-only:
queries work, writes are refused with :class:`WorkspaceReadOnlyError`.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import ibis
from ibis.backends import BaseBackend

from cxpulse import redact
from cxpulse.errors import (
    ConfigError,
    WorkspaceDamagedError,
    WorkspaceError,
    WorkspaceLockedError,
    WorkspaceReadOnlyError,
)
from cxpulse.store.compiled import compile_once
from cxpulse.store.derived import Derived
from cxpulse.store.faults import (
    damage_marker,
    damaged_message,
    known_damage,
    read_only_message,
    storage_error,
)
from cxpulse.store.holder import serve_url
from cxpulse.store.results import Versions, note_read
from cxpulse.store.scratch import scope_memtables
from cxpulse.store.writes import Writes, quote

_LOCK_HOLDER = re.compile(r"Conflicting lock is held in (?P<prog>.*?) \(PID (?P<pid>\d+)\)")
_MEMORY = re.compile(r"(?P<n>\d+(\.\d+)?)\s*(?P<unit>KB|MB|GB|TB|KiB|MiB|GiB|TiB)", re.IGNORECASE)
_UNITS = {"kb": 10**3, "mb": 10**6, "gb": 10**9, "tb": 10**12}  # as DuckDB reads them
_UNITS |= {"kib": 2**10, "mib": 2**20, "gib": 2**30, "tib": 2**40}
BULK_MEMORY_LIMIT = "2GB"
"""DuckDB's memory for a bulk write (:meth:`Store.memory_bounded`). DuckDB's default, 80 % of
the machine, let a scale-10 Parquet import grow to 20 GB; beyond this it spills to disk."""


@dataclass
class Checked:
    """Whether a connection's file passed :meth:`Store.verify`."""

    done: bool = False


@dataclass
class Store(Writes):
    """A live connection to a workspace's tables; its writes are :class:`~cxpulse.store.writes.
    Writes` (code above the store never reaches into ``con`` to write)."""

    con: BaseBackend
    location: str
    backend: str
    read_only: str | None = None
    """Why the workspace was opened read-only (None when it can be written)."""
    damage: str | None = None
    """What DuckDB said when this file was found damaged (it is then also read-only)."""
    derived: Derived = field(default_factory=Derived, repr=False)
    """The derived tables kept up to date by this store's writes (:mod:`.derived`)."""
    versions: Versions = field(default_factory=Versions, repr=False)
    """The tables written in the open transaction, given new data versions at its end
    (:mod:`.results`)."""
    _depth: int = field(default=0, repr=False)  # open transaction() blocks
    memory_limit: str | None = field(default=None, repr=False)
    """The limit :meth:`limit_memory` set (None: DuckDB's default, 80 % of the machine)."""
    checked: Checked = field(default_factory=lambda: Checked(), repr=False)
    """Whether the file's blocks were checked (:meth:`verify`), shared by the cursors of one
    connection (the web server's readers): they read the same file."""

    def __post_init__(self) -> None:
        # every connection a Store holds (the web server's per-thread readers included)
        # forgets its in-memory tables after each call, not at process exit
        scope_memtables(self.con)
        compile_once(self.con)  # the SQL of an expression asked again is reused

    def table(self, name: str) -> Any:
        note_read(name)  # a stored result depends on the versions of the tables it read
        return self.con.table(name)

    def has_table(self, name: str) -> bool:
        if self.backend == "postgres":
            # from the catalog: information_schema (Ibis's list_tables) hides the tables a
            # role may not use, so a read-only role saw no workspace and tried to create one
            with self.con.con.cursor() as cursor:
                sql = "SELECT to_regclass(%s) IS NOT NULL"
                row = cursor.execute(sql, (quote(name),)).fetchone()
            return bool(row and row[0])
        return name in self.con.list_tables()

    def limit_memory(self, limit: str) -> None:
        """Cap DuckDB's memory (its buffer manager, shared by every cursor of this database,
        the server's per-thread readers included) at ``limit``, e.g. ``"1GB"``; beyond it
        DuckDB spills to a temporary folder next to the file. Other backends manage their own."""
        if not _MEMORY.fullmatch(limit.strip()):
            raise ConfigError(f"a memory limit is a size such as 1GB or 512MB, not {limit!r}")
        if self.backend == "duckdb":
            self.con.raw_sql(f"SET memory_limit = '{limit.strip()}'")  # checked just above
            self.memory_limit = limit.strip()

    @contextmanager
    def memory_bounded(self, limit: str = BULK_MEMORY_LIMIT) -> Iterator[None]:
        """Run a bulk write (a whole table imported, derived tables rebuilt) within ``limit``
        of DuckDB memory, or the store's own limit when it is lower; the store's limit comes
        back after, also on failure. Beyond it DuckDB spills its sorts, windows and temporary
        tables to its temporary folder (``<file>.tmp``) instead of growing with the rows.
        Blocks nest (the inner one changes nothing); other backends manage their own."""
        if self.backend != "duckdb":
            yield
            return
        before = self.memory_limit
        if before is not None and _size_bytes(limit) >= _size_bytes(before):
            yield  # already within it (an outer block, the server's limit)
            return
        self.limit_memory(limit)
        try:
            yield
        except BaseException:
            # a failed statement inside a transaction: DuckDB refuses every other one until
            # the rollback, so the limit stays at the bound (an outer block, outside the
            # transaction, restores it) and the write's own error is the one raised
            with contextlib.suppress(duckdb.Error):
                self._restore_memory(before)
            raise
        self._restore_memory(before)

    def _restore_memory(self, before: str | None) -> None:
        if before is None:
            self.con.raw_sql("RESET memory_limit")
            self.memory_limit = None
        else:
            self.limit_memory(before)

    def check_writable(self) -> None:
        """Refuse, before any work, a write to a workspace opened read-only."""
        if self.damage:
            raise WorkspaceDamagedError(damaged_message(self.location, self.damage))
        if self.read_only:
            raise WorkspaceReadOnlyError(read_only_message(self.location, self.read_only))

    def explain(self, exc: BaseException) -> WorkspaceError | None:
        """The user-facing error for a backend failure about the file or the disk (damage, a
        full disk, a read-only file) or a missing PostgreSQL privilege, or None when ``exc``
        is something else. Damage found here also stops every later write of this process (a
        long-running server included), not only of the next one that opens the file."""
        if self.backend == "postgres":
            from cxpulse.store.privileges import privilege_error

            permission = privilege_error(exc, self.con.con, self.location)
            if permission is not None:
                return permission
        explained = storage_error(exc, self.location if self.backend == "duckdb" else None)
        if isinstance(explained, WorkspaceDamagedError) and self.damage is None:
            self.damage = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return explained

    def verify(self) -> None:
        """Read every stored value once so DuckDB checks the checksum of every block in use;
        raise :class:`WorkspaceDamagedError` (and mark the file) if one fails. About 80 ms
        for the 23 MB demo; run before writing, so cxpulse never writes into a damaged file.

        Once per connection: the blocks written since are this process's own, and damage a
        later read meets still stops every write (:meth:`explain`). Every import of a server
        read the whole file again: 12 s of the 14 s an import of 10k answers took at scale 1
        (600 MB, load 11)."""
        if self.backend != "duckdb" or self.checked.done:
            return
        tables = self.con.raw_sql("SELECT table_name FROM duckdb_tables()").fetchall()
        try:
            for (name,) in tables:
                quoted = '"' + name.replace('"', '""') + '"'
                # an aggregate of every column, so no column is pruned from the scan
                self.con.raw_sql(f"SELECT bit_xor(hash(COLUMNS(*))) FROM {quoted}").fetchall()
        except Exception as exc:
            explained = self.explain(exc)
            if isinstance(explained, WorkspaceDamagedError):
                raise explained from exc
            raise
        self.checked.done = True

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """All writes inside commit together or not at all (also when the process is killed).

        Blocks nest: an inner block joins the outer transaction (on PostgreSQL it is a
        savepoint, so an error caught inside undoes only the inner writes). The derived tables
        the writes changed are brought up to date at the end of the outermost block, before
        it commits."""
        self.check_writable()
        if self._depth:
            if self.backend == "postgres":
                with self.con.con.transaction():
                    yield
            else:  # DuckDB has no savepoints: an inner block is part of the outer one
                yield
            return
        self._depth += 1
        try:
            if self.backend == "postgres":
                # Ibis runs each statement in its own psycopg transaction block on an
                # autocommit connection; inside an outer block those become savepoints, so
                # everything commits (or rolls back) with this one.
                with self.con.con.transaction():
                    yield
                    self.derived.flush(self)
                    self.versions.flush(self)
            elif self.backend == "duckdb":
                self.con.raw_sql("BEGIN TRANSACTION")
                try:
                    yield
                    self.derived.flush(self)
                    self.versions.flush(self)
                except BaseException:
                    self.con.raw_sql("ROLLBACK")
                    raise
                self.con.raw_sql("COMMIT")
            else:  # other backends: each statement is atomic on its own
                yield
                self.derived.flush(self)
                self.versions.flush(self)
        finally:
            self._depth -= 1
            self.derived.discard()
            self.versions.discard()

    def thread_reader(self) -> Store:
        """A store for one thread's reads: on DuckDB its own cursor of this connection (DuckDB
        runs the queries of separate cursors in parallel, those of one connection in turn),
        on PostgreSQL a connection of its own (:func:`cxpulse.store.postgres.reconnect`).
        Close it after use."""
        if self.backend == "postgres":
            from cxpulse.store.postgres import reconnect

            return Store(reconnect(self.con), self.location, "postgres")
        if self.backend != "duckdb":
            raise TypeError(
                f"a thread reader is a DuckDB cursor or a PostgreSQL connection; this store is "
                f"{self.backend}"
            )
        cursor = self.con.con.cursor()  # type: ignore[attr-defined]
        con = ibis.duckdb.from_connection(cursor)
        return Store(con, self.location, "duckdb", checked=self.checked)

    def close(self) -> None:
        disconnect = getattr(self.con, "disconnect", None)
        if disconnect is not None:
            disconnect()


def _size_bytes(limit: str) -> float:
    found = _MEMORY.fullmatch(limit.strip())
    if found is None:
        raise ConfigError(f"a memory limit is a size such as 1GB or 512MB, not {limit!r}")
    return float(found["n"]) * _UNITS[found["unit"].lower()]


def _is_url(location: str) -> bool:
    return "://" in location


def _connect(url: str) -> BaseBackend:
    if url.split("://", 1)[0] in ("postgresql", "postgres"):
        from cxpulse.store.postgres import connect

        return connect(url)
    return ibis.connect(url)


def open_store(location: str | Path, *, create: bool = True) -> Store:
    """Connect to ``location``: a path to a DuckDB file, or an Ibis URL such as
    ``duckdb:///path.db`` or ``postgresql://user@host/db``."""
    text = str(location)
    if text.startswith("duckdb:///"):  # a file by URL: the same checks as a plain path
        text = text.removeprefix("duckdb://")
    if _is_url(text):
        # shown (in messages, logs, API answers) and kept as the location: without password
        shown = redact.connection(text)
        try:
            con = _connect(text)
        except ImportError:  # Ibis's own hint would upgrade ibis past cxpulse's pin
            scheme = text.split("://", 1)[0]
            extra = {"postgresql": "postgres", "postgres": "postgres"}.get(scheme)
            hint = f"pip install 'cxpulse[{extra}]'" if extra else "install its Ibis backend"
            raise WorkspaceError(
                f"cannot connect to {shown}: the {scheme} driver is not installed; {hint}"
            ) from None
        except Exception as exc:  # driver errors vary by backend; report them as one kind
            said = str(exc)
            for password in redact.passwords(text):
                said = said.replace(password, redact.MASK)
            if "no password supplied" in said or "password authentication failed" in said:
                said += (
                    " (a password may also come from PGPASSWORD, ~/.pgpass or PGPASSFILE, "
                    "or a service: postgresql://?service=NAME, so the URL need not hold it)"
                )
            # from None: the driver's exception (in a traceback, a log) may quote the URL
            raise WorkspaceError(f"cannot connect to {shown}: {said}") from None
        # the backend's own name: postgresql:// and postgres:// URLs both give "postgres"
        return Store(con=con, location=shown, backend=con.name)

    path = Path(text).expanduser()
    if not path.exists() and not create:
        raise WorkspaceError(
            f"no workspace at {path}. Create one with `cxpulse init {path}` "
            "or try the demo with `cxpulse demo`."
        )
    if path.exists() and path.is_dir():
        raise WorkspaceError(f"{path} is a folder; a workspace is a single DuckDB file.")
    if not path.parent.exists():
        raise WorkspaceError(f"the folder {path.parent} does not exist.")
    read_only = damage = None
    if path.exists():
        _check_duckdb_file(path)
        damage = known_damage(path)
        if damage is None and damage_marker(path).exists():
            damage = _recheck(path)
        read_only = "it was found damaged" if damage else _why_read_only(path)
    try:
        con = ibis.duckdb.connect(str(path), read_only=read_only is not None)
        # no progress bar: it would draw over CLI output and logs
        con.raw_sql("SET enable_progress_bar = false")
        # the catalog is read on every open: damage to it shows here, not mid-command
        con.list_tables()
    except Exception as exc:
        raise _explain_duckdb_open_error(path, exc) from exc
    return Store(con=con, location=str(path), backend="duckdb", read_only=read_only, damage=damage)


def _recheck(path: Path) -> str | None:
    """A damage marker from another version of the file (restored from a backup, or written
    to since): read every block once; the marker goes only if they all pass."""
    try:
        con = ibis.duckdb.connect(str(path), read_only=True)
    except Exception as exc:
        raise _explain_duckdb_open_error(path, exc) from exc
    probe = Store(con=con, location=str(path), backend="duckdb", read_only="being checked")
    try:
        probe.verify()
    except WorkspaceDamagedError:
        return known_damage(path) or "damaged"  # verify marked the file as it is now
    finally:
        probe.close()
    with contextlib.suppress(OSError):
        damage_marker(path).unlink()
    return None


def _why_read_only(path: Path) -> str | None:
    """Why the file must be opened read-only, or None. DuckDB needs to write the file and a
    ``.wal`` beside it; ``os.access`` also sees a read-only mount and ``chattr +i`` (root
    ignores plain permissions, not those)."""
    if not os.access(path, os.W_OK):
        return "the file cannot be written: a read-only disk or no write permission"
    if not os.access(path.parent, os.W_OK):
        return f"its folder {path.parent} cannot be written"
    return None


def _check_duckdb_file(path: Path) -> None:
    """DuckDB opens a CSV or Parquet file as a read-only database of one view, so a data file
    passed as the workspace would give empty metrics instead of an error."""
    with path.open("rb") as f:
        head = f.read(12)
    if head and head[8:12] != b"DUCK":
        raise WorkspaceError(
            f"{path} is not a DuckDB workspace file. To load a data file, import it into a "
            f"workspace: `cxpulse import {path} --table TABLE -w WORKSPACE.duckdb`."
        )


def _explain_duckdb_open_error(path: Path, exc: Exception) -> WorkspaceError:
    message = str(exc)
    held = _LOCK_HOLDER.search(message)
    if held or "Could not set lock" in message:
        server = serve_url(int(held["pid"])) if held else None
        if server is not None and held is not None:
            return WorkspaceLockedError(
                f"the workspace {path} is held by `cxpulse serve` (PID {held['pid']}) on "
                f"{server}; DuckDB lets only one process open the file. Ask the server "
                f"instead, with an API token: `--via {server}` on `cxpulse metric` and "
                f"`cxpulse scorecard` (token in CXPULSE_TOKEN), or GET "
                f"{server}/api/v1/metrics/NAME?by=month, {server}/api/v1/scorecard and the "
                f"other routes of {server}/api/docs with the header 'Authorization: Bearer "
                "TOKEN' (create a token with `cxpulse token create NAME` while the server is "
                "stopped, or POST /api/v1/tokens as an admin).",
                server=server,
            )
        who = f" (PID {held['pid']}, {Path(held['prog']).name})" if held else ""
        return WorkspaceLockedError(
            f"the workspace {path} is in use by another process{who}. DuckDB lets only one "
            "process open a workspace file at a time: wait for that command to finish, stop "
            "it, or send your request through the running `cxpulse serve`."
        )
    explained = storage_error(exc, str(path))
    if isinstance(explained, WorkspaceDamagedError):
        return WorkspaceDamagedError(damaged_message(str(path), message.splitlines()[0]))
    if explained is not None:
        return explained
    if "not a valid DuckDB database" in message:
        return WorkspaceError(f"{path} is not a DuckDB workspace file ({message.splitlines()[0]})")
    return WorkspaceError(f"cannot open the workspace {path}: {message.splitlines()[0]}")
