"""Every table of a workspace and its columns, documented, in one place.

:mod:`~cxpulse.schema.canonical` holds the tables ``cxpulse import`` accepts; the other modules
hold the tables cxpulse writes itself (surveys, automations, accounts, scores, the workspace's
bookkeeping). This package imports nothing of cxpulse but its errors: every layer may read it.
The frozen migrations in :mod:`cxpulse.store.migrations` create these tables; a test checks that
they produce exactly what is described here.
"""

from __future__ import annotations

from cxpulse.errors import UnknownTableError
from cxpulse.schema.accounts import (
    ACCOUNT_SCHEMAS,
    ACCOUNT_TABLES,
    API_TOKENS_TABLE,
    AUDIT_TABLE,
    SESSIONS_TABLE,
    USERS_TABLE,
)
from cxpulse.schema.automations import (
    AUTOMATION_OUTBOX_TABLE,
    AUTOMATION_RULES_TABLE,
    AUTOMATION_RUNS_TABLE,
    AUTOMATION_SCHEMAS,
    AUTOMATION_TABLES,
    CASE_NOTES_TABLE,
    CASES_TABLE,
    CUSTOMER_TAGS_TABLE,
)
from cxpulse.schema.canonical import (
    CHANNELS,
    CUSTOMER_REF,
    CUSTOMERS,
    LANGUAGES,
    LOYALTY_LEDGER,
    MENTIONS,
    ORDERS,
    POLARITIES,
    QUESTION_TYPES,
    SENTIMENT_LABELS,
    SOURCE,
    SUBSCRIPTIONS,
    SURVEY_INVITATIONS,
    SURVEY_RESPONSES,
    SURVEY_SENDER,
    TABLES,
    TICKETS,
    WEB_EVENTS,
    table,
)
from cxpulse.schema.columns import (
    IBIS_TYPES,
    Column,
    Kind,
    OperationalTable,
    RowRule,
    Table,
)
from cxpulse.schema.derived import (
    DERIVED_TABLES,
    DERIVED_VERSIONS_TABLE,
    WEB_PAGEVIEWS_TABLE,
    WEB_SESSIONS_TABLE,
)
from cxpulse.schema.digests import DIGEST_DEFINITIONS_TABLE, DIGEST_SCHEMAS, DIGEST_TABLES
from cxpulse.schema.insights import ANNOTATIONS_TABLE, INSIGHT_TABLES
from cxpulse.schema.results import RESULT_TABLES, RESULTS_TABLE, TABLE_VERSIONS_TABLE
from cxpulse.schema.scores import (
    CHURN_SCORES_SCHEMA,
    CHURN_SCORES_TABLE,
    CLV_SCORES_SCHEMA,
    CLV_SCORES_TABLE,
    CX_WEIGHTS_TABLE,
    SCORE_TABLES,
    TEXT_ANNOTATIONS_SCHEMA,
    TEXT_ANNOTATIONS_TABLE,
)
from cxpulse.schema.sources import (
    CUSTOMER_IDENTITIES_TABLE,
    SOURCE_SCHEMAS,
    SOURCE_TABLES,
    SOURCES_TABLE,
    WEBHOOK_EVENTS_TABLE,
)
from cxpulse.schema.surveys import (
    SURVEY_DECISIONS_TABLE,
    SURVEY_DEFINITIONS_TABLE,
    SURVEY_DELIVERIES_TABLE,
    SURVEY_EVENTS_TABLE,
    SURVEY_OPERATIONAL_SCHEMAS,
    SURVEY_SECRETS_TABLE,
    SURVEY_TABLES,
    WIDGET_OFFERS_SCHEMA,
    WIDGET_OFFERS_TABLE,
)
from cxpulse.schema.workspace import (
    IMPORTS,
    IMPORTS_TABLE,
    MIGRATION_LOG,
    MIGRATIONS_TABLE,
    SETTINGS,
    SETTINGS_TABLE,
)

OPERATIONAL: dict[str, OperationalTable] = {
    t.name: t
    for t in (
        SETTINGS,
        IMPORTS,
        MIGRATION_LOG,
        *SCORE_TABLES,
        *SURVEY_TABLES,
        *AUTOMATION_TABLES,
        *ACCOUNT_TABLES,
        *DERIVED_TABLES,
        *INSIGHT_TABLES,
        *DIGEST_TABLES,
        *RESULT_TABLES,
        *SOURCE_TABLES,
    )
}
"""The tables cxpulse writes itself, by name (``cxpulse tables --all`` lists them)."""

