"""Read a CSV, Parquet or JSON-lines file into a frame of text, with true line numbers.

Every cell comes out as text (null when the file has nothing there) so one set of parsers
(:mod:`cxpulse.ingest.parse`) reads every format the same way. Each row keeps where it came
from: the line its record starts on for CSV (counting the lines inside quoted multi-line
fields) and JSON lines, the 1-based row for Parquet.

CSV files are read the way spreadsheets write them: the encoding is detected (a byte-order
mark, else valid UTF-8, else Windows-1252, what Excel uses in Western Europe), the separator is
the most frequent of ``, ; tab |`` in the header, and ``.gz`` files are decompressed. What
cannot be guessed is said with :class:`ReadOptions`: another separator (``whitespace`` for
logs such as CDNOW's), no header line, the columns' names. Workbooks (Excel, OpenDocument) are
read a sheet at a time (:mod:`cxpulse.ingest.spreadsheets`).
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import json
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from cxpulse.errors import ConfigError, ImportRejected, Problem
from cxpulse.ingest.parse import TEXT, stringify
from cxpulse.ingest.report import RowProblem
from cxpulse.ingest.spreadsheets import SUFFIXES as SHEET_SUFFIXES
from cxpulse.ingest.spreadsheets import read_sheet, text_frame

CSV_SUFFIXES = (".csv", ".txt", ".tsv")
PARQUET_SUFFIXES = (".parquet", ".pq")
JSON_SUFFIXES = (".jsonl", ".ndjson", ".json")
DELIMITERS = (",", ";", "\t", "|")
WHITESPACE = "whitespace"
"""The separator of columns aligned with spaces or tabs (any run of them, leading ones ignored)."""
_NEWLINES = r"\r\n|\r|\n"


@dataclass(frozen=True)
class RawFile:
    """A file's rows as text, before any mapping or checking."""

    label: str
    frame: pd.DataFrame
    lines: list[int]
    line_word: str = "line"
    problems: list[Problem] = field(default_factory=list)
    """Records that could not be read at all (not in ``frame``)."""
    header_line: int = 1
    encoding: str | None = None
    delimiter: str | None = None
    notes: tuple[str, ...] = ()
    """What a preset's reshape wants the user told (records it left out on purpose)."""
    origins: dict[str, str] = field(default_factory=dict)
    """Columns a preset's reshape derived -> the file's column they come from, so an error
    names the column the user can find in the file."""


@dataclass(frozen=True)
class ReadOptions:
    """What cannot be guessed from a file; every field is optional."""

    separator: str | None = None
    """CSV: one character, ``tab``, or :data:`WHITESPACE`; default: sniffed from line 1."""
    header: bool = True
    """CSV and workbooks: the first line names the columns."""
    columns: tuple[str, ...] = ()
    """Names of the columns in order: they name a file without a header, or replace the
    header's names."""
    sheet: str | None = None
    """Workbooks: the sheet to read (default: the first)."""


def file_format(path: Path) -> str:
    """``csv``, ``parquet``, ``json`` or ``sheet`` from the file name (a trailing ``.gz`` is
    allowed on the text formats)."""
    name = path.name.lower()
    if name.endswith(SHEET_SUFFIXES):
        return "sheet"
    name = name.removesuffix(".gz")
    for fmt, suffixes in (
        ("csv", CSV_SUFFIXES),
        ("parquet", PARQUET_SUFFIXES),
        ("json", JSON_SUFFIXES),
    ):
        if name.endswith(suffixes):
            return fmt
    known = ", ".join(CSV_SUFFIXES + PARQUET_SUFFIXES + JSON_SUFFIXES + SHEET_SUFFIXES)
    raise ConfigError(
        f"cannot tell the format of {path.name}: name it with one of {known} "
        "(text formats optionally followed by .gz)."
    )


def read_file(path: Path, options: ReadOptions | None = None) -> RawFile:
    if not path.is_file():
        raise ConfigError(f"no such file: {path}")
    options = options or ReadOptions()
    fmt = file_format(path)
    _check_options(fmt, options)
    if fmt == "sheet":
        return read_workbook(path, options)
    if fmt == "parquet":
        return read_parquet(path)
    data = path.read_bytes()
    if path.name.lower().endswith(".gz"):
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as exc:
            raise ImportRejected(f"{path.name} is not a valid gzip file ({exc}).") from exc
    text, encoding = decode(data)
    if fmt == "json":
        return read_json(text, path.name, encoding)
    return read_csv(text, path.name, encoding, options)


