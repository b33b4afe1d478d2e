"""The workspace's own bookkeeping: settings, the import log, the migrations applied."""

from __future__ import annotations

from cxpulse.schema.columns import OperationalTable, op

SETTINGS_TABLE = "cxpulse_settings"
IMPORTS_TABLE = "cxpulse_imports"
MIGRATIONS_TABLE = "cxpulse_migrations"

SETTINGS = OperationalTable(
    name=SETTINGS_TABLE,
    key="key",
    doc="The workspace settings (`cxpulse config`), one row per setting.",
    columns=(
        op("key", "string", "Setting name, e.g. timezone or targets.nps."),
        op("value", "string", "Its value, as JSON."),
    ),
)

IMPORTS = OperationalTable(
    name=IMPORTS_TABLE,
    doc="One row per file imported into a canonical table, with what it changed.",
    columns=(
        op("imported_at", "timestamp", "When the import ran (UTC)."),
        op("table_name", "string", "The canonical table imported into."),
        op("file", "string", "The file (or source) imported."),
        op("rows_read", "int", "Rows read from the file."),
        op("rows_new", "int", "Rows whose key was new."),
        op("rows_updated", "int", "Rows that replaced a stored row with different values."),
        op("rows_unchanged", "int", "Rows equal to the stored row."),
        op("rows_rejected", "int", "Rows refused by the table's rules."),
    ),
)

MIGRATION_LOG = OperationalTable(
    name=MIGRATIONS_TABLE,
    key="version",
    doc="The schema migrations applied to this workspace, each once.",
    columns=(
        op("version", "int", "Migration number (the highest is the schema version)."),
        op("name", "string", "What the migration did."),
        op("applied_at", "timestamp", "When it ran (UTC)."),
    ),
)
