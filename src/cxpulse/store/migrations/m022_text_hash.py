"""Migration 22: ``text_annotations.text_hash``, the MD5 of the text an annotation was made
from, so the worker annotates again a comment, subject or mention whose text changed (a
connector's update, a re-import). Annotations written before it have none and are made again
once, by the worker's text phase, in batches."""

from __future__ import annotations

from cxpulse.store.connect import Store
from cxpulse.store.migrations.base import Migration, add_column


def apply(store: Store) -> None:
    if store.has_table("text_annotations"):  # Spark keeps no annotations
        add_column(store, "text_annotations", "text_hash", "VARCHAR")


MIGRATION = Migration(22, "annotations remember the text they were made from", apply)
