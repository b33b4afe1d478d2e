"""What a metric is: a default definition plus named variants, each an Ibis aggregation.

A variant reduces the rows of one group (a period and segment) to sufficient statistics of one
:data:`~cxpulse.metrics.stats.Kind`; the engine turns those into values, intervals and change
tests. Keeping the per-row logic in Ibis and the statistics in :mod:`stats` is what lets the
same definitions run on DuckDB, PostgreSQL or Spark.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from cxpulse.errors import UnknownMetricError
from cxpulse.metrics.stats import Kind

Table = Any  # ibis.expr.types.Table; Ibis ships no type stubs precise enough to be useful here


class Tables(Protocol):
    """Access to the workspace's canonical tables (for metrics that look at two tables)."""

    def table(self, name: str) -> Table: ...

    def text_scores(self, table: str) -> Table | None:
        """cxpulse's sentiment of a table's texts (row_key, sentiment), None where not kept."""
        ...


COUNT_UNITS = frozenset({"customers", "tickets", "mentions", "loyalty points", "page views"})
"""Units of metrics that count things: their values are whole numbers, shown without
decimals ("150 customers", never "150.0")."""

STAT_COLUMNS: dict[Kind, tuple[str, ...]] = {
    "nps": ("n", "p", "d"),
    "share": ("n", "k"),
    "mean": ("n", "s", "ss"),
    "ratio": ("n", "num", "den"),
    "value": ("n", "v"),
}


@dataclass(frozen=True)
class PeriodContext:
    """What a metric that needs the calendar itself (a balance at each period's end, customers
    active at its start) gets from the engine instead of rows already bucketed by period."""

    tables: Tables
    grain: str
    periods: Table
    """One row per period: ``_period`` (date), ``_start`` and ``_end`` (naive-UTC instants,
    end excluded)."""
    frame: Any
    """The same periods as a pandas DataFrame. Read it, never ``periods.execute()``: an
    in-memory table alone runs on Ibis's default DuckDB connection, one for the whole process,
    which two server threads using at once deadlocked."""
    segments: list[str]
    """Output names of the segment columns ``attach`` adds."""
    attach: Callable[[Table], Table]
    """Join the segment and filter columns onto a table holding ``customer_id`` (and the
    metric table's own columns), apply the filters, name the segments."""
    period_of: Callable[[Any], Any]
    """Ibis expression: the ``_period`` (date) of a naive-UTC timestamp expression."""


Rollup = Literal["rows", "customers"] | None
"""How a ``periodic`` variant's statistics roll up from a finer grouping:

- ``"rows"``: sums over rows (sessions, page views) that each have one value per column: a
  grouping by any columns sums to a grouping by any one of them, and to the total;
- ``"customers"``: sums over customers placed in the one combination of the grouped columns
  that holds most of their MRR (:func:`cxpulse.metrics.mrr.customer_balances`). A customer's
  own attributes (``customer.<column>``) are the same in all their combinations, so a grouping
  by at most one column of the metric's table plus customer attributes sums to each of them;
  two columns of the table do not (the combination holding most MRR need not hold the plan
  that does);
- None: not known to roll up; each grouping is read on its own."""


@dataclass(frozen=True)
class Variant:
    name: str
    definition: str
    kind: Kind
    aggregate: Callable[[Table, list[str]], Table] | None = None
    """Group ``table`` by the key columns and return the kind's statistic columns (not needed
    by a ``periodic`` variant)."""
    prepare: Callable[[Table, Tables], Table] = lambda t, _: t
    """Keep the rows the metric counts and derive the columns ``aggregate`` uses."""
    multiplier: float = 100.0
    """Scale of the displayed value: NPS and shares in points/percent, means as they are."""
    interval: str = "adjusted_wald"
    customer_columns: tuple[str, ...] = ()
    """Columns of ``customers`` this variant needs joined (e.g. account_id)."""
    single_scale: bool = False
    """Refuse groups mixing scales (a mean of 5- and 7-point answers means nothing)."""
    periodic: Callable[[PeriodContext], Table] | None = None
    """For metrics defined on the calendar rather than on rows in a period: return a table of
    ``_period``, the segments and the kind's statistic columns. ``prepare`` and ``aggregate``
    are not used then."""
    quantile: float | None = None
    """For a ``value`` variant that is a quantile (0.5: the median) of the ``_x`` column that
    ``prepare`` derives: lets a change be split into mix and rate effects by reweighting rows
    (:mod:`cxpulse.metrics.mix`)."""
    rolls_up: Rollup = None
    """For a ``periodic`` variant: whether its statistics grouped by several columns sum to
    those grouped by any one of them, so that one query can stand for several (row-based
    variants always do: every row has one value per column). See :data:`Rollup`."""

    def __post_init__(self) -> None:
        if (self.aggregate is None) == (self.periodic is None):
            raise ValueError(f"variant {self.name!r} needs exactly one of aggregate or periodic")


@dataclass(frozen=True)
class Benchmark:
    text: str
    source: str
    good: float | None = None


@dataclass(frozen=True)
class MetricSpec:
    name: str
    label: str
    table: str
    time_column: str
    unit: str
    variants: dict[str, Variant]
    higher_is_better: bool = True
    benchmark: Benchmark | None = None
    segments: tuple[str, ...] = field(default_factory=tuple)
    """Columns of the metric's own table that make sensible segments (shown in help)."""
    main_segment: str | None = None
    """The segment whose mix can move the overall value on its own (support times by channel:
    chat is answered in minutes, email in hours). The scorecard splits a change over it into
    a rate and a mix effect and says so when the mix, not the segments, moved the headline."""

    def variant(self, name: str | None) -> Variant:
        key = name or "default"
        try:
            return self.variants[key]
        except KeyError:
            names = ", ".join(self.variants)
            raise UnknownMetricError(
                f"metric {self.name!r} has no variant {key!r}; its variants are: {names}"
            ) from None

    @property
    def default(self) -> Variant:
        return self.variants["default"]


class Registry:
    """The metrics a workspace knows, by name."""

    def __init__(self) -> None:
        self._specs: dict[str, MetricSpec] = {}

    def add(self, spec: MetricSpec) -> MetricSpec:
        if spec.name in self._specs:
            raise ValueError(f"metric {spec.name!r} registered twice")
        if "default" not in spec.variants:
            raise ValueError(f"metric {spec.name!r} has no default variant")
        self._specs[spec.name] = spec
        return spec

    def get(self, name: str) -> MetricSpec:
        try:
            return self._specs[name]
        except KeyError:
            known = ", ".join(sorted(self._specs))
            raise UnknownMetricError(
                f"unknown metric {name!r}; the metrics are: {known} (`cxpulse metrics` lists "
                "them with their definitions)"
            ) from None

    def __iter__(self) -> Iterator[MetricSpec]:
        return iter(self._specs.values())

    def names(self) -> list[str]:
        return list(self._specs)


REGISTRY = Registry()
