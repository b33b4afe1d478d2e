"""Versioned schema migrations, recorded in the workspace itself.

Each migration runs once, inside a transaction, and is recorded in ``cxpulse_migrations`` with
the time it ran. Opening a workspace applies what is missing; a workspace written by a newer
cxpulse (a version this code does not know) is refused rather than silently misread.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import ibis
import ibis.expr.datatypes as dt
import pandas as pd

from cxpulse import schema
from cxpulse.errors import WorkspaceError, WorkspaceReadOnlyError
from cxpulse.store.connect import Store
from cxpulse.store.faults import read_only_message

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


CLV_SCORES_TABLE = "clv_scores"
CLV_SCORES_SCHEMA: dict[str, dt.DataType] = {
    "customer_id": dt.string,
    "scored_at": dt.Timestamp(),
    "model": dt.string,
    "horizon_months": dt.int64,
    "frequency": dt.float64,
    "recency": dt.float64,
    "T": dt.float64,
    "monetary_value": dt.float64,
    "probability_alive": dt.float64,
    "expected_purchases": dt.float64,
    "expected_order_value": dt.float64,
    "predicted_clv": dt.float64,
}
"""Per-customer predictions written by ``cxpulse clv score`` (one row per customer; the last
run replaces the previous one). Time columns are in weeks, as ``rfm_summary`` gives them."""


def _clv_scores(store: Store) -> None:
    store.con.create_table(CLV_SCORES_TABLE, schema=ibis.schema(CLV_SCORES_SCHEMA))


CX_WEIGHTS_TABLE = "cxpulse_cx_index_weights"
"""Versions of the CX index weights (one row per version; the highest version is current)."""


def _cx_index_weights(store: Store) -> None:
    store.con.create_table(
        CX_WEIGHTS_TABLE,
        schema=ibis.schema(
            {
                "version": dt.int64,
                "effective_from": dt.date,
                "preset": dt.string,
                "weights": dt.string,  # JSON: component -> weight
                "note": dt.string,
                "created_at": dt.Timestamp(),
            }
        ),
    )
    # Workspaces created before the column existed get it appended (new ones have it already,
    # from the schema); Ibis has no portable ALTER TABLE, and this SQL is plain enough.
    if "question_id" not in store.table("survey_responses").columns:
        store.con.raw_sql("ALTER TABLE survey_responses ADD COLUMN question_id VARCHAR")


TEXT_ANNOTATIONS_TABLE = "text_annotations"
TEXT_ANNOTATIONS_SCHEMA: dict[str, dt.DataType] = {
    "annotation_id": dt.string,  # table_name:row_key, the key re-runs replace
    "table_name": dt.string,
    "row_key": dt.string,
    "language": dt.string,
    "sentiment": dt.float64,
    "label": dt.string,
    "themes": dt.string,  # comma-joined theme names
    "analyzer": dt.string,
    "analyzer_version": dt.string,
    "annotated_at": dt.Timestamp(),
}
"""Sentiment and themes of comments, ticket subjects and mentions (``cxpulse text score``)."""


def _text_annotations(store: Store) -> None:
    store.con.create_table(TEXT_ANNOTATIONS_TABLE, schema=ibis.schema(TEXT_ANNOTATIONS_SCHEMA))


SURVEY_DEFINITIONS_TABLE = "survey_definitions"
SURVEY_DECISIONS_TABLE = "survey_decisions"
SURVEY_DELIVERIES_TABLE = "survey_deliveries"
SURVEY_EVENTS_TABLE = "survey_events"
SURVEY_SECRETS_TABLE = "survey_secrets"
SURVEY_OPERATIONAL_SCHEMAS: dict[str, dict[str, dt.DataType]] = {
    # one row per survey; the checked YAML as JSON, replaced by `cxpulse surveys add`
    SURVEY_DEFINITIONS_TABLE: {
        "survey_id": dt.string,
        "definition": dt.string,
        "active": dt.boolean,
        "added_at": dt.Timestamp(),
    },
    # every trigger decision with its reason: what `cxpulse why CUSTOMER` reads
    SURVEY_DECISIONS_TABLE: {
        "decision_id": dt.string,
        "decided_at": dt.Timestamp(),
        "customer_id": dt.string,
        "survey_id": dt.string,
        "trigger_key": dt.string,  # survey:customer:what triggered it; decided once
        "outcome": dt.string,  # invited or skipped
        "reason": dt.string,  # a short code, e.g. fatigue, lower_priority
        "detail": dt.string,
        "invitation_id": dt.string,
        "next_eligible_at": dt.Timestamp(),
    },
    # the outbox: one row per invitation and channel (delivery_key is unique by upsert)
    SURVEY_DELIVERIES_TABLE: {
        "delivery_key": dt.string,
        "invitation_id": dt.string,
        "customer_id": dt.string,
        "survey_id": dt.string,
        "channel": dt.string,
        "language": dt.string,
        "address": dt.string,
        "created_at": dt.Timestamp(),
        "expires_at": dt.Timestamp(),
        "status": dt.string,  # queued (in the outbox), sent, failed, unsubscribed
        "attempts": dt.int64,
        "sent_at": dt.Timestamp(),
        "last_error": dt.string,
    },
    # named customer events that may trigger a survey (besides tickets and orders)
    SURVEY_EVENTS_TABLE: {
        "event_id": dt.string,
        "customer_id": dt.string,
        "name": dt.string,
        "occurred_at": dt.Timestamp(),
        "source": dt.string,
    },
    # the workspace's link-signing secret, generated once
    SURVEY_SECRETS_TABLE: {"name": dt.string, "value": dt.string, "created_at": dt.Timestamp()},
}


def _survey_operations(store: Store) -> None:
    for name, columns in SURVEY_OPERATIONAL_SCHEMAS.items():
        store.con.create_table(name, schema=ibis.schema(columns))


CHURN_SCORES_TABLE = "churn_scores"
CHURN_SCORES_SCHEMA: dict[str, dt.DataType] = {
    "customer_id": dt.string,
    "as_of": dt.Timestamp(),
    "risk": dt.float64,  # probability of churn within the horizon, 0-1
    "model": dt.string,
    "top_reasons": dt.string,  # "feature=value (+risk); ..." as ChurnModel.reasons gives them
    "scored_at": dt.Timestamp(),
}
"""Churn risk per customer written by ``cxpulse churn score`` (the last run replaces the
previous one), for automation rules to act on."""


def _churn_scores(store: Store) -> None:
    store.con.create_table(CHURN_SCORES_TABLE, schema=ibis.schema(CHURN_SCORES_SCHEMA))


AUTOMATION_RULES_TABLE = "automation_rules"
AUTOMATION_RUNS_TABLE = "automation_runs"
CASES_TABLE = "cases"
CASE_NOTES_TABLE = "case_notes"
CUSTOMER_TAGS_TABLE = "customer_tags"
AUTOMATION_OUTBOX_TABLE = "automation_outbox"
AUTOMATION_SCHEMAS: dict[str, dict[str, dt.DataType]] = {
    # one row per rule; the checked YAML as JSON, replaced by `cxpulse rules add`
    AUTOMATION_RULES_TABLE: {
        "name": dt.string,
        "definition": dt.string,
        "active": dt.boolean,
        "added_at": dt.Timestamp(),
    },
    # one row per rule firing; run_id = rule:cause is the key that stops a second firing
    AUTOMATION_RUNS_TABLE: {
        "run_id": dt.string,
        "rule": dt.string,
        "cause": dt.string,
        "customer_id": dt.string,
        "cause_at": dt.Timestamp(),
        "fired_at": dt.Timestamp(),
        "detail": dt.string,  # JSON: what matched
        "actions": dt.string,  # JSON: what was done
    },
    CASES_TABLE: {
        "case_id": dt.string,
        "run_id": dt.string,
        "rule": dt.string,
        "customer_id": dt.string,
        "state": dt.string,  # open, acknowledged, contacted, resolved
        "owner": dt.string,
        "team": dt.string,
        "summary": dt.string,
        "cause_type": dt.string,  # detractor, promoter, csat_unsatisfied, ces_hard, ...
        "cause_response_id": dt.string,
        "cause_score": dt.int64,
        "cause_question_type": dt.string,
        "opened_at": dt.Timestamp(),
        "sla_due_at": dt.Timestamp(),
        "acknowledged_at": dt.Timestamp(),
        "contacted_at": dt.Timestamp(),
        "resolved_at": dt.Timestamp(),
        "root_cause": dt.string,
    },
    CASE_NOTES_TABLE: {
        "note_id": dt.string,
        "case_id": dt.string,
        "written_at": dt.Timestamp(),
        "text": dt.string,
    },
    # tag_id = customer:tag, so tagging twice keeps one row
    CUSTOMER_TAGS_TABLE: {
        "tag_id": dt.string,
        "customer_id": dt.string,
        "tag": dt.string,
        "added_at": dt.Timestamp(),
        "rule": dt.string,
    },
    # webhooks and emails of automations; outbox_key (run_id:action index) is unique by upsert
    AUTOMATION_OUTBOX_TABLE: {
        "outbox_key": dt.string,
        "run_id": dt.string,
        "kind": dt.string,  # webhook, email (a rule's) or survey_email
        "target": dt.string,  # URL or address
        "payload": dt.string,  # JSON
        "created_at": dt.Timestamp(),
        "status": dt.string,  # pending, sending, sent, dead
        "attempts": dt.int64,
        "next_attempt_at": dt.Timestamp(),
        "claimed_at": dt.Timestamp(),
        "sent_at": dt.Timestamp(),
        "last_error": dt.string,
    },
}


def _automations(store: Store) -> None:
    for name, columns in AUTOMATION_SCHEMAS.items():
        store.con.create_table(name, schema=ibis.schema(columns))


USERS_TABLE = "users"
SESSIONS_TABLE = "user_sessions"
API_TOKENS_TABLE = "api_tokens"
AUDIT_TABLE = "audit_log"
ACCOUNT_SCHEMAS: dict[str, dict[str, dt.DataType]] = {
    USERS_TABLE: {
        "user_id": dt.string,
        "password_hash": dt.string,
        "role": dt.string,
        "language": dt.string,
        "created_at": dt.Timestamp(),
        "disabled": dt.boolean,
    },
    # only hashes of session ids and tokens are stored: a copy of the file opens no session
    SESSIONS_TABLE: {
        "session_hash": dt.string,
        "user_id": dt.string,
        "csrf_token": dt.string,
        "created_at": dt.Timestamp(),
        "expires_at": dt.Timestamp(),
    },
    API_TOKENS_TABLE: {
        "token_id": dt.string,
        "name": dt.string,
        "token_hash": dt.string,
        "scopes": dt.string,
        "created_by": dt.string,
        "created_at": dt.Timestamp(),
        "revoked_at": dt.Timestamp(),
        "last_used_at": dt.Timestamp(),
    },
    AUDIT_TABLE: {
        "at": dt.Timestamp(),
        "actor": dt.string,
        "action": dt.string,
        "subject": dt.string,
        "detail": dt.string,
    },
}


def _accounts(store: Store) -> None:
    for name, columns in ACCOUNT_SCHEMAS.items():
        store.con.create_table(name, schema=ibis.schema(columns))


# (index, table, column): lookups of a few rows on hot paths (the survey answer endpoint finds an
# invitation's delivery and its earlier answers per batch); without them each is a full scan,
# 11-30 ms at a million responses, with them 2-3 ms (measured). They cost bulk inserts into
# these tables about 3 s per million rows. DuckDB adds columns to an indexed table but drops
# none: a migration that drops a column of these tables drops the index first.
LOOKUP_INDEXES = (
    ("cxpulse_survey_responses_invitation", "survey_responses", "invitation_id"),
    ("cxpulse_survey_responses_id", "survey_responses", "response_id"),
    ("cxpulse_survey_deliveries_invitation", SURVEY_DELIVERIES_TABLE, "invitation_id"),
)


def _lookup_indexes(store: Store) -> None:
    if store.backend not in ("duckdb", "postgres"):
        return  # other SQL engines: lookups stay scans (correct, only slower)
    for name, table, column in LOOKUP_INDEXES:
        store.con.raw_sql(f'CREATE INDEX IF NOT EXISTS {name} ON {table} ("{column}")')


def _survey_emails_to_outbox(store: Store) -> None:
    """Survey emails used to wait in ``survey_deliveries`` (status ``pending``); now every
    message waits in the outbox. Move the waiting ones there, to be sent as before."""
    d, o = SURVEY_DELIVERIES_TABLE, AUTOMATION_OUTBOX_TABLE
    store.con.raw_sql(
        f"INSERT INTO {o} (outbox_key, run_id, kind, target, payload, created_at, status, "
        "attempts, next_attempt_at, claimed_at, sent_at, last_error) "
        "SELECT 'survey:' || delivery_key, 'survey:' || invitation_id, 'survey_email', address, "
        "'{\"delivery_key\": \"' || delivery_key || '\"}', created_at, 'pending', 0, created_at, "
        f"NULL, NULL, NULL FROM {d} WHERE channel = 'email' AND status = 'pending'"
    )
    store.con.raw_sql(
        f"UPDATE {d} SET status = 'queued' WHERE channel = 'email' AND status = 'pending'"
    )


def _drop_ignored_fields(store: Store) -> None:
    """Survey questions and rule actions now refuse unknown fields instead of ignoring them;
    drop those fields from stored definitions (they changed nothing) so they still load."""
    from cxpulse.automations.rules import drop_ignored_options
    from cxpulse.surveys.definition import drop_ignored_fields

    for table, key, clean, schema_ in (
        (SURVEY_DEFINITIONS_TABLE, "survey_id", drop_ignored_fields,
         SURVEY_OPERATIONAL_SCHEMAS[SURVEY_DEFINITIONS_TABLE]),
        (AUTOMATION_RULES_TABLE, "name", drop_ignored_options,
         AUTOMATION_SCHEMAS[AUTOMATION_RULES_TABLE]),
    ):  # fmt: skip
        changed = []
        for row in store.table(table).execute().to_dict("records"):
            stored = json.loads(row["definition"])
            cleaned = clean(stored) if isinstance(stored, dict) else stored
            if cleaned != stored:
                changed.append({**row, "definition": json.dumps(cleaned, default=str)})
        if changed:  # an upsert, not hand-quoted SQL: the same on DuckDB and PostgreSQL
            frame = ibis.memtable(pd.DataFrame(changed), schema=ibis.schema(schema_))
            store.con.upsert(table, frame, on=key)


WIDGET_OFFERS_TABLE = "survey_widget_offers"
# widget offers shown, counted per survey, page (the URL's path), UTC day and kind of visitor
# (anonymous or a signed-in customer): an anonymous visitor leaves no row of their own until
# they answer, so these counters are what "shown" means for the widget's funnel
WIDGET_OFFERS_SCHEMA: dict[str, dt.DataType] = {
    "counter_key": dt.string,  # survey|day|visitor|page, unique by upsert
    "survey_id": dt.string,
    "day": dt.date,
    "page": dt.string,
    "visitor": dt.string,  # anonymous or customer
    "shown": dt.int64,
    "updated_at": dt.Timestamp(),
}


def _widget_offers(store: Store) -> None:
    """The offer counters; and the offers earlier versions made to anonymous visitors are no
    longer invitations (anyone could make them up, and the unanswered ones counted as
    delivered in the response rate): their invitations and decisions go, and so do the
    deliveries of the unanswered ones. An answered visitor's delivery stays (their budget)."""
    if not store.has_table(WIDGET_OFFERS_TABLE):  # a test may replay the migrations before
        store.con.create_table(WIDGET_OFFERS_TABLE, schema=ibis.schema(WIDGET_OFFERS_SCHEMA))
    if store.backend not in ("duckdb", "postgres"):
        return
    # the counter is read by key on every offer
    store.con.raw_sql(
        f"CREATE INDEX IF NOT EXISTS cxpulse_widget_offers_key "
        f'ON {WIDGET_OFFERS_TABLE} ("counter_key")'
    )
    d = SURVEY_DELIVERIES_TABLE
    store.con.raw_sql(
        f"DELETE FROM {d} WHERE channel = 'widget' AND customer_id IS NULL "
        "AND address LIKE 'visitor:%' AND invitation_id NOT IN (SELECT invitation_id "
        "FROM survey_responses WHERE invitation_id IS NOT NULL)"
    )
    store.con.raw_sql(
        "DELETE FROM survey_invitations WHERE source = 'cxpulse-widget' AND customer_id IS NULL"
    )
    store.con.raw_sql(f"DELETE FROM {SURVEY_DECISIONS_TABLE} WHERE customer_id LIKE 'visitor:%'")


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "canonical tables", _canonical_tables),
    Migration(2, "CLV scores table", _clv_scores),
    Migration(3, "CX index weights; survey question ids", _cx_index_weights),
    Migration(4, "text annotations table", _text_annotations),
    Migration(5, "survey definitions, decisions, deliveries, events", _survey_operations),
    Migration(6, "churn scores table", _churn_scores),
    Migration(7, "automation rules, runs, cases, notes, tags, outbox", _automations),
    Migration(8, "users, sessions, API tokens, audit log", _accounts),
    Migration(9, "indexes for survey answer lookups", _lookup_indexes),
    Migration(10, "survey emails wait in the outbox", _survey_emails_to_outbox),
    Migration(11, "stored surveys and rules without ignored fields", _drop_ignored_fields),
    Migration(12, "widget offers counted; anonymous offers are not invitations", _widget_offers),
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