def _check_options(fmt: str, options: ReadOptions) -> None:
    given = [
        name
        for name, used, formats in (
            ("--separator", options.separator is not None, ("csv",)),
            ("--no-header", not options.header, ("csv", "sheet")),
            ("--columns", bool(options.columns), ("csv", "sheet")),
            ("--sheet", options.sheet is not None, ("sheet",)),
        )
        if used and fmt not in formats
    ]
    if given:
        kind = {"sheet": "a workbook", "json": "a JSON file", "parquet": "a Parquet file"}
        raise ConfigError(f"{', '.join(given)} does not apply to {kind.get(fmt, 'a CSV file')}.")
    sep = options.separator
    if sep is not None and sep not in (WHITESPACE, "tab") and len(sep) != 1:
        raise ConfigError(
            f"--separator takes one character, tab or {WHITESPACE}, not {options.separator!r}"
        )


def _named(names: list[str], options: ReadOptions, label: str, header_line: int) -> list[str]:
    """The columns' names: the header's (checked), ``options.columns`` instead, or
    column_1, column_2... for a file without either."""
    if options.columns:
        if len(options.columns) != len(names):
            found = f"{len(names)} columns" + (" in its header" if options.header else "")
            raise ConfigError(
                f"--columns names {len(options.columns)} columns but {label} has {found}: "
                "give one name per column, in order."
            )
        names = [c.strip() for c in options.columns]
    elif not options.header:
        return [f"column_{i + 1}" for i in range(len(names))]
    return _check_names(names, label, header_line)


def read_workbook(path: Path, options: ReadOptions) -> RawFile:
    rows, lines, sheet = read_sheet(path, options.sheet)
    label = f"{path.name} [{sheet}]"
    if not rows:
        raise ImportRejected(f"{label} is empty.")
    header_line = 0
    if options.header:
        first, rows, header_line, lines = rows[0], rows[1:], lines[0], lines[1:]
        names = [n or "" for n in first]
    else:
        names = [""] * max(len(r) for r in rows)
    names = _named(names, options, label, header_line)
    return RawFile(label, text_frame(rows, names), lines, header_line=header_line)


def decode(data: bytes) -> tuple[str, str]:
    """The text of a file and the encoding it was read with."""
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8) :].decode("utf-8", errors="replace"), "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        # Excel's "Unicode text" export.
        return data.decode("utf-16", errors="replace"), "utf-16"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        # Five bytes are unassigned in cp1252; Latin-1 reads every byte.
        return data.decode("latin-1"), "latin-1"


