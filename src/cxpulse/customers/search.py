"""Find customers by id, email or name, and read one customer's row."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import pandas as pd

from cxpulse.errors import CxpulseError

if TYPE_CHECKING:
    from cxpulse.context import Context

SHOWN_COLUMNS = (
    "customer_id",
    "name",
    "email",
    "segment",
    "plan",
    "country",
    "language",
    "created_at",
)


class CustomerNotFound(CxpulseError, LookupError):
    """No customer has this id."""


def find_customers(
    ws: Context, q: str = "", *, limit: int = 50, offset: int = 0
) -> tuple[pd.DataFrame, int]:
    """Customers whose id, email or name contains ``q`` (any case), by id; and how many match
    in all (for paging). An empty ``q`` lists every customer."""
    t = ws.table("customers")
    text = q.strip().lower()
    if text:
        t = t.filter(
            t.customer_id.lower().contains(text)
            | t.email.lower().contains(text)
            | t.name.lower().contains(text)
        )
    total = int(t.count().execute())
    page = t.select(*SHOWN_COLUMNS).order_by("customer_id").limit(limit, offset=offset)
    df: pd.DataFrame = page.execute()
    return df, total


def get_customer(ws: Context, customer_id: str) -> dict[str, Any]:
    """The customer's row (missing values as None)."""
    t = ws.table("customers")
    rows = t.filter(t.customer_id == customer_id).execute()
    if rows.empty:
        raise CustomerNotFound(
            f"no customer {customer_id!r}; search by id, email or name with "
            "`cxpulse customer find TEXT` or the /customers page"
        )
    return {str(k): plain(v) for k, v in rows.iloc[0].items()}


def plain(value: Any) -> Any:
    """A cell as a plain Python value: None for NaN/NaT/NA, datetimes for timestamps."""
    if value is None or value is pd.NaT or value is pd.NA:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if hasattr(value, "item"):
        return value.item()
    return value