# (index, table, column): lookups of a few rows on hot paths (the survey answer endpoint finds
# an invitation's delivery and its earlier answers per batch, an offer its counter); without
# them each is a full scan. DuckDB adds columns to an indexed table but drops none.
INDEXES: tuple[tuple[str, str, str], ...] = (
    ("cxpulse_survey_responses_invitation", "survey_responses", "invitation_id"),
    ("cxpulse_survey_responses_id", "survey_responses", "response_id"),
    ("cxpulse_survey_deliveries_invitation", SURVEY_DELIVERIES_TABLE, "invitation_id"),
    ("cxpulse_widget_offers_key", WIDGET_OFFERS_TABLE, "counter_key"),
)

# On PostgreSQL every natural key is also a unique index (the database, not only cxpulse,
# keeps it: two processes writing the same rows at once cannot store a key twice; DuckDB has
# one writer process, see migration 14). The migrations table is written by the migration
# runner itself, one row per version.
_KEYED: dict[str, Table | OperationalTable] = {**TABLES, **OPERATIONAL}
KEY_INDEXES: tuple[tuple[str, str, str], ...] = tuple(
    (f"cxpulse_key_{name}", name, t.key)
    for name, t in _KEYED.items()
    if t.key is not None and name != MIGRATIONS_TABLE
)


def any_table(name: str) -> Table | OperationalTable:
    """The canonical or operational table called ``name``, or an error listing them all."""
    if name in TABLES:
        return TABLES[name]
    if name in OPERATIONAL:
        return OPERATIONAL[name]
    raise UnknownTableError(
        f"no canonical table {name!r}, nor an operational one; the canonical tables are: "
        f"{', '.join(TABLES)}; the operational ones: {', '.join(OPERATIONAL)}"
    )


__all__ = [
    "ACCOUNT_SCHEMAS",
    "ANNOTATIONS_TABLE",
    "API_TOKENS_TABLE",
    "AUDIT_TABLE",
    "AUTOMATION_OUTBOX_TABLE",
    "AUTOMATION_RULES_TABLE",
    "AUTOMATION_RUNS_TABLE",
    "AUTOMATION_SCHEMAS",
    "CASES_TABLE",
    "CASE_NOTES_TABLE",
    "CHANNELS",
    "CHURN_SCORES_SCHEMA",
    "CHURN_SCORES_TABLE",
    "CLV_SCORES_SCHEMA",
    "CLV_SCORES_TABLE",
    "CUSTOMERS",
    "CUSTOMER_IDENTITIES_TABLE",
    "CUSTOMER_REF",
    "CUSTOMER_TAGS_TABLE",
    "CX_WEIGHTS_TABLE",
    "DERIVED_VERSIONS_TABLE",
    "DIGEST_DEFINITIONS_TABLE",
    "DIGEST_SCHEMAS",
    "DIGEST_TABLES",
    "IBIS_TYPES",
    "IMPORTS_TABLE",
    "INDEXES",
    "KEY_INDEXES",
    "LANGUAGES",
    "LOYALTY_LEDGER",
    "MENTIONS",
    "MIGRATIONS_TABLE",
    "OPERATIONAL",
    "ORDERS",
    "POLARITIES",
    "QUESTION_TYPES",
    "RESULTS_TABLE",
    "SENTIMENT_LABELS",
    "SESSIONS_TABLE",
    "SETTINGS_TABLE",
    "SOURCE",
    "SOURCES_TABLE",
    "SOURCE_SCHEMAS",
    "SOURCE_TABLES",
    "SUBSCRIPTIONS",
    "SURVEY_DECISIONS_TABLE",
    "SURVEY_DEFINITIONS_TABLE",
    "SURVEY_DELIVERIES_TABLE",
    "SURVEY_EVENTS_TABLE",
    "SURVEY_INVITATIONS",
    "SURVEY_OPERATIONAL_SCHEMAS",
    "SURVEY_RESPONSES",
    "SURVEY_SECRETS_TABLE",
    "SURVEY_SENDER",
    "TABLES",
    "TABLE_VERSIONS_TABLE",
    "TEXT_ANNOTATIONS_SCHEMA",
    "TEXT_ANNOTATIONS_TABLE",
    "TICKETS",
    "USERS_TABLE",
    "WEBHOOK_EVENTS_TABLE",
    "WEB_EVENTS",
    "WEB_PAGEVIEWS_TABLE",
    "WEB_SESSIONS_TABLE",
    "WIDGET_OFFERS_SCHEMA",
    "WIDGET_OFFERS_TABLE",
    "Column",
    "Kind",
    "OperationalTable",
    "RowRule",
    "Table",
    "any_table",
    "table",
]
