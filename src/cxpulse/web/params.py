"""Query parameters several routes share, with their bounds in one place.

Every integer a client sends is bounded in its declaration, so FastAPI answers 422 naming the
limit and the OpenAPI document states it (``minimum``/``maximum``): an offset of 2**63 used to
reach DuckDB and come back as a 500 (tests/web/test_params.py checks every route).
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated

from fastapi import Query
from pydantic import BeforeValidator

# far past any table here, well inside DuckDB's BIGINT (LIMIT/OFFSET are BIGINT)
MAX_OFFSET = 1_000_000_000

Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET, description="rows to skip (0 to 1,000,000,000)")]


def _iso_day(value: object) -> object:
    """Only ``YYYY-MM-DD`` text is a day: pydantic would also read ``0`` as 1970-01-01."""
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or not ISO_DAY.fullmatch(value):
        raise ValueError("a day as YYYY-MM-DD")
    return value


ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
# a local day of the workspace, as ISO text only
Day = Annotated[date, BeforeValidator(_iso_day)]
