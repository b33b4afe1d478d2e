"""Migration 4 (b79f814): sentiment and themes of texts (``cxpulse text score``)."""

from __future__ import annotations

from cxpulse.store.connect import Store
from cxpulse.store.migrations.base import F, Migration, S, T, create_tables

TABLES = {
    "text_annotations": {
        "annotation_id": S,
        "table_name": S,
        "row_key": S,
        "language": S,
        "sentiment": F,
        "label": S,
        "themes": S,
        "analyzer": S,
        "analyzer_version": S,
        "annotated_at": T,
    },
}


def apply(store: Store) -> None:
    create_tables(store, TABLES)


MIGRATION = Migration(4, "text annotations table", apply)
