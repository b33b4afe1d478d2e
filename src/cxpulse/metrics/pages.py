"""Problem pages: pages whose exit or bounce rate is abnormally high given their traffic.

A page is flagged when the lower bound of its rate's Wilson interval (at the workspace's
confidence level) lies more than ``margin`` points (5 by default) above the site-wide rate and
it has at least ``min_views`` views (landing sessions for the bounce rate). Pages are ranked by
that lower bound's excess over the site rate, not by the raw rate: a page seen 3 times and left
3 times (rate 100 %, interval 44-100 %) says little, and the minimum traffic keeps it out. The
margin makes "abnormal" mean more than "a little above average": with dozens of pages, some
sit a point or two above the site for ordinary reasons (a blog post read to the end, then
closed), and an interval on thousands of views is narrow enough to show it. A one-sided
binomial test against the site-wide rate is reported beside each page.

The query goes through the metric engine (``exit_rate`` or ``bounce_rate`` segmented by
``page``), so the definitions, filters and date range are the metrics' own.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy import stats as sps

from cxpulse.errors import QueryError
from cxpulse.metrics.engine import compute

if TYPE_CHECKING:
    from cxpulse.context import Context

RATES = ("exit_rate", "bounce_rate")
COLUMNS = (
    "rank",
    "page",
    "views",
    "rate",
    "ci_low",
    "ci_high",
    "site_rate",
    "excess",
    "p_value",
    "flagged",
)


@dataclass(frozen=True)
class ProblemPages:
    """The report: one row per page, flagged pages first, worst first."""

    metric: str
    variant: str
    definition: str
    site_rate: float
    min_views: int
    margin: float
    confidence: float
    pages: pd.DataFrame
    """Columns: rank (1 = worst flagged page; 0 when not flagged), page, views (page views, or
    sessions landing there for the bounce rate), rate, ci_low, ci_high (percent), site_rate,
    excess (ci_low - site_rate, in points), p_value (one-sided binomial test of rate > site
    rate), flagged (enough views and excess above the margin)."""

    @property
    def flagged(self) -> pd.DataFrame:
        return self.pages[self.pages["flagged"]]

    def to_dict(self) -> dict[str, Any]:
        return {
            "metric": self.metric,
            "variant": self.variant,
            "definition": self.definition,
            "site_rate": self.site_rate,
            "min_views": self.min_views,
            "margin": self.margin,
            "confidence": self.confidence,
            "pages": [
                {str(k): _plain(v) for k, v in row.items()} for row in self.pages.to_dict("records")
            ],
        }


def problem_pages(
    ws: Context,
    *,
    metric: str = "exit_rate",
    variant: str | None = None,
    start: date | str | None = None,
    end: date | str | None = None,
    min_views: int | None = None,
    margin: float = 5.0,
    filters: Mapping[str, Any] | None = None,
) -> ProblemPages:
    """Rank pages by how far their ``metric`` (exit_rate or bounce_rate) sits above the site.

    ``min_views`` defaults to the workspace's ``min_n``; ``margin`` is in percentage points.
    """
    if metric not in RATES:
        raise QueryError(f"problem pages rank exit_rate or bounce_rate, not {metric!r}")
    floor = ws.settings.min_n if min_views is None else int(min_views)
    if floor < 1:
        raise QueryError(f"min_views must be at least 1, not {min_views!r}")
    per_page = compute(
        ws,
        metric,
        by="all",
        segment="page",
        variant=variant,
        start=start,
        end=end,
        filters=filters,
    )
    confidence = ws.settings.confidence
    if per_page.empty:
        return ProblemPages(
            metric, variant or "default", "", np.nan, floor, margin, confidence, _empty()
        )
    views = per_page["n"].to_numpy(dtype=np.int64)
    rate = per_page["value"].to_numpy(dtype=float)
    exits = np.rint(rate * views / 100.0).astype(np.int64)  # the counts behind each share
    # Every page view has a page and every session a landing page: the site's rate is the
    # pooled rate of the pages, no second query needed.
    site_rate = 100.0 * float(exits.sum()) / float(views.sum())
    # P(X >= k) for X ~ Binomial(views, site rate): sf(k - 1)
    p_value = sps.binom.sf(exits - 1, views, site_rate / 100.0)
    low = per_page["ci_low"].to_numpy(dtype=float)
    frame = pd.DataFrame(
        {
            "page": per_page["page"].astype(str),
            "views": views,
            "rate": rate,
            "ci_low": low,
            "ci_high": per_page["ci_high"].to_numpy(dtype=float),
            "site_rate": site_rate,
            "excess": low - site_rate,
            "p_value": p_value,
            "flagged": (views >= floor) & (low - site_rate > margin),
        }
    )
    frame = frame.sort_values(
        ["flagged", "excess", "views"], ascending=[False, False, False], kind="stable"
    ).reset_index(drop=True)
    flagged = frame["flagged"].to_numpy()
    frame.insert(0, "rank", np.where(flagged, np.cumsum(flagged), 0))
    definition = str(per_page["definition"].iloc[0])
    variant_name = str(per_page["variant"].iloc[0])
    return ProblemPages(
        metric, variant_name, definition, site_rate, floor, margin, confidence, frame
    )


def _plain(value: Any) -> Any:
    """numpy scalars as Python values, NaN as None (for JSON)."""
    if hasattr(value, "item"):
        value = value.item()
    return None if isinstance(value, float) and np.isnan(value) else value


def _empty() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in COLUMNS})
