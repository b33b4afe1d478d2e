"""How a table is described: typed, documented columns (canonical and operational alike).

A canonical :class:`Table` is one ``cxpulse import`` accepts (natural key, time column, rules);
an :class:`OperationalTable` is one cxpulse writes itself (surveys it sends, rules it runs,
accounts, scores). Both list their columns with a type and a line of documentation, which is
what ``cxpulse tables`` prints.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    import ibis.expr.datatypes as dt

Kind = Literal["string", "int", "float", "bool", "timestamp", "date"]

# the Ibis type of each kind, by name: the schema is plain data, and Ibis is imported only by
# the code that builds tables (`cxpulse --help` and `cxpulse tables` never load it)
IBIS_TYPES: dict[Kind, str] = {
    "string": "string",
    "int": "int64",
    "float": "float64",
    "bool": "boolean",
    "timestamp": "timestamp",
    "date": "date",  # operational tables only: a canonical time is a timestamp
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

    def types(self) -> dict[str, str]:
        """Column -> Ibis type name (``ibis.schema`` and ``ibis.memtable`` take these)."""
        return {c.name: IBIS_TYPES[c.kind] for c in self.columns}

    def ibis_schema(self) -> dict[str, dt.DataType]:
        import ibis.expr.datatypes as dt

        return {name: dt.dtype(kind) for name, kind in self.types().items()}


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
