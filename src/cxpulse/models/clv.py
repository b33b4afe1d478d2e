"""Customer lifetime value: discounted sum of the expected monthly transactions times spend.

The same computation as lifetimes' ``_customer_lifetime_value`` (so results can be checked
against it): for each month k = 1..time, the expected repeat purchases in month k are the
difference of the cumulative conditional expectation at k and k-1 months, each valued at the
expected spend per purchase and discounted by (1 + monthly rate)^k.
"""

from __future__ import annotations

from typing import Any, Literal, Protocol

import numpy as np

from cxpulse.errors import ConfigError
from cxpulse.models._fit import FloatArray
from cxpulse.models._inputs import history

# Model time units per month, lifetimes' table: a month is 30 days, or 4.345 weeks (which is
# 30.4 days; the two disagree slightly, kept so the numbers match lifetimes).
PERIODS_PER_MONTH: dict[str, float] = {"D": 30.0, "W": 4.345, "M": 1.0}


class TransactionModel(Protocol):
    """Any fitted model that predicts repeat purchases in the next t time units."""

    def conditional_expected_number_of_purchases_up_to_time(
        self, t: Any, frequency: Any, recency: Any, T: Any, /
    ) -> FloatArray: ...


def customer_lifetime_value(
    transaction_model: TransactionModel,
    frequency: Any,
    recency: Any,
    T: Any,
    monetary_value: Any,
    time: int = 12,
    discount_rate: float = 0.01,
    freq: Literal["D", "W", "M"] = "W",
) -> FloatArray:
    """Expected discounted value of each customer over the next ``time`` months.

    ``monetary_value`` is the value of one future purchase (e.g. the Gamma-Gamma
    ``conditional_expected_average_profit``, times a margin if you want profit);
    ``discount_rate`` is per month; ``freq`` is the time unit of recency and T ("W" for
    weeks, as ``rfm_summary`` gives by default).
    """
    if isinstance(time, bool) or not isinstance(time, int | np.integer) or time < 1:
        raise ConfigError(f"time is a whole number of months >= 1, got {time!r}")
    if not (np.isfinite(discount_rate) and discount_rate > -1):
        raise ConfigError(
            f"discount_rate is a monthly rate > -1 (0.01 is 1 %), got {discount_rate!r}"
        )
    if freq not in PERIODS_PER_MONTH:
        choices = ", ".join(repr(k) for k in PERIODS_PER_MONTH)
        raise ConfigError(f"freq must be one of {choices}, got {freq!r}")
    x, tx, age = history(frequency, recency, T)
    value = np.asarray(monetary_value, dtype=float)
    shape = np.broadcast_shapes(x.shape, tx.shape, age.shape, value.shape)
    x, tx, age, value = (np.broadcast_to(a, shape).ravel() for a in (x, tx, age, value))
    months = np.arange(int(time) + 1, dtype=float)
    # one call for every month and customer: rows are months 0..time, columns customers
    cumulative = transaction_model.conditional_expected_number_of_purchases_up_to_time(
        months[:, None] * PERIODS_PER_MONTH[freq], x, tx, age
    )
    per_month = np.diff(np.asarray(cumulative, dtype=float), axis=0)
    discount = (1.0 + discount_rate) ** -months[1:]
    return np.asarray((value * (discount @ per_month)).reshape(shape), dtype=np.float64)
