"""Import one file into one canonical table: read, map, validate, then write in one transaction."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from cxpulse import schema
from cxpulse.errors import ConfigError, ImportRejected
from cxpulse.ingest.keys import content_ids
from cxpulse.ingest.load import log_import, to_arrow, upsert_rows
from cxpulse.ingest.mapping import apply_mapping
from cxpulse.ingest.parse import TEXT
from cxpulse.ingest.readers import RawFile, ReadOptions, read_file
from cxpulse.ingest.report import (
    ImportReport,
    default_rejects_path,
    rejection_message,
    write_rejects,
)
from cxpulse.ingest.validate import validate_frame
from cxpulse.settings import Settings
from cxpulse.store import Store

OnError = Literal["fail", "skip"]


def import_file(
    store: Store,
    settings: Settings,
    table: str,
    path: Path,
    *,
    mapping: Mapping[str, str] | None = None,
    on_error: OnError = "fail",
    rejects_path: Path | None = None,
    source: str | None = None,
    progress: Callable[[str], None] | None = None,
    constants: Mapping[str, str] | None = None,
    read: ReadOptions | None = None,
    date_format: str | None = None,
    generate_id: bool = False,
    reshape: Callable[[RawFile], RawFile] | None = None,
) -> ImportReport:
    """Import a CSV, Parquet or JSON-lines file into the canonical table ``table``.

    Rows are upserted by the table's natural key, so importing the same file again changes
    nothing. With ``on_error="fail"`` any problem refuses the whole file
    (:class:`~cxpulse.errors.ImportRejected`, nothing written); with ``"skip"`` the good rows
    are imported and the others written to ``rejects_path`` (default
    ``<file stem>.rejects.csv`` beside the file) with their line and the reason. The writes and
    the entry in the import log commit together or not at all.

    Timestamps without an offset are read as local time in ``settings.timezone`` (see
    :mod:`cxpulse.ingest.parse`). ``source`` fills the ``source`` column where the file does
    not (default: the file's name). ``progress`` receives one line of text per step.
    ``constants`` fills canonical columns with one value on every row (e.g. ``{"platform":
    "trustpilot"}`` for a vendor's export); a column the mapping fills comes from the file.
    ``read`` says what cannot be guessed about the file (separator, header, column names,
    sheet); ``date_format`` (strftime codes, e.g. ``%Y%m%d``) reads every timestamp with that
    one format. ``generate_id`` fills the table's key for a file without one (see
    :func:`cxpulse.ingest.keys.content_ids`). ``reshape`` turns the file as read into the
    rows to map (a vendor's export whose values or layout need more than renamed columns:
    see :class:`~cxpulse.ingest.presets.Preset`); it keeps each row's line number.
    """
    tab = _table(table)
    if on_error not in ("fail", "skip"):
        raise ConfigError(f"on_error must be 'fail' or 'skip', not {on_error!r}")
    store.check_writable()  # before reading the file: a read-only workspace refuses at once
    say = progress or _silent
    path = Path(path)
    rejects = rejects_path if rejects_path is not None else default_rejects_path(path)

    raw = read_file(path, read)
    # what the file had, before a preset's reshape leaves rows out (line items, unrated tickets)
    rows_read = len(raw.frame) + len(raw.problems)
    say(f"{raw.label}: read {rows_read:,} rows ({raw.encoding or 'parquet'})")
    if reshape is not None:
        raw = reshape(raw)
    rows = len(raw.frame) + len(raw.problems)
    # a preset that leaves rows out says how many; one that makes several rows of a record (a
    # Matomo visit's page views, a Takeout file's reviews) counts the rows it made
    left_out = max(rows_read - rows, 0)
    rows_read = max(rows_read, rows)
    fixed = _constants(constants or {}, tab, set((mapping or {}).values()))
    filled = {*fixed, tab.key} if generate_id else set(fixed)
    # a column filled by a constant or generated is not missing from the file
    relaxed = replace(
        tab,
        columns=tuple(
            replace(c, required=c.required and c.name not in filled) for c in tab.columns
        ),
    )
    mapped, ignored = apply_mapping(raw.frame, mapping or {}, relaxed, raw.label, raw.header_line)
    theirs = _file_columns(raw, mapping or {}, [str(c) for c in mapped.columns])
    # a column a preset read through a derived one was used; derived names are ours, not theirs
    ignored = [n for n in ignored if n not in theirs.values() and n not in raw.origins]
    if generate_id:
        if tab.key in mapped.columns:
            raise ConfigError(
                f"--generate-id makes {tab.key} for a file without one, but {raw.label} has "
                f"a column mapped to {tab.key}: drop --generate-id, or that column."
            )
        mapped[tab.key] = content_ids(raw.frame)
    for name, value in fixed.items():
        mapped[name] = pd.Series(value, index=mapped.index, dtype=TEXT)
    mapped = _with_source(mapped, tab, source if source is not None else path.name)
    notes: list[str] = list(raw.notes)
    typed, problems = validate_frame(
        mapped,
        tab,
        settings,
        file_label=raw.label,
        lines=raw.lines,
        line_word=raw.line_word,
        notes=notes,
        date_format=date_format,
    )
    for problem in problems:
        problem.file_column = theirs.get(problem.column)
    problems = sorted([*raw.problems, *problems], key=lambda p: p.line)
    rejected_lines = len({p.line for p in problems})
    say(f"{raw.label}: checked, {len(typed):,} good rows, {rejected_lines:,} rejected")
    if problems and on_error == "fail":
        raise ImportRejected(rejection_message(raw.label, problems, rejects), problems)

    rows = to_arrow(typed, tab)
    store.verify()  # never write into a damaged file (a checksum pass: ~80 ms on the demo)
    with store.transaction():
        written = upsert_rows(store, tab, rows, say)
        log_import(store, tab, str(path), rows_read, written, rejected_lines)
    say(f"{raw.label}: committed")

    if problems:
        write_rejects(rejects, raw.frame, raw.lines, problems)
    return ImportReport(
        table=tab.name,
        file=path,
        rows_read=rows_read,
        rows_new=written.new,
        rows_updated=written.updated,
        rows_unchanged=written.unchanged,
        rows_rejected=rejected_lines,
        rejects_path=rejects if problems else None,
        ignored_columns=tuple(ignored),
        problems=tuple(problems),
        encoding=raw.encoding,
        delimiter=raw.delimiter,
        notes=tuple(notes),
        rows_left_out=left_out,
    )


def _file_columns(raw: RawFile, mapping: Mapping[str, str], ours: list[str]) -> dict[str, str]:
    """Our column -> the file's own name for it (through ``mapping``, matching by name, or
    a preset's derived column back to its source), for errors the user can act on."""
    by_ours = {target: source for source, target in mapping.items()}
    by_name = {str(n).strip().lower().replace(" ", "_"): str(n) for n in raw.frame.columns}
    found: dict[str, str] = {}
    for column in ours:
        name = by_ours.get(column) or by_name.get(column)
        if name is not None:
            name = raw.origins.get(name, name)
            if not name.startswith("("):  # a derived column without a source: ours is clearer
                found[column] = name
    return found


def _silent(_: str) -> None:
    pass


def _table(name: str) -> schema.Table:
    try:
        return schema.table(name)
    except KeyError as exc:
        raise ConfigError(str(exc.args[0])) from None


def _constants(
    constants: Mapping[str, str], table: schema.Table, mapped: set[str]
) -> dict[str, str]:
    """The constants to apply: known columns only, and not those the mapping fills from the
    file (an explicit mapping wins; a file column matched only by its name does not)."""
    unknown = sorted(set(constants) - set(table.names))
    if unknown:
        raise ConfigError(
            f"{table.name} has no column {', '.join(unknown)} to fill; its columns are: "
            f"{', '.join(table.names)}"
        )
    return {k: v for k, v in constants.items() if k not in mapped}


def _with_source(frame: pd.DataFrame, table: schema.Table, source: str) -> pd.DataFrame:
    """Fill ``source`` where the file leaves it empty (tables that have the column)."""
    if "source" not in table.names:
        return frame
    frame = frame.copy()
    if "source" in frame.columns:
        given: pd.Series[Any] = frame["source"].astype(TEXT)
        blank = given.isna() | (given.str.strip() == "")
        frame["source"] = given.mask(blank.fillna(True).astype(bool), source)
    else:
        frame["source"] = pd.Series(source, index=frame.index, dtype=TEXT)
    return frame
