"""Text on arrival: the worker's text phase annotates what came in since the last tick.

Comments, ticket subjects and mentions arrive by every path (a file import, a connector's
sync, a webhook, the widget, the API); none of them annotates, so that a slow analyzer never
holds up an import or a webhook's answer. Each tick, :func:`annotate_arrivals` annotates the
rows whose text has no annotation made from it (:func:`cxpulse.text.annotate.pending`: a new
row, or a text that changed since), before the rules run, so a rule on a theme or a sentiment
judges every text that arrived before the tick.

Texts are read and written in batches of ``batch`` rows by key, each batch committed on its
own: the first tick on a workspace never annotated works through the whole backlog, saying
how far it got, and a crash resumes after the last committed batch (what was annotated is
no longer pending). Nothing new costs one query per table that returns no row; no text is
read and no analyzer runs. The store is touched under ``hold`` (the web server's workspace
lock) only to read and to write a batch; the analysis runs without it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from cxpulse.errors import ConfigError
from cxpulse.schema import TEXT_ANNOTATIONS_TABLE
from cxpulse.text.annotate import (
    DEFAULT_TABLES,
    SOURCES,
    AnalyzerChoice,
    annotate_rows,
    pending,
    read_texts,
    resolve_analyzers,
    write_annotations,
)
from cxpulse.text.themes import Taxonomy, load_taxonomy

if TYPE_CHECKING:
    from cxpulse.context import Context

Hold = Callable[[], AbstractContextManager[Any]]
BATCH = 2_000
"""Texts per batch: about a second of the default analyzers' work on this machine, so the
web server waits at most for one batch's read or write, never for a backlog."""


@dataclass
class Arrivals:
    """What a text phase did: texts annotated per table, rows read, batches committed."""

    annotated: dict[str, int] = field(default_factory=dict)
    read: int = 0  # texts read from the store (0 when nothing was new)
    batches: int = 0

    @property
    def total(self) -> int:
        return sum(self.annotated.values())

    def summary(self) -> str:
        return ", ".join(f"{n:,} {table}" for table, n in self.annotated.items() if n)


def annotate_arrivals(
    ws: Context,
    *,
    tables: Sequence[str] = DEFAULT_TABLES,
    batch: int = BATCH,
    analyzers: AnalyzerChoice | None = None,
    hold: Hold = nullcontext,
    progress: Callable[[str], None] | None = None,
) -> Arrivals:
    """Annotate every text not annotated from its current content, ``batch`` rows at a time."""
    if batch < 1:
        raise ConfigError(f"a batch is at least 1 text, not {batch}")
    unknown = [t for t in tables if t not in SOURCES]
    if unknown:
        raise ConfigError(f"no text to analyse in {', '.join(unknown)}; use {', '.join(SOURCES)}")
    say = progress or (lambda _line: None)
    report = Arrivals()
    if not ws.store.has_table(TEXT_ANNOTATIONS_TABLE):  # a store that keeps none (Spark)
        return report
    loaded: tuple[AnalyzerChoice, Taxonomy] | None = None
    for table in tables:
        source, done, total, after = SOURCES[table], 0, 0, None
        while True:
            with hold():
                rows = read_texts(ws, source, only_new=True, after=after, limit=batch)
                if after is None and len(rows) == batch:  # a backlog: say how big
                    total = int(pending(ws, source).count().execute())
            report.read += len(rows)
            if rows.empty:
                break
            if loaded is None:  # loaded once something is new: nothing new loads nothing
                taxonomy = load_taxonomy(ws.settings.theme_taxonomy or None)
                loaded = (resolve_analyzers(analyzers), taxonomy)
            result = annotate_rows(rows, *loaded)
            with hold():
                write_annotations(ws, table, rows, result)
            done += len(rows)
            report.batches += 1
            after = str(rows["key"].iloc[-1])
            if total:
                say(f"text: {table} {done:,} of {total:,} annotated")
            if len(rows) < batch:
                break
        if done:
            report.annotated[table] = done
    return report
