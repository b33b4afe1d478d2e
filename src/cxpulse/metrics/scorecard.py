"""The scorecard: each metric's last complete period next to the previous one, its target and
its published benchmark."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, fields
from datetime import date, datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING, Any

import pandas as pd

from cxpulse.errors import ConfigError
from cxpulse.metrics import periods
from cxpulse.metrics.cx_index import coverage_caveats
from cxpulse.metrics.engine import compute, local_day
from cxpulse.metrics.mix import decompose
from cxpulse.metrics.spec import REGISTRY
from cxpulse.store.results import Shelf, fingerprint

if TYPE_CHECKING:
    from cxpulse.context import Context
    from cxpulse.settings import Settings

DEFAULT_METRICS = (
    # feedback
    "nps",
    "csat",
    "ces",
    "response_rate",
    # support
    "first_response_time",
    "time_to_resolution",
    "first_contact_resolution",
    # revenue
    "customer_churn_rate",
    "nrr",
    # website and reviews
    "bounce_rate",
    "review_rating",
    # all of it in one number
    "cx_index",
)


@dataclass(frozen=True)
class ScorecardRow:
    metric: str
    label: str
    unit: str
    period: str | None
    value: float | None
    previous_period: str | None
    previous: float | None
    change: float | None
    significant: bool
    ci_low: float | None
    ci_high: float | None
    n: int
    low_n: bool
    target: float | None
    benchmark: str | None
    benchmark_source: str | None
    higher_is_better: bool
    definition: str
    note: str | None = None
    """Why the metric has no value (a setting it needs is missing), if so."""
    caveats: tuple[str, ...] = ()
    """What a reader must know to read the number right, said next to it: the change is
    mostly a shift in the mix of segments, a composite lacks components..."""
    mix: dict[str, Any] | None = None
    """The change split into rate and mix effects over the metric's main segment
    (:class:`cxpulse.metrics.mix.MixShift`), with each segment's value before and after."""

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ScorecardRow:
        """The row :func:`dataclasses.asdict` gave (read back from a stored result)."""
        names = {f.name for f in fields(cls)}
        known = {k: v for k, v in data.items() if k in names}
        return cls(**known | {"caveats": tuple(data.get("caveats") or ())})

    @property
    def meets_target(self) -> bool | None:
        if self.value is None or self.target is None:
            return None
        return self.value >= self.target if self.higher_is_better else self.value <= self.target


@dataclass(frozen=True)
class Scorecard:
    by: str
    as_of: date
    rows: list[ScorecardRow]

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame([asdict(r) | {"meets_target": r.meets_target} for r in self.rows])

    def to_dict(self) -> dict[str, Any]:
        return {
            "by": self.by,
            "as_of": self.as_of.isoformat(),
            "rows": [asdict(r) | {"meets_target": r.meets_target} for r in self.rows],
        }


def _num(x: Any) -> float | None:
    return None if x is None or pd.isna(x) else float(x)


def _shown_periods(ws: Context, name: str, grain: periods.Grain, end: date) -> pd.DataFrame:
    """The metric's last period with a value up to ``end`` and the one before it.

    Only those two periods are computed (a period's value never depends on where the range
    starts: sessions and balances are read from the rows before it). Computing the whole
    history to show two periods made the scorecard spend most of its time sessionising
    two years of web hits for bounce_rate. When the metric's data stops earlier (support
    tickets answered up to last month, revenue exported last quarter), its last period is
    found from what the first window returned or, when that is empty, from the latest time
    in its table (one indexed MAX), and the two periods ending there are computed; the whole
    history is computed only when even that window holds no value."""
    if grain == "all":
        return compute(ws, name, by=grain, end=end)
    previous = periods.shift(periods.floor_date(end, grain), grain, -1)
    shown = compute(ws, name, by=grain, start=previous, end=end)
    if not shown.empty and shown["period_start"].iloc[-1] > previous:
        return shown  # the last period has a value (the one before it may not: a gap)
    if shown.empty:
        last_day = _last_data_day(ws, name, end)
        if last_day is None:
            return shown
        last = periods.floor_date(last_day, grain)
    else:
        last = previous  # only the period before the last one has a value
    window = compute(ws, name, by=grain, start=periods.shift(last, grain, -1), end=end)
    if not window.empty and window["period_start"].iloc[-1] >= last:
        return window
    return compute(ws, name, by=grain, end=end)


