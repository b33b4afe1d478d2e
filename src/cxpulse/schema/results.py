"""Results stored in the workspace (:mod:`cxpulse.store.results`): report results kept with the
data version of every table they read, and those tables' versions."""

from __future__ import annotations

from cxpulse.schema.columns import OperationalTable, op

RESULTS_TABLE = "cxpulse_results"
TABLE_VERSIONS_TABLE = "cxpulse_versions"

RESULTS = OperationalTable(
    name=RESULTS_TABLE,
    doc="Report results kept for instant reads (the scorecard...); used only while every "
    "table they read has the version they were computed at.",
    columns=(
        op("key", "string", "The result's name and its parameters, as canonical JSON."),
        op("name", "string", "The result's name, e.g. scorecard."),
        op("versions", "string", "JSON: each table it read and that table's version then."),
        op("settings", "string", "A hash of the settings and cxpulse version it used."),
        op("computed_at", "timestamp", "When it was computed (UTC)."),
        op("payload", "string", "The result, as JSON."),
    ),
)

TABLE_VERSIONS = OperationalTable(
    name=TABLE_VERSIONS_TABLE,
    doc="One row per table written since migration 18: a new version at every transaction "
    "that writes it (stored results that read it are then out of date).",
    columns=(
        op("name", "string", "The table."),
        op("version", "string", "Its version: a new random token at each write."),
        op("changed_at", "timestamp", "When it was last written (UTC)."),
    ),
)

RESULT_TABLES = (RESULTS, TABLE_VERSIONS)
