"""Migration 14: on PostgreSQL, the database enforces every natural key with a unique index.

Until now the key was kept by cxpulse alone (read the stored keys, then write), which is right
for one process and wrong for two: two imports of the same file into PostgreSQL at once both
found no row and both inserted, leaving each customer twice. With a unique index the second
writer waits for the first and then conflicts, and upserts become ``INSERT ... ON CONFLICT``
(see :mod:`cxpulse.store.postgres`).

Not on DuckDB: one process holds a DuckDB file, so cxpulse's own upserts keep its keys, and
DuckDB checks a unique index against rows deleted earlier in the same transaction once they
are on disk ("over-eager constraint checking" in DuckDB's documentation, still so in 1.5):
replacing a row by deleting and inserting it, as saving the settings or ``replace_rows`` do,
fails with "Duplicate key". Other backends (Spark over Parquet) have no indexes.

Rows stored twice before this migration are handled first, per table: copies identical in
every column are merged into one (nothing is lost: they were the same row written twice, as
concurrent imports did); keys stored with different contents are refused with the keys and a
way out, since only the user knows which version is right. The tables and keys are written out
as they were on the day this migration was written.
"""

from __future__ import annotations

from cxpulse.errors import WorkspaceError
from cxpulse.store.connect import Store
from cxpulse.store.migrations.base import Migration

# (table, key column): each table with a natural key on the day of this migration
KEYS: tuple[tuple[str, str], ...] = (
    ("customers", "customer_id"),
    ("subscriptions", "subscription_id"),
    ("orders", "order_id"),
    ("survey_invitations", "invitation_id"),
    ("survey_responses", "response_id"),
    ("tickets", "ticket_id"),
    ("web_events", "event_id"),
    ("mentions", "mention_id"),
    ("loyalty_ledger", "entry_id"),
    ("cxpulse_settings", "key"),
    ("clv_scores", "customer_id"),
    ("churn_scores", "customer_id"),
    ("cxpulse_cx_index_weights", "version"),
    ("text_annotations", "annotation_id"),
    ("survey_definitions", "survey_id"),
    ("survey_decisions", "decision_id"),
    ("survey_deliveries", "delivery_key"),
    ("survey_events", "event_id"),
    ("survey_secrets", "name"),
    ("survey_widget_offers", "counter_key"),
    ("automation_rules", "name"),
    ("automation_runs", "run_id"),
    ("cases", "case_id"),
    ("case_notes", "note_id"),
    ("customer_tags", "tag_id"),
    ("automation_outbox", "outbox_key"),
    ("users", "user_id"),
    ("user_sessions", "session_hash"),
    ("api_tokens", "token_id"),
)

KEY_INDEXES: tuple[tuple[str, str, str], ...] = tuple(
    (f"cxpulse_key_{table}", table, key) for table, key in KEYS
)
"""(index, table, column) of the unique indexes this migration makes."""

_SHOWN = 5  # duplicate keys named in a refusal


def apply(store: Store) -> None:
    if store.backend != "postgres":
        return
    for index, table, key in KEY_INDEXES:
        _merge_identical_copies(store, table, key)
        _refuse_conflicting_copies(store, table, key)
        store.con.raw_sql(f'CREATE UNIQUE INDEX IF NOT EXISTS {index} ON {table} ("{key}")')


def _duplicated(store: Store, table: str, key: str) -> list[str]:
    """Keys stored more than once (the first few). Not NULL: the unique index lets any
    number of rows without a key in, as the table did before."""
    found = store.con.raw_sql(
        f'SELECT CAST("{key}" AS VARCHAR) FROM {table} WHERE "{key}" IS NOT NULL GROUP BY "{key}" '
        f"HAVING COUNT(*) > 1 ORDER BY 1 LIMIT {_SHOWN + 1}"
    ).fetchall()
    return [str(k) for (k,) in found]


def _merge_identical_copies(store: Store, table: str, key: str) -> None:
    if not _duplicated(store, table, key):
        return
    # replace the duplicated keys' rows by one copy each, through a scratch table dropped
    # when the migration's transaction commits
    scratch = f"cxpulse_dedupe_{table}"
    store.con.raw_sql(
        f"CREATE TEMPORARY TABLE {scratch} ON COMMIT DROP AS SELECT DISTINCT * FROM {table} "
        f'WHERE "{key}" IN (SELECT "{key}" FROM {table} GROUP BY "{key}" HAVING COUNT(*) > 1)'
    )
    store.con.raw_sql(f'DELETE FROM {table} WHERE "{key}" IN (SELECT "{key}" FROM {scratch})')
    store.con.raw_sql(f"INSERT INTO {table} SELECT * FROM {scratch}")


def _refuse_conflicting_copies(store: Store, table: str, key: str) -> None:
    keys = _duplicated(store, table, key)
    if not keys:
        return
    shown = ", ".join(repr(k) for k in keys[:_SHOWN]) + (", …" if len(keys) > _SHOWN else "")
    raise WorkspaceError(
        f"{store.location}: cannot enforce unique keys, the table {table} holds rows with the "
        f"same {key} and different values ({shown}). These come from writes made at the same "
        f"time by an older cxpulse. Keep one row per {key}: for instance delete those rows "
        f'(DELETE FROM {table} WHERE "{key}" IN (...)) and import them again from their '
        "source with this cxpulse's previous version, then open the workspace again. Nothing "
        "was changed."
    )


MIGRATION = Migration(14, "unique natural keys", apply)