def _last_data_day(ws: Context, name: str, end: date) -> date | None:
    """The local day of the latest row of the metric's table up to ``end`` (inclusive)."""
    spec = REGISTRY.get(name)
    t = ws.table(spec.table)
    ts = t[spec.time_column]
    bound = periods.local_midnight_utc(end + timedelta(days=1), ws.settings.zone)
    latest = t.filter(ts < bound).aggregate(hi=ts.max()).execute()["hi"].iloc[0]
    return None if pd.isna(latest) else local_day(latest, ws.settings.zone)


def build_scorecard(
    ws: Context,
    *,
    by: str = "month",
    metrics: Sequence[str] | None = None,
    as_of: date | str | None = None,
    stored: bool = True,
) -> Scorecard:
    """Score each metric over complete periods before ``as_of`` (default: today, local).

    Each row is read from the workspace's stored results while the tables it read are
    unchanged (:mod:`cxpulse.store.results`), else computed and stored; ``stored=False``
    computes every row and stores none."""
    grain = periods.check_grain(by)
    today = periods.parse_day(as_of, "as_of") or datetime.now(ws.settings.zone).date()
    # only complete periods: stop the day before the period holding as_of starts
    end = periods.floor_date(today, grain) - timedelta(days=1) if grain != "all" else today
    shelf = Shelf(ws.store, "scorecard_row", depends(ws.settings)) if stored else None
    rows = []
    with ws.sharing():
        for name in metrics or DEFAULT_METRICS:
            # each row is a stored result of its own: an import of survey answers computes
            # the survey metrics again and reads the support and revenue rows back; keyed by
            # the last day shown (not today), so a row outlives the days of a period
            params = {"metric": name, "by": grain, "end": end}
            if shelf is not None:
                row = shelf.remember(params, partial(_row_data, ws, name, grain, end))
            else:
                row = _row_data(ws, name, grain, end)
            rows.append(ScorecardRow.from_dict(row))
    return Scorecard(by=grain, as_of=today, rows=rows)


def _row_data(ws: Context, name: str, grain: periods.Grain, end: date) -> dict[str, Any]:
    """One metric's scorecard row (JSON-ready) over complete periods up to ``end``."""
    try:
        df = _shown_periods(ws, name, grain, end)
        note = None
    except ConfigError as exc:  # e.g. CAC without acquisition costs: say why, go on
        df, note = pd.DataFrame(), str(exc)
    spec = REGISTRY.get(name)
    caveats: list[str] = []
    shift = None
    target = ws.settings.targets.get(name)
    bench = spec.benchmark
    if df.empty:
        last: dict[str, Any] = {}
        prev_row: dict[str, Any] = {}
    else:
        last = {str(k): v for k, v in df.iloc[-1].to_dict().items()}
        prev_start = periods.shift(last["period_start"], grain, -1)
        match = df[df["period_start"] == prev_start]
        prev_row = (
            {str(k): v for k, v in match.iloc[0].to_dict().items()} if not match.empty else {}
        )
        if prev_row and spec.main_segment:
            shift = decompose(ws, name, last["period_start"], by=grain)
            if shift is not None and shift.note():
                caveats.append(str(shift.note()))
        if name == "cx_index":
            caveats.extend(coverage_caveats(ws, grain, last["period_start"]))
    row = ScorecardRow(
        metric=name,
        label=spec.label,
        unit=spec.unit,
        period=last.get("period"),
        value=_num(last.get("value")),
        previous_period=prev_row.get("period"),
        previous=_num(prev_row.get("value")),
        change=_num(last.get("change")),
        significant=bool(last.get("significant", False)),
        ci_low=_num(last.get("ci_low")),
        ci_high=_num(last.get("ci_high")),
        n=int(last.get("n", 0)),
        low_n=bool(last.get("low_n", False)),
        target=target,
        benchmark=bench.text if bench else None,
        benchmark_source=bench.source if bench else None,
        higher_is_better=spec.higher_is_better,
        definition=f"{name} (default): {spec.default.definition}",
        note=note,
        caveats=tuple(caveats),
        mix=shift.to_dict() if shift is not None else None,
    )
    return asdict(row)


def depends(settings: Settings) -> str:
    """What a stored scorecard row depends on besides the tables it read: the settings
    (targets, time zone, confidence...) and the code's version."""
    from cxpulse import __version__

    return fingerprint(__version__, settings.to_rows())
