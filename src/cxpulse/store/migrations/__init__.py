"""Versioned schema migrations, recorded in the workspace itself.

Each migration runs once, inside a transaction, and is recorded in ``cxpulse_migrations`` with
the time it ran. Opening a workspace applies what is missing; a workspace written by a newer
cxpulse (a version this code does not know) is refused rather than silently misread.

Each migration is a module of its own, frozen: it writes out what it created as it was when it
was written, so this list never changes when :mod:`cxpulse.schema` does (a schema change is a
new migration). ``tests/store/test_upgrade.py`` upgrades workspaces written by older cxpulse
versions and checks they end up exactly like a new one, and like :mod:`cxpulse.schema`.
Nothing here imports above :mod:`cxpulse.store`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import ibis
import ibis.expr.datatypes as dt

from cxpulse.errors import WorkspaceError, WorkspacePermissionError, WorkspaceReadOnlyError
from cxpulse.store.connect import Store
from cxpulse.store.faults import read_only_message
from cxpulse.store.migrations import (
    m001_canonical,
    m002_clv_scores,
    m003_cx_index_weights,
    m004_text_annotations,
    m005_survey_operations,
    m006_churn_scores,
    m007_automations,
    m008_accounts,
    m009_lookup_indexes,
    m010_survey_emails_to_outbox,
    m011_drop_ignored_fields,
    m012_widget_offers,
    m013_web_events_source,
    m014_unique_keys,
    m015_derived_versions,
    m016_web_sessions,
    m017_annotations,
    m018_results,
    m019_digest_definitions,
    m020_sources,
    m021_webhook_events,
    m022_text_hash,
    m023_customer_identities,
    m024_webhook_event_order,
)
from cxpulse.store.migrations.base import Migration

MIGRATIONS_TABLE = "cxpulse_migrations"
_INSUFFICIENT_PRIVILEGE = "42501"  # PostgreSQL's SQLSTATE
# the indexes migration 9 made (a test that drops a column of their tables drops them first)
LOOKUP_INDEXES = m009_lookup_indexes.LOOKUP_INDEXES
# the unique index of each natural key (migration 14, and the later tables' own); the same
# rule applies to them
KEY_INDEXES = (
    m014_unique_keys.KEY_INDEXES
    + m017_annotations.KEY_INDEXES
    + m019_digest_definitions.KEY_INDEXES
    + m020_sources.KEY_INDEXES
    + m021_webhook_events.KEY_INDEXES
    + m023_customer_identities.KEY_INDEXES
)

MIGRATIONS: tuple[Migration, ...] = (
    m001_canonical.MIGRATION,
    m002_clv_scores.MIGRATION,
    m003_cx_index_weights.MIGRATION,
    m004_text_annotations.MIGRATION,
    m005_survey_operations.MIGRATION,
    m006_churn_scores.MIGRATION,
    m007_automations.MIGRATION,
    m008_accounts.MIGRATION,
    m009_lookup_indexes.MIGRATION,
    m010_survey_emails_to_outbox.MIGRATION,
    m011_drop_ignored_fields.MIGRATION,
    m012_widget_offers.MIGRATION,
    m013_web_events_source.MIGRATION,
    m014_unique_keys.MIGRATION,
    m015_derived_versions.MIGRATION,
    m016_web_sessions.MIGRATION,
    m017_annotations.MIGRATION,
    m018_results.MIGRATION,
    m019_digest_definitions.MIGRATION,
    m020_sources.MIGRATION,
    m021_webhook_events.MIGRATION,
    m022_text_hash.MIGRATION,
    m023_customer_identities.MIGRATION,
    m024_webhook_event_order.MIGRATION,
)


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
    if version < latest and store.read_only:
        raise WorkspaceReadOnlyError(
            read_only_message(
                store.location,
                f"{store.read_only}; it needs upgrading from schema version {version} to "
                f"{latest}, which writes",
            )
        )
    applied = []
    for migration in MIGRATIONS:
        if migration.version <= version:
            continue
        with _owner_needed(store, version, migration, latest), store.transaction():
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


@contextmanager
def _owner_needed(store: Store, version: int, migration: Migration, latest: int) -> Iterator[None]:
    """An upgrade refused for a missing PostgreSQL privilege (a role that may write rows but
    does not own the tables, which creating an index or adding a column takes): what to do,
    in one line, rather than a GRANT on the one table it stopped at. A new workspace (version
    0) is left to :mod:`cxpulse.store.privileges`, which names the schema's GRANT."""
    try:
        yield
    except Exception as exc:
        if not version or getattr(exc, "sqlstate", None) != _INSUFFICIENT_PRIVILEGE:
            raise
        said = str(exc).splitlines()[0]
        raise WorkspacePermissionError(
            f"{store.location} needs upgrading to schema version {latest}, and migration "
            f"{migration.version} ({migration.name}) was refused: {said}. Upgrade it once as "
            "the role that owns its tables (`cxpulse init URL` with that role's URL); this "
            "role can use it after."
        ) from None


__all__ = [
    "KEY_INDEXES",
    "LOOKUP_INDEXES",
    "MIGRATIONS",
    "MIGRATIONS_TABLE",
    "Migration",
    "current_version",
    "migrate",
]
