"""The table of the digests cxpulse sends by itself (`cxpulse digests add`): their definitions.
What they send is in the outbox (automation_outbox), one row per digest, period and recipient."""

from __future__ import annotations

from cxpulse.schema.columns import OperationalTable, op

DIGEST_DEFINITIONS_TABLE = "digest_definitions"

DIGEST_DEFINITIONS = OperationalTable(
    name=DIGEST_DEFINITIONS_TABLE,
    key="name",
    doc="One row per digest: the checked YAML as JSON, replaced by `cxpulse digests add`.",
    columns=(
        op("name", "string", "The digest's name."),
        op("definition", "string", "The checked definition, as JSON."),
        op("active", "bool", "Whether the worker sends it (paused digests are kept)."),
        op("added_at", "timestamp", "When this version was added (UTC)."),
    ),
)

DIGEST_TABLES = (DIGEST_DEFINITIONS,)
DIGEST_SCHEMAS: dict[str, dict[str, str]] = {t.name: t.types() for t in DIGEST_TABLES}
