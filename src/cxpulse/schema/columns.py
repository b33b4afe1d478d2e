"""How a table is described: typed, documented columns (canonical and operational alike).

A canonical :class:`Table` is one ``cxpulse import`` accepts (natural key, time column, rules);
an :class:`OperationalTable` is one cxpulse writes itself (surveys it sends, rules it runs,
accounts, scores). Both list their columns with a type and a line of documentation, which is
what ``cxpulse tables`` prints.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import ibis.expr.datatypes as dt

Kind = Literal["string", "int", "float", "bool", "timestamp", "date"]

IBIS_TYPES: dict[Kind, dt.DataType] = {
    "string": dt.string,
    "int": dt.int64,
    "float": dt.float64,
    "bool": dt.boolean,
    "timestamp": dt.Timestamp(),
    "date": dt.date,  # operational tables only: a canonical time is a timestamp
}


@dataclass(frozen=True)
class Column:
    name: str
    kind: Kind
    doc: str
    required: bool = False
    min: float | None = None
    max: float | None = None
    choices: tuple[str, ...] | None = None
    personal: bool = False  # personal data, removed on GDPR erasure


@dataclass(frozen=True)
class RowRule:
    """A rule over several columns, checked row by row during import.

    ``check`` names a function in :mod:`cxpulse.ingest.rules`; ``column`` is the column a
    broken rule is reported against.
    """

    check: str
    column: str
    message: str


class _Columns:
    """What both kinds of table answer about their columns."""

    columns: tuple[Column, ...]

    def column(self, name: str) -> Column:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(name)

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    def ibis_schema(self) -> dict[str, dt.DataType]:
        return {c.name: IBIS_TYPES[c.kind] for c in self.columns}


@dataclass(frozen=True)
class Table(_Columns):
    """A canonical table: what ``cxpulse import`` and the HTTP API accept."""

    name: str
    key: str
    doc: str
    columns: tuple[Column, ...]
    time_column: str
    rules: tuple[RowRule, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class OperationalTable(_Columns):
    """A table cxpulse writes itself; ``key`` is the column upserts match on, if any."""

    name: str
    doc: str
    columns: tuple[Column, ...]
    key: str | None = None


def op(name: str, kind: Kind, doc: str, *, personal: bool = False) -> Column:
    """A column of an operational table (no import rules: cxpulse writes these rows)."""
    return Column(name, kind, doc, personal=personal)
