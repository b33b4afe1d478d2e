"""The tables of insights: annotations, the events (outages, releases, price changes,
campaigns) that findings and charts are read against."""

from __future__ import annotations

from cxpulse.schema.columns import OperationalTable, op

ANNOTATIONS_TABLE = "annotations"

ANNOTATIONS = OperationalTable(
    name=ANNOTATIONS_TABLE,
    key="annotation_id",
    doc="Events to read the metrics against: `cxpulse annotate DAY LABEL`, `cxpulse impact`.",
    columns=(
        op("annotation_id", "string", "Id of the annotation (a number, given in order)."),
        op("day", "date", "The local day the event started."),
        op("until", "date", "The local day it ended (included); empty for a one-off event."),
        op("label", "string", "What happened, e.g. Carrier outage."),
        op("tags", "string", "Comma-joined tags, e.g. outage,delivery."),
        op("author", "string", "Who recorded it (a user, or cli)."),
        op("created_at", "timestamp", "When it was recorded (UTC)."),
    ),
)

INSIGHT_TABLES = (ANNOTATIONS,)
