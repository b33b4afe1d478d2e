"""/api/v1/forecast/{metric}: the twin of `cxpulse forecast`."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query

from cxpulse.accounts.users import Permission
from cxpulse.models.forecast import MAX_PERIODS, forecast
from cxpulse.web.params import Day
from cxpulse.web.security import Principal, require
from cxpulse.web.state import WebState, get_state

router = APIRouter(prefix="/api/v1", tags=["forecast"])
Reader = Annotated[Principal, Depends(require(Permission.read))]
State = Annotated[WebState, Depends(get_state)]


@router.get("/forecast/{metric}", summary="A metric's next periods with prediction intervals")
def get_forecast(
    metric: str,
    principal: Reader,
    state: State,
    by: Annotated[
        Literal["day", "week", "month", "quarter", "year"], Query(description="period")
    ] = "month",
    periods: Annotated[
        int, Query(ge=1, le=MAX_PERIODS, description=f"periods to forecast (1 to {MAX_PERIODS})")
    ] = 6,
    end: Annotated[
        Day | None,
        Query(description="last local day of history, ISO (default: yesterday, server clock)"),
    ] = None,
) -> dict[str, Any]:
    """Complete periods only; the backtest's errors for the model, the last value and the
    value one cycle before; headline and note in English and French."""
    # the server's clock, not the machine's: a period running on the server's today is cut
    last_day = end or state.today() - timedelta(days=1)

    def compute(ws: Any) -> dict[str, Any]:
        result: dict[str, Any] = forecast(
            ws, metric, by=by, periods=periods, end=last_day
        ).to_dict()
        return result

    result: dict[str, Any] = state.cached(("forecast", metric, by, periods, last_day), compute)
    return result