def sniff_delimiter(header: str) -> str:
    """The separator used by a header line: the candidate seen most often outside quotes."""
    outside, quoted = [], False
    for char in header:
        if char == '"':
            quoted = not quoted
        elif not quoted:
            outside.append(char)
    bare = "".join(outside)
    counts = {d: bare.count(d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def _records(text: str, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    """Each record of the file with the line it ends on (a quoted field may span lines)."""
    if delimiter == WHITESPACE:
        for number, line in enumerate(text.splitlines(), start=1):
            yield number, line.split()
        return
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    for record in reader:
        yield reader.line_num, record


def _header(text: str, delimiter: str) -> tuple[list[str], int]:
    """The column names (the first record) and the number of lines they take."""
    for line, names in _records(text, delimiter):
        return [n.strip() for n in names], line
    return [], 0


def _check_names(names: list[str], label: str, header_line: int) -> list[str]:
    if not names or not any(names):
        raise ImportRejected(f"{label} is empty: it needs a header line with the column names.")
    seen: set[str] = set()
    for name in names:
        if name and name in seen:
            raise ImportRejected(
                f'{label}, line {header_line}: the column "{name}" appears twice in the header; '
                "rename one of them."
            )
        seen.add(name)
    # A trailing separator makes a column without a name; give it one that cannot collide.
    return [name or f"(column {i + 1})" for i, name in enumerate(names)]


def read_csv(
    text: str, label: str, encoding: str | None = None, options: ReadOptions | None = None
) -> RawFile:
    options = options or ReadOptions()
    end = text.find("\n")
    first = (text if end < 0 else text[:end]).rstrip("\r")
    skipped = 0
    if options.separator is not None:
        delimiter = {"tab": "\t"}.get(options.separator, options.separator)
    elif len(first) == 5 and first.startswith("sep="):
        # Excel's hint line naming the separator, before the header.
        delimiter, text, skipped = first[4], text[end + 1 :], 1
    else:
        delimiter = sniff_delimiter(first)
    names, header_lines = _header(text, delimiter)
    if not options.header:
        header_lines = 0
    if not names and (options.columns or not options.header):
        raise ImportRejected(f"{label} is empty.")
    names = _named(names, options, label, 1 + skipped)
    try:
        with warnings.catch_warnings():
            # pandas only warns when the first row has more fields than the header.
            warnings.simplefilter("error", pd.errors.ParserWarning)
            frame = pd.read_csv(
                io.StringIO(text),
                # pandas reads any run of spaces and tabs, leading ones ignored, for r"\s+"
                sep=r"\s+" if delimiter == WHITESPACE else delimiter,
                header=0 if options.header else None,
                names=None if options.header else names,
                # Otherwise an extra field on the first row silently becomes the index.
                index_col=False,
                dtype=TEXT,
                na_filter=False,
                keep_default_na=False,
                # Blank lines stay as empty rows so row i can be mapped back to its line.
                skip_blank_lines=False,
                engine="c",
            )
    except (pd.errors.ParserError, pd.errors.ParserWarning):
        # Rows with too many fields: the slower reader reports each one with its true line.
        return _read_csv_row_by_row(
            text, label, encoding, delimiter, names, skipped, options.header
        )
    frame.columns = pd.Index(names)
    lines = _line_numbers(frame, skipped + header_lines)
    blank = _blank_rows(frame)
    if blank.any():
        frame = frame[~blank]
        lines = lines[~blank]
    return RawFile(
        label,
        frame.reset_index(drop=True),
        lines.tolist(),
        header_line=1 + skipped if options.header else 0,
        encoding=encoding,
        delimiter=delimiter,
    )


def _line_numbers(
    frame: pd.DataFrame, header_lines: int
) -> np.ndarray[tuple[int], np.dtype[np.int64]]:
    """The line each record starts on: one line per record plus the line breaks quoted
    inside the records before it (counted as the csv module counts them)."""
    rows = len(frame)
    breaks = np.zeros(rows, dtype=np.int64)
    for name in frame.columns:
        column = frame[name]
        if column.str.contains("[\r\n]", regex=True).any():
            breaks += column.str.count(_NEWLINES).to_numpy(dtype=np.int64, na_value=0)
    before = np.cumsum(breaks) - breaks
    return np.asarray(header_lines + 1 + np.arange(rows) + before, dtype=np.int64)


def _blank_rows(frame: pd.DataFrame) -> np.ndarray[tuple[int], np.dtype[np.bool_]]:
    blank = np.ones(len(frame), dtype=np.bool_)
    for name in frame.columns:
        blank &= (frame[name].str.strip().str.len() == 0).to_numpy(dtype=bool, na_value=True)
    return blank


def _read_csv_row_by_row(
    text: str,
    label: str,
    encoding: str | None,
    delimiter: str,
    names: list[str],
    skipped: int,
    header: bool = True,
) -> RawFile:
    records = _records(text, delimiter)
    start = skipped + 1
    if header:
        start = skipped + next(records)[0] + 1
    width = len(names)
    rows: list[list[str]] = []
    lines: list[int] = []
    problems: list[Problem] = []
    for end, record in records:
        line, start = start, skipped + end + 1
        if not any(cell.strip() for cell in record):
            continue
        extra = record[width:]
        if any(cell.strip() for cell in extra):
            problems.append(
                Problem(
                    label,
                    line,
                    "(row)",
                    (" " if delimiter == WHITESPACE else delimiter).join(extra),
                    f"has {len(record)} fields but the header has {width}; "
                    "check the separators and quotes on this line",
                )
            )
            continue
        rows.append(record[:width] + [""] * (width - len(record)))
        lines.append(line)
    columns = list(zip(*rows, strict=True)) if rows else [() for _ in names]
    frame = pd.DataFrame(
        {name: pd.Series(list(col), dtype=TEXT) for name, col in zip(names, columns, strict=True)}
    )
    return RawFile(
        label,
        frame,
        lines,
        problems=problems,
        header_line=1 + skipped if header else 0,
        encoding=encoding,
        delimiter=delimiter,
    )


def read_json(text: str, label: str, encoding: str | None = None) -> RawFile:
    if text.lstrip().startswith("["):
        return _read_json_array(text, label, encoding)
    document = _json_document(text)
    if document is not None:
        # one object over several lines (an API body, a Takeout file): one record
        return RawFile(
            label, _records_frame([document]), [1], line_word="record", encoding=encoding
        )
    records: list[dict[str, object]] = []
    lines: list[int] = []
    problems: list[Problem] = []
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            problems.append(Problem(label, number, "(row)", line[:60], f"not valid JSON: {exc}"))
            continue
        if not isinstance(record, dict):
            problems.append(Problem(label, number, "(row)", line[:60], "not a JSON object ({...})"))
            continue
        records.append(record)
        lines.append(number)
    if not records and not problems:
        raise ImportRejected(f"{label} is empty: it has no JSON records.")
    return RawFile(label, _records_frame(records), lines, problems=problems, encoding=encoding)


def _json_document(text: str) -> dict[str, object] | None:
    """The object a file holds when it is one JSON object written over several lines (JSON
    lines put one object on each line, so their text as a whole is not one object)."""
    stripped = text.strip()
    if not stripped.startswith("{") or "\n" not in stripped:
        return None
    try:
        document = json.loads(stripped)
    except json.JSONDecodeError:
        return None
    return document if isinstance(document, dict) else None


def _read_json_array(text: str, label: str, encoding: str | None) -> RawFile:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ImportRejected(f"{label} is not valid JSON: {exc}") from exc
    records: list[dict[str, object]] = []
    lines: list[int] = []
    problems: list[Problem] = []
    for number, record in enumerate(data, start=1):
        if isinstance(record, dict):
            records.append(record)
            lines.append(number)
        else:
            problems.append(
                RowProblem(
                    label, number, "(row)", str(record)[:60], "not a JSON object", word="record"
                )
            )
    return RawFile(
        label,
        _records_frame(records),
        lines,
        line_word="record",
        problems=problems,
        encoding=encoding,
    )


def _records_frame(records: list[dict[str, object]]) -> pd.DataFrame:
    names: dict[str, None] = {}
    for record in records:
        names.update(dict.fromkeys(record))
    columns = {}
    for name in names:
        values = [stringify(r.get(name)) for r in records]
        columns[name] = pd.Series(pa.array(values, type=pa.string()), dtype=TEXT)
    return pd.DataFrame(columns, index=pd.RangeIndex(len(records)))


def read_parquet(path: Path) -> RawFile:
    try:
        table = pq.read_table(path)
    except (pa.ArrowInvalid, OSError) as exc:
        raise ImportRejected(f"{path.name} is not a readable Parquet file ({exc}).") from exc
    columns = {
        name: pd.Series(_as_text(table.column(name)), dtype=TEXT) for name in table.column_names
    }
    frame = pd.DataFrame(columns, index=pd.RangeIndex(table.num_rows))
    return RawFile(
        path.name, frame, list(range(1, table.num_rows + 1)), line_word="row", header_line=0
    )


def _as_text(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """A typed Parquet column as the text a CSV export of it would hold."""
    kind = column.type
    if pa.types.is_dictionary(kind):
        column = column.cast(kind.value_type)
        kind = column.type
    if pa.types.is_timestamp(kind):
        if kind.tz is not None:
            utc = column.cast(pa.timestamp(kind.unit, tz="UTC"))
            return pc.strftime(utc, format="%Y-%m-%dT%H:%M:%SZ")
        # A timestamp without a zone is local time, like a CSV value without an offset.
        return pc.strftime(column, format="%Y-%m-%d %H:%M:%S")
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        return column.cast(pa.string())
    try:
        return column.cast(pa.string())
    except (pa.ArrowNotImplementedError, pa.ArrowInvalid):
        return pa.chunked_array(
            [pa.array([stringify(v) for v in column.to_pylist()], type=pa.string())]
        )
