"""The composition root: one object that holds the backend connection and the settings.

The CLI, the web app and notebooks all build a :class:`Workspace` the same way and call the
same methods; nothing below this module knows which edge is calling.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator, Mapping, Sequence
from contextlib import contextmanager, nullcontext
from datetime import date
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal

from cxpulse import schema
from cxpulse.errors import ConfigError, WorkspacePermissionError
from cxpulse.kinds import Kinds
from cxpulse.schema import SETTINGS_TABLE, TEXT_ANNOTATIONS_TABLE
from cxpulse.settings import Settings, default_location
from cxpulse.store import Store, open_store
from cxpulse.store.migrations import migrate
from cxpulse.store.outbox import Hold
from cxpulse.store.results import note_read, reading

if TYPE_CHECKING:
    import pandas as pd

    from cxpulse.ingest import ImportReport
    from cxpulse.ingest.readers import ReadOptions
    from cxpulse.metrics.scorecard import Scorecard


# where a shared result becomes a temporary table of the backend (Ibis's cache); elsewhere
# (Spark reading Parquet, read-only) each metric derives its own
_SHARING_BACKENDS = frozenset({"duckdb", "postgres"})


class Workspace:
    """A cxpulse workspace: canonical tables, settings and the metric engine over them."""

    def __init__(self, store: Store, settings: Settings | None = None) -> None:
        self.store = store
        self.settings = settings if settings is not None else self._read_settings()
        self._shared: dict[Hashable, Any] | None = None
        self.kinds = Kinds()
        """One registry per kind (channels, conditions, presets...): ``ws.kinds[CHANNELS]``."""
        self._maintain()

    def _maintain(self) -> None:
        """Register the derived tables kept on write (the sessions of the web hits) and
        rebuild those an older cxpulse or another setting left out of date."""
        from cxpulse.metrics import session_tables

        gap = lambda: float(self.settings.session_gap_minutes)  # noqa: E731 - read when asked
        self.store.derived.register(session_tables.maintainer(gap))
        if self.store.read_only or self.store.damage:
            return  # the metrics read the raw hits where the sessions are out of date
        try:
            self.store.derived.rebuild_stale(self.store)
        except Exception as exc:
            # a PostgreSQL role that may read but not write: the raw hits, as read-only
            if not isinstance(self.store.explain(exc), WorkspacePermissionError):
                raise

    # -- opening -------------------------------------------------------------------------
    @classmethod
    def open(cls, location: str | Path | None = None, *, create: bool = False) -> Workspace:
        """Open a workspace (a DuckDB file path or an Ibis URL), applying pending migrations.

        ``create=False`` refuses a path that does not exist, so a typo does not silently
        make an empty workspace.
        """
        store = open_store(location if location is not None else default_location(), create=create)
        try:
            migrate(store)
            return cls(store)
        except BaseException as exc:
            explained = store.explain(exc)  # before closing: it may ask the database
            store.close()
            if explained is not None:
                raise explained from exc
            raise

    @classmethod
    def init(cls, location: str | Path | None = None, **settings: Any) -> Workspace:
        """Create (or upgrade) a workspace and store the given settings."""
        ws = cls.open(location, create=True)
        if settings:
            ws.save_settings(Settings(**{**ws.settings.__dict__, **settings}))
        return ws

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> Workspace:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        # a damaged file, a full disk, a read-only file, a missing privilege: a message, not
        # a backend trace (asked before closing: it may ask the database)
        explained = self.store.explain(exc) if exc is not None else None
        self.close()
        if explained is not None:
            raise explained from exc

    # -- settings ------------------------------------------------------------------------
    def _read_settings(self) -> Settings:
        rows = self.store.table(SETTINGS_TABLE).execute().to_dict("records")
        return Settings.from_rows(rows)

    def save_settings(self, settings: Settings) -> None:
        old, self.settings = self.settings, settings
        try:
            with self.store.transaction():
                self.store.replace_all(SETTINGS_TABLE, settings.to_rows())
                # a setting the derived tables depend on (the session gap): rebuilt with it
                self.store.derived.rebuild_stale(self.store)
        except BaseException:
            self.settings = old
            raise

    def set_setting(self, key: str, raw: str) -> Settings:
        from cxpulse.metrics import REGISTRY

        self.save_settings(self.settings.with_value(key, raw, metrics=REGISTRY.names()))
        return self.settings

    # -- data ----------------------------------------------------------------------------
    def table(self, name: str) -> Any:
        """The Ibis table expression of a canonical table."""
        schema.table(name)  # a clear KeyError for unknown names
        return self.store.table(name)

    def text_scores(self, table: str) -> Any | None:
        """cxpulse's own sentiment of the texts of ``table`` (written by `cxpulse text score`):
        columns row_key and sentiment; None when the store keeps no annotations (Spark)."""
        if not self.store.has_table(TEXT_ANNOTATIONS_TABLE):
            return None
        ann = self.store.table(TEXT_ANNOTATIONS_TABLE)
        ann = ann.filter(ann.table_name == table)
        return ann.select(row_key=ann.row_key, sentiment=ann.sentiment)

    def counts(self) -> dict[str, int]:
        """Rows in each canonical table."""
        return {name: int(self.store.table(name).count().execute()) for name in schema.TABLES}

    def import_file(
        self,
        path: str | Path,
        table: str | None = None,
        *,
        mapping: Mapping[str, str] | None = None,
        on_error: Literal["fail", "skip"] = "fail",
        rejects_path: str | Path | None = None,
        source: str | None = None,
        preset: str | None = None,
        progress: Callable[[str], None] | None = None,
        read: ReadOptions | None = None,
        date_format: str | None = None,
        generate_id: bool = False,
    ) -> ImportReport:
        """Import a CSV, Parquet, JSON-lines or Excel file into a canonical table (see
        cxpulse.ingest).

        ``preset`` names a vendor export format (one of ``ws.kinds[PRESETS]``: the built-ins
        and any added to this workspace) whose columns are mapped for you; ``mapping`` still
        wins; ``table`` may then be left out (the preset's). ``progress`` receives a line of
        text at each step.
        ``read``, ``date_format`` and ``generate_id``: see :func:`cxpulse.ingest.import_file`.
        """
        from cxpulse.ingest import import_file

        if preset:
            from cxpulse.ingest.presets import PRESETS, get_preset, import_with_preset

            return import_with_preset(
                self.store,
                self.settings,
                get_preset(preset, self.kinds[PRESETS]),
                Path(path),
                table,
                mapping=dict(mapping or {}),
                on_error=on_error,
                rejects_path=Path(rejects_path) if rejects_path else None,
                source=source,
                progress=progress,
                read=read,
                date_format=date_format,
                generate_id=generate_id,
            )
        if table is None:
            raise ConfigError("import_file needs a table, or a preset that names one")
        return import_file(
            self.store,
            self.settings,
            table,
            Path(path),
            mapping=dict(mapping or {}),
            on_error=on_error,
            rejects_path=Path(rejects_path) if rejects_path else None,
            source=source,
            progress=progress,
            read=read,
            date_format=date_format,
            generate_id=generate_id,
        )

    @contextmanager
    def reader(self, hold: Hold = nullcontext) -> Iterator[Workspace]:
        """A workspace to read from outside ``hold`` (the web server's workspace lock): its
        own DuckDB cursor, as the server's pages read, or on PostgreSQL a connection of its
        own, so seconds of work (a digest, the insights a worker refreshes) do not hold up
        survey answers and pages; ``hold`` is taken only to open and close it. Other backends
        (Spark) read through this workspace inside ``hold``."""
        if self.store.backend not in ("duckdb", "postgres"):
            with hold():
                yield self
            return
        with hold():  # a cursor is made from the shared connection (PostgreSQL: its parameters)
            store = self.store.thread_reader()
        reader = type(self)(store, self.settings)
        reader.kinds = self.kinds  # a member registered on this workspace is known there too
        try:
            yield reader
        finally:
            with hold():
                store.close()

    # -- metrics -------------------------------------------------------------------------
    @contextmanager
    def sharing(self) -> Iterator[None]:
        """Inside the block, work that several metrics derive the same way (the sessions of
        the web hits: each website metric would otherwise sessionise every hit again) is
        computed once, kept by the backend, and released at the end of the block.

        Rows written during the block are not seen by what is shared, so a block should
        cover one report (a scorecard, a dashboard page), not a long-lived session."""
        if self._shared is not None:  # nested: the outer block owns what is shared
            yield
            return
        self._shared = {}
        try:
            yield
        finally:
            shared, self._shared = self._shared, None
            for table, _ in shared.values():
                table.release()

    def shared(self, key: Hashable, build: Callable[[], Any]) -> Any:
        """``build()`` (an Ibis table), computed once per :meth:`sharing` block; outside a
        block, the expression itself."""
        if self._shared is None or self.store.backend not in _SHARING_BACKENDS:
            return build()
        if key not in self._shared:
            with reading() as read:
                built = build().cache()
            self._shared[key] = (built, frozenset(read))
        table, read_by_build = self._shared[key]
        note_read(*read_by_build)  # a later reader depends on the tables it was built from
        return table

    def metric(
        self,
        name: str,
        by: str = "month",
        segment: str | Sequence[str] | None = None,
        variant: str | None = None,
        start: date | str | None = None,
        end: date | str | None = None,
        filters: Mapping[str, Any] | None = None,
        compare: str = "previous",
        as_of: date | str | None = None,
    ) -> pd.DataFrame:
        """One metric by period (and segment), with intervals and the change on the previous
        period (``compare="year"``: on the same period a year before). A period not over by
        ``as_of`` (default today) or cut by the range is flagged ``partial`` and not
        compared. See :func:`cxpulse.metrics.engine.compute`."""
        from cxpulse.metrics.engine import compute

        return compute(
            self,
            name,
            by=by,
            segment=segment,
            variant=variant,
            start=start,
            end=end,
            filters=filters,
            compare=compare,
            as_of=as_of,
        )

    def metrics(
        self,
        names: Sequence[str],
        by: str = "month",
        segment: str | Sequence[str] | None = None,
        start: date | str | None = None,
        end: date | str | None = None,
        filters: Mapping[str, Any] | None = None,
        compare: str = "previous",
        as_of: date | str | None = None,
    ) -> dict[str, pd.DataFrame]:
        """Several metrics (default variants) over the same periods, segments and range, as
        :meth:`metric` gives each; those of one table are read in one query (NPS, CSAT and
        CES: one round trip). See :func:`cxpulse.metrics.engine.compute_many`."""
        from cxpulse.metrics.engine import compute_many

        return compute_many(
            self,
            names,
            by=by,
            segment=segment,
            start=start,
            end=end,
            filters=filters,
            compare=compare,
            as_of=as_of,
        )

    def scorecard(
        self,
        by: str = "month",
        metrics: Sequence[str] | None = None,
        as_of: date | str | None = None,
    ) -> Scorecard:
        """Each metric's last complete period against the previous one, its target and
        benchmark."""
        from cxpulse.metrics.scorecard import build_scorecard

        return build_scorecard(self, by=by, metrics=metrics, as_of=as_of)
