"""The review connectors' watermarks: RFC 3339 as Google and Trustpilot send it, and back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from cxpulse.sources.review_times import iso, moment


def test_the_documented_forms_read_as_utc() -> None:
    # the examples of https://developers.google.com/my-business/reference/rest/v4/accounts.locations.reviews
    assert moment("2014-10-02T15:01:23Z") == datetime(2014, 10, 2, 15, 1, 23, tzinfo=UTC)
    assert moment("2014-10-02T15:01:23.045123456Z") == datetime(
        2014, 10, 2, 15, 1, 23, 45123, tzinfo=UTC
    )  # nanoseconds cut to microseconds
    assert moment("2014-10-02T15:01:23+05:30") == datetime(2014, 10, 2, 9, 31, 23, tzinfo=UTC)
    assert moment("2026-04-28T10:15:00.000Z") == datetime(2026, 4, 28, 10, 15, tzinfo=UTC)
    assert moment("yesterday") is None and moment(None) is None and moment(17) is None


@given(
    when=st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(2999, 1, 1)),
    offset_minutes=st.integers(-14 * 60, 14 * 60),
    nanos=st.integers(0, 999),
)
def test_a_watermark_written_then_read_is_the_same_moment(
    when: datetime, offset_minutes: int, nanos: int
) -> None:
    aware = when.replace(tzinfo=UTC)
    local = aware.astimezone(timezone(timedelta(minutes=offset_minutes)))
    text = local.isoformat(timespec="microseconds")
    nanotext = text[:26] + f"{nanos:03d}" + text[26:]  # Google's nine fractional digits
    assert moment(text) == aware and moment(nanotext) == aware
    assert moment(iso(moment(text))) == aware
