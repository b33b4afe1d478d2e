"""Versioned schema migrations, recorded in the workspace itself.

Each migration runs once, inside a transaction, and is recorded in ``cxpulse_migrations`` with
the time it ran. Opening a workspace applies what is missing; a workspace written by a newer
cxpulse (a version this code does not know) is refused rather than silently misread.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import ibis
import ibis.expr.datatypes as dt

from cxpulse import schema
from cxpulse.errors import WorkspaceError
from cxpulse.store.connect import Store

MIGRATIONS_TABLE = "cxpulse_migrations"
SETTINGS_TABLE = "cxpulse_settings"
IMPORTS_TABLE = "cxpulse_imports"


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    apply: Callable[[Store], None]


def _canonical_tables(store: Store) -> None:
    for tab in schema.TABLES.values():
        store.con.create_table(tab.name, schema=ibis.schema(tab.ibis_schema()))
    store.con.create_table(
        SETTINGS_TABLE, schema=ibis.schema({"key": dt.string, "value": dt.string})
    )
    store.con.create_table(
        IMPORTS_TABLE,
        schema=ibis.schema(
            {
                "imported_at": dt.Timestamp(),
                "table_name": dt.string,
                "file": dt.string,
                "rows_read": dt.int64,
                "rows_new": dt.int64,
                "rows_updated": dt.int64,
                "rows_unchanged": dt.int64,
                "rows_rejected": dt.int64,
            }
        ),
    )


MIGRATIONS: tuple[Migration, ...] = (Migration(1, "canonical tables", _canonical_tables),)


def current_version(store: Store) -> int:
    if not store.has_table(MIGRATIONS_TABLE):
        return 0
    done = store.table(MIGRATIONS_TABLE).version.max().execute()
    return int(done) if done is not None else 0


def migrate(store: Store) -> list[Migration]:
    """Apply the migrations this workspace lacks; return the ones applied."""
    version = current_version(store)
    latest = MIGRATIONS[-1].version
    if version > latest:
        raise WorkspaceError(
            f"{store.location} was written by a newer cxpulse (schema version {version}, this "
            f"one knows up to {latest}). Upgrade cxpulse to open it."
        )
    applied = []
    for migration in MIGRATIONS:
        if migration.version <= version:
            continue
        with store.transaction():
            if not store.has_table(MIGRATIONS_TABLE):
                store.con.create_table(
                    MIGRATIONS_TABLE,
                    schema=ibis.schema(
                        {"version": dt.int64, "name": dt.string, "applied_at": dt.Timestamp()}
                    ),
                )
            migration.apply(store)
            store.con.insert(
                MIGRATIONS_TABLE,
                [
                    {
                        "version": migration.version,
                        "name": migration.name,
                        "applied_at": datetime.now(UTC).replace(tzinfo=None),
                    }
                ],
            )
        applied.append(migration)
    return applied
