"""What goes wrong with a workspace file that is not a bug: damage, a full disk, a read-only
mount, and how each reads to the user.

DuckDB checks a checksum on every block it reads, so a damaged file (a bad disk sector, a copy
cut short, random blocks overwritten) opens fine and answers every query that does not touch
the damaged blocks; the first query that does fails with ``IOException: Corrupt database
file: computed checksum ... does not match``. From then on cxpulse knows the file is damaged
and must not write to it again (a write would build on blocks it cannot trust): it records
that beside the file (``<file>.damaged``) and opens it read-only from then on, until the file
is replaced (restored from a backup).

A full disk reaches cxpulse as DuckDB's ``Could not write file ...: No space left on device``
when a transaction commits; DuckDB rolls the transaction back, so what was stored before is
intact.
"""

from __future__ import annotations

import errno
import json
import os
from pathlib import Path

from cxpulse.errors import (
    CxpulseError,
    DiskFullError,
    WorkspaceDamagedError,
    WorkspaceError,
    WorkspaceReadOnlyError,
)

_DAMAGE_SIGNS = (
    "corrupt database file",
    "does not match stored checksum",
    "checksum mismatch",
)
_FULL_SIGNS = (
    os.strerror(errno.ENOSPC).lower(),  # "no space left on device"
    os.strerror(errno.EDQUOT).lower(),  # "disk quota exceeded"
    os.strerror(errno.EFBIG).lower(),  # "file too large": a size limit (ulimit -f)
)
_READ_ONLY_SIGNS = (
    "read-only mode",  # DuckDB: "Cannot execute statement ... attached in read-only mode"
    os.strerror(errno.EROFS).lower(),  # "read-only file system"
)


def damage_marker(path: Path) -> Path:
    return path.with_name(path.name + ".damaged")


def _identity(path: Path) -> list[int]:
    """What changes when the file is replaced (restored from a backup): inode and mtime."""
    st = path.stat()
    return [st.st_ino, st.st_mtime_ns]


def known_damage(path: Path) -> str | None:
    """What DuckDB said when this very file was found damaged, or None. A marker left from
    another version of the file (restored, or written since) is not trusted either way: the
    opener checks every block again (:func:`cxpulse.store.connect.open_store`)."""
    marker = damage_marker(path)
    try:
        record = json.loads(marker.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if record.get("file") != _identity(path):
        return None
    return str(record.get("detail", "damaged"))


def mark_damaged(path: Path, detail: str) -> None:
    """Remember that ``path`` is damaged, so later opens are read-only (best effort: on a
    full or read-only disk the marker cannot be written, and the next failing read finds the
    damage again)."""
    try:
        record = {"file": _identity(path), "detail": detail}
        damage_marker(path).write_text(json.dumps(record), encoding="utf-8")
    except OSError:
        pass


def damaged_message(path: str, detail: str) -> str:
    return (
        f"the workspace {path} is damaged: DuckDB found data that fails its checksum "
        f"({detail}). cxpulse will not write to it again. Restore it from your latest backup; "
        f"without one, copy the file and, if the copy still opens, save the tables that still "
        f"read with `cxpulse parquet export FOLDER -w COPY.duckdb`, then `cxpulse parquet "
        f"import` them into a new workspace."
    )


def read_only_message(path: str, why: str) -> str:
    return (
        f"the workspace {path} is open read-only ({why}): this command writes to it and was "
        f"refused. Nothing was changed."
    )


def storage_error(exc: BaseException, location: str | None) -> WorkspaceError | None:
    """The user-facing error for a backend failure that is about the file or the disk (not a
    bug), or None. A damaged DuckDB file is also marked so it is not written again."""
    if isinstance(exc, CxpulseError):  # already a message
        return None
    message = str(exc)
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
        # a file cxpulse writes itself (a rejects file, an export), not the workspace
        where = f" {exc.filename}" if exc.filename else ""
        return DiskFullError(
            f"the disk is full: could not write{where} ({exc.strerror}). Free some space and "
            "run the command again."
        )
    if not _is_backend_error(exc):
        return None
    lowered = message.lower()
    first = message.splitlines()[0] if message else type(exc).__name__
    where = location or "the workspace"
    if any(sign in lowered for sign in _DAMAGE_SIGNS) or type(exc).__name__ == (
        "SerializationException"
    ):
        if location and Path(location).is_file():
            mark_damaged(Path(location), first)
        return WorkspaceDamagedError(damaged_message(where, first))
    if any(sign in lowered for sign in _FULL_SIGNS):
        return DiskFullError(_disk_full_message(location, first))
    if any(sign in lowered for sign in _READ_ONLY_SIGNS):
        return WorkspaceReadOnlyError(
            read_only_message(where, "the file or its folder cannot be written")
        )
    return None


def _disk_full_message(location: str | None, detail: str) -> str:
    disk = f"the disk holding {location}" if location else "the disk"
    return (
        f"{disk} is full ({detail}). Nothing was written, and what the workspace held before "
        "this command is intact. Free some space, or move the workspace to a larger disk, "
        "and run the command again."
    )


def _is_backend_error(exc: BaseException) -> bool:
    """An error raised by a database driver (DuckDB, psycopg, Spark), not by Python code."""
    module = type(exc).__module__ or ""
    return module.split(".")[0].lstrip("_") in {"duckdb", "psycopg", "pyspark"}
