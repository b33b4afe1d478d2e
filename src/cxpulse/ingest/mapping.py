"""Match a file's columns to a canonical table's columns.

A mapping says which of the file's columns holds which canonical column (``their_col=our_col``).
Columns the mapping does not name are matched by name, ignoring case and turning spaces into
underscores (``Question Type`` is ``question_type``); anything left over is ignored and
listed in the import report, so a typo shows up instead of silently dropping data.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import yaml

from cxpulse.errors import ConfigError, ImportRejected, Problem
from cxpulse.schema import Table

_MAPPING_SHAPE = (
    "a mapping file maps the file's columns to cxpulse columns, one per line, e.g.\n"
    "    Note: score\n"
    "    Date de réponse: responded_at\n"
    "or names the table too:\n"
    "    table: survey_responses\n"
    "    columns:\n"
    "      Note: score"
)


@dataclass(frozen=True)
class MappingFile:
    columns: dict[str, str]
    table: str | None = None


def parse_map_options(items: Iterable[str]) -> dict[str, str]:
    """``["Note=score", "Date=responded_at"]`` (repeated ``--map`` options) as a dict."""
    mapping: dict[str, str] = {}
    for item in items:
        theirs, sep, ours = item.rpartition("=")
        theirs, ours = theirs.strip(), ours.strip()
        if not sep or not theirs or not ours:
            raise ConfigError(
                f'--map takes THEIR_COLUMN=OUR_COLUMN, e.g. --map "Note=score"; got {item!r}'
            )
        if mapping.get(theirs, ours) != ours:
            raise ConfigError(
                f'--map names the column "{theirs}" twice ({mapping[theirs]} and {ours}); keep one.'
            )
        mapping[theirs] = ours
    return mapping


def read_mapping_file(path: str | Path) -> MappingFile:
    """A saved mapping (YAML or JSON): either ``their_col: our_col`` lines, or a ``table:``
    key and a ``columns:`` mapping."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ConfigError(f"mapping file {path} does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read the mapping file {path}: {exc}") from None
    try:
        data = json.loads(text) if path.suffix.lower() == ".json" else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path} is not valid {_kind(path)}: {exc}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: {_MAPPING_SHAPE}")
    table: object = None
    columns: object = data
    if isinstance(data.get("columns"), dict):
        table, columns = data.get("table"), data["columns"]
        extra = set(data) - {"table", "columns"}
        if extra:
            raise ConfigError(
                f"{path}: unknown keys {', '.join(sorted(map(str, extra)))}; {_MAPPING_SHAPE}"
            )
    if table is not None and not isinstance(table, str):
        raise ConfigError(f"{path}: table must be a table name such as survey_responses")
    assert isinstance(columns, dict)
    mapping: dict[str, str] = {}
    for theirs, ours in columns.items():
        if not isinstance(theirs, str) or not isinstance(ours, str):
            raise ConfigError(
                f"{path}: {theirs!r}: {ours!r} is not a column name mapped to a column name; "
                'put quotes around names YAML reads as numbers or yes/no ("1": score). '
                + _MAPPING_SHAPE
            )
        mapping[theirs.strip()] = ours.strip()
    return MappingFile(columns=mapping, table=table)


def load_mapping(path: str | Path) -> dict[str, str]:
    """The column mapping saved in a YAML or JSON file (see :func:`read_mapping_file`)."""
    return read_mapping_file(path).columns


def _kind(path: Path) -> str:
    return "JSON" if path.suffix.lower() == ".json" else "YAML"


def _listing(names: Iterable[str]) -> str:
    return ", ".join(f'"{n}"' for n in names)


def apply_mapping(
    frame: pd.DataFrame,
    mapping: Mapping[str, str],
    table: Table,
    label: str,
    header_line: int = 1,
) -> tuple[pd.DataFrame, list[str]]:
    """The file's columns renamed to canonical names, and the file's columns left unused."""
    names = [str(n) for n in frame.columns]
    for theirs, target in mapping.items():
        if target not in table.names:
            raise ConfigError(
                f'--map {theirs}={target}: {table.name} has no column "{target}"; '
                f"its columns are: {', '.join(table.names)}"
            )
        if theirs not in names:
            raise ConfigError(
                f'--map {theirs}={target}: {label} has no column "{theirs}"; '
                f"its columns are: {_listing(names)}"
            )
    twice = [ours for ours, n in Counter(mapping.values()).items() if n > 1]
    if twice:
        raise ConfigError(f'the mapping sends several columns to "{twice[0]}"; keep one.')

    rename = dict(mapping)
    taken = set(mapping.values())
    by_loose_name = {c.lower(): c for c in table.names}
    for name in names:
        if name in rename:
            continue
        ours = by_loose_name.get(name.strip().lower().replace(" ", "_"))
        if ours is not None and ours not in taken:
            rename[name] = ours
            taken.add(ours)

    missing = [c.name for c in table.columns if c.required and c.name not in taken]
    if missing:
        raise ImportRejected(
            _missing_message(label, table, missing, names),
            [Problem(label, header_line, m, None, "required column missing") for m in missing],
        )
    ignored = [n for n in names if n not in rename]
    mapped = frame[list(rename)].rename(columns=rename)
    return mapped, ignored


def _missing_message(label: str, table: Table, missing: list[str], names: list[str]) -> str:
    which = _listing(missing)
    noun = "column" if len(missing) == 1 else "columns"
    example = f'--map "THEIR_COLUMN={missing[0]}"'
    return (
        f"{label} has no {noun} {which}, required in {table.name}.\n"
        f"The file's columns are: {_listing(names) or '(none)'}.\n"
        f"If one of them holds it, say so with {example} "
        f"(or in a mapping file: THEIR_COLUMN: {missing[0]})."
        + (
            f" If the file has no {table.key} at all, --generate-id makes one from each row."
            if table.key in missing
            else ""
        )
    )
