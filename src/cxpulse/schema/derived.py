"""Tables derived from canonical ones and maintained on write (:mod:`cxpulse.store.derived`):
never imported, rebuilt whole when their version (code, settings) changes."""

from __future__ import annotations

from cxpulse.schema.columns import OperationalTable, op

DERIVED_VERSIONS_TABLE = "cxpulse_derived"

DERIVED_VERSIONS = OperationalTable(
    name=DERIVED_VERSIONS_TABLE,
    doc="One row per group of derived tables: the version its rows were computed with.",
    columns=(
        op("name", "string", "The group of derived tables (its maintainer)."),
        op("version", "string", "Its code version and the settings it depends on."),
        op("sources", "string", "The tables it is computed from, comma-separated."),
        op("refreshed_at", "timestamp", "When it was last rebuilt or refreshed (UTC)."),
    ),
)

DERIVED_TABLES = (DERIVED_VERSIONS,)
