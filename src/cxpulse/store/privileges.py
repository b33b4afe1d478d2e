"""A PostgreSQL role without a privilege cxpulse needs: one line naming the table and the GRANT.

A team often gives analysts a read-only role. Such a role reads a workspace whose schema is
current (no migration is attempted then, see :mod:`cxpulse.store.migrations`); a command that
writes (import, ``config set``, scores, the worker) fails with PostgreSQL's
``InsufficientPrivilege``, which was reported as a bug in cxpulse. :func:`privilege_error`
turns it into :class:`~cxpulse.errors.WorkspacePermissionError`, with the privileges the role
lacks on that table (asked from PostgreSQL) and the statement an owner runs to grant them.
"""

from __future__ import annotations

import re
from typing import Any

from cxpulse.errors import CxpulseError, WorkspacePermissionError

_INSUFFICIENT_PRIVILEGE = "42501"  # SQLSTATE: permission denied, must be owner
_OBJECT = re.compile(r'(?:permission denied for|must be owner of) (\w+) "?([\w.]+)"?')
_TABLE_PRIVILEGES = ("SELECT", "INSERT", "UPDATE", "DELETE")


def privilege_error(exc: BaseException, con: Any, location: str) -> WorkspacePermissionError | None:
    """The user-facing error for a PostgreSQL permission failure, or None for anything else.
    ``con``: the psycopg connection the failure happened on (asked what the role lacks)."""
    if isinstance(exc, CxpulseError) or getattr(exc, "sqlstate", None) != _INSUFFICIENT_PRIVILEGE:
        return None
    said = str(exc).splitlines()[0]
    found = _OBJECT.search(said)
    kind, name = (found[1], found[2]) if found else ("table", None)
    role = _ask(con, "SELECT current_user", ()) or "this role"
    if kind in ("table", "relation") and name is not None:
        missing = [
            p for p in _TABLE_PRIVILEGES
            if _ask(con, "SELECT has_table_privilege(%s, %s)", (name, p)) is False
        ]  # fmt: skip
        if "SELECT" in missing or not missing:  # cannot even read: every table, to read
            grant = (
                f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {role} (to read; commands "
                "that write need INSERT, UPDATE, DELETE too)"
            )
        else:
            grant = f"GRANT {', '.join(missing)} ON {name} TO {role}"
        what = f"the table {name}"
    elif kind == "schema" and name is not None:
        grant = f"GRANT USAGE, CREATE ON SCHEMA {name} TO {role}"
        what = f"the schema {name}"
    else:
        grant = f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}"
        what = f"{kind} {name}" if name else "a table"
    if "must be owner" in said:
        grant = f"ALTER TABLE {name} OWNER TO {role}, or run it as the owner of {name}"
    return WorkspacePermissionError(
        f"the PostgreSQL role {role} lacks a privilege on {what} in {location} ({said}). "
        f"To allow it, the database owner runs: {grant}"
    )


def _ask(con: Any, sql: str, args: tuple[Any, ...]) -> Any:
    """One value from the database, or None if it cannot be asked (the connection gone, a
    transaction failed)."""
    try:
        with con.cursor() as cursor:
            row = cursor.execute(sql, args).fetchone()
    except Exception:
        return None
    return row[0] if row else None
