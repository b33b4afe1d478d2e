"""What a metric query selects: its segment columns (a customer attribute joined in when the
fact table lacks it) and its filters (``col=value`` typed on a command line or in a URL)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ibis.expr.types import Table

from cxpulse import schema
from cxpulse.errors import ConfigError, QueryError

if TYPE_CHECKING:
    from cxpulse.context import Context
    from cxpulse.metrics.spec import MetricSpec

CUSTOMER_PREFIX = "customer."


def as_list(segment: str | Sequence[str] | None) -> list[str]:
    if segment is None:
        return []
    if isinstance(segment, str):
        return [s.strip() for s in segment.split(",") if s.strip()]
    return list(segment)


def attach_segments(
    ws: Context,
    fact: Table,
    spec: MetricSpec,
    wanted: list[str],
    customer_columns: tuple[str, ...] = (),
) -> tuple[Table, dict[str, str]]:
    """``fact`` with the customer columns the query needs joined in.

    Returns the table and, for each requested column name, the column name to use in it.
    """
    own = set(fact.columns)
    customers = schema.CUSTOMERS.names
    joined: dict[str, str] = {}
    names: dict[str, str] = {}
    for col in wanted:
        bare = col.removeprefix(CUSTOMER_PREFIX)
        if col in own and not col.startswith(CUSTOMER_PREFIX):
            names[col] = col
        elif bare in customers and "customer_id" in own:
            alias = f"customer_{bare}" if bare in own else bare
            joined[bare] = alias
            names[col] = alias
        else:
            options = sorted(own | {f"{CUSTOMER_PREFIX}{c}" for c in customers})
            raise QueryError(
                f"{spec.name} cannot be split or filtered by {col!r}: no such column in "
                f"{spec.table} or customers. Columns: {', '.join(options)}"
            )
    for col in customer_columns:
        joined.setdefault(col, col if col not in own else f"customer_{col}")
    if joined:
        cust = ws.table("customers")
        cust = cust.select(
            _cid=cust.customer_id, **{alias: cust[col] for col, alias in joined.items()}
        )
        fact = fact.left_join(cust, fact.customer_id == cust._cid).drop("_cid")
    return fact, names


def parse_filters(items: list[str] | None) -> dict[str, Any]:
    """``col=value`` (``col=a,b`` for several values) into the engine's filters mapping: the
    CLI's --filter and the API's ``filter`` parameter, read the same way."""
    filters: dict[str, Any] = {}
    for item in items or []:
        col, sep, value = item.partition("=")
        if not sep or not col.strip():
            raise ConfigError(f"--filter takes column=value, e.g. channel=email; got {item!r}")
        values = [v.strip() for v in value.split(",")]
        filters[col.strip()] = values if len(values) > 1 else values[0]
    return filters


def apply_filters(t: Table, filters: Mapping[str, Any]) -> Table:
    for col, wanted in filters.items():
        column = t[col]
        values = list(wanted) if isinstance(wanted, (list, tuple, set, frozenset)) else [wanted]
        values = [_coerce(column, v) for v in values]
        t = t.filter(column.isin(values) if len(values) > 1 else column == values[0])
    return t


def _coerce(column: Any, value: Any) -> Any:
    """Turn a filter value typed on a command line into the column's type."""
    if not isinstance(value, str):
        return value
    dtype = column.type()
    try:
        if dtype.is_boolean():
            return value.lower() in {"true", "yes", "1", "oui", "vrai"}
        if dtype.is_integer():
            return int(value)
        if dtype.is_floating():
            return float(value)
    except ValueError:
        raise QueryError(f"filter value {value!r} does not fit a {dtype} column") from None
    return value
