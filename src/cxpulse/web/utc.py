"""Timestamps in the JSON API carry their zone.

The store keeps times in UTC without a zone; a model field typed :data:`UtcDateTime` reads
such a time as UTC (an aware one is moved to UTC) and is written ``2026-11-03T10:00:00Z``, as
the ``date-time`` format of the OpenAPI document requires. Rows answered as plain dicts get the
same from ``records.clean(..., utc=True)``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator


def as_utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


UtcDateTime = Annotated[datetime, AfterValidator(as_utc)]
