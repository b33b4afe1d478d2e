"""Annotations: recorded through the store's writes, checked field by field, found by id or
label, and listed by the days they overlap."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from cxpulse import Workspace
from cxpulse.errors import AnnotationError, UnknownAnnotationError
from cxpulse.insights.annotations import (
    add_annotation,
    annotations_between,
    find_annotation,
    list_annotations,
    remove_annotation,
)

NOW = datetime(2026, 1, 5, 9)


def test_an_annotation_is_stored_and_read_back(ws: Workspace) -> None:
    made = add_annotation(ws, "2025-11-14", "  Carrier   outage ", until="2025-11-30",
                          tags=["Outage", "delivery,outage"], author="ana", now=NOW)  # fmt: skip
    assert made.annotation_id == "1" and made.label == "Carrier outage"
    assert made.tags == ("outage", "delivery")
    (stored,) = list_annotations(ws)
    assert stored == made
    assert stored.to_dict() == {
        "id": "1", "day": "2025-11-14", "until": "2025-11-30", "label": "Carrier outage",
        "tags": ["outage", "delivery"], "author": "ana", "created_at": "2026-01-05T09:00:00",
    }  # fmt: skip
    second = add_annotation(ws, date(2025, 12, 1), "Price change", author="cli", now=NOW)
    assert second.annotation_id == "2" and second.until is None and second.tags == ()


@pytest.mark.parametrize(
    ("day", "until", "label", "tags", "message"),
    [
        ("2025-13-01", None, "x", (), "day: '2025-13-01' is not a date"),
        ("14/11/2025", None, "x", (), "day: '14/11/2025' is not a date; write it as YYYY-MM-DD"),
        ("2025-11-14", "soon", "x", (), "until: 'soon' is not a date"),
        ("2025-11-14", "9999-12-31", "x", (), "until: 9999-12-31 is outside the days cxpulse"),
        ("2025-11-14", "2025-11-13", "x", (), "until: 2025-11-13 is before the day"),
        ("2025-11-14", None, "  ", (), "label: empty"),
        ("2025-11-14", None, "x" * 201, (), "label: 201 characters; at most 200"),
        ("2025-11-14", None, "x", ("two words",), "tags: 'two words' is not a tag"),
        ("", None, "x", (), "day: missing"),
    ],
)
def test_a_bad_field_is_refused_by_name_and_nothing_is_written(
    ws: Workspace, day: str, until: str | None, label: str, tags: tuple[str, ...], message: str
) -> None:
    with pytest.raises(AnnotationError, match=message.replace("(", r"\(")):
        add_annotation(ws, day, label, until=until, tags=tags, author="cli", now=NOW)
    assert list_annotations(ws) == []


def test_a_one_day_span_is_a_one_off_event(ws: Workspace) -> None:
    made = add_annotation(ws, "2025-11-14", "Release", until="2025-11-14", author="a", now=NOW)
    assert made.until is None


def test_annotations_between_are_those_overlapping_the_days(ws: Workspace) -> None:
    outage = add_annotation(ws, "2025-11-14", "Outage", until="2025-11-30", author="a", now=NOW)
    release = add_annotation(ws, "2025-11-03", "Release", author="a", now=NOW)
    later = add_annotation(ws, "2025-12-02", "Campaign", author="a", now=NOW)
    assert annotations_between(ws, "2025-11-01", "2025-11-30") == [release, outage]
    assert annotations_between(ws, "2025-11-30", "2025-12-31") == [outage, later]
    assert annotations_between(ws, "2025-11-04", "2025-11-13") == []  # between the two
    assert annotations_between(ws, None, None) == [release, outage, later]
    with pytest.raises(AnnotationError, match="end: 2025-01-01 is before start"):
        annotations_between(ws, "2025-02-01", "2025-01-01")


def test_an_annotation_is_found_by_id_then_label_then_part_of_it(ws: Workspace) -> None:
    outage = add_annotation(ws, "2025-11-14", "Carrier outage", author="a", now=NOW)
    site = add_annotation(ws, "2025-12-14", "Site outage", author="a", now=NOW)
    add_annotation(ws, "2026-01-02", "1", author="a", now=NOW)  # a label that looks like an id
    assert find_annotation(ws, "1") == outage  # the id wins
    assert find_annotation(ws, "CARRIER OUTAGE") == outage
    assert find_annotation(ws, "site") == site
    with pytest.raises(UnknownAnnotationError, match="2 annotations match 'outage': 1: Carr"):
        find_annotation(ws, "outage")
    with pytest.raises(UnknownAnnotationError, match="no annotation has the id or label 'x'"):
        find_annotation(ws, "x")


def test_removing_an_annotation_deletes_only_it(ws: Workspace) -> None:
    first = add_annotation(ws, "2025-11-14", "Outage", author="a", now=NOW)
    second = add_annotation(ws, "2025-12-14", "Release", author="a", now=NOW)
    assert remove_annotation(ws, first.annotation_id) == first
    assert list_annotations(ws) == [second]
    with pytest.raises(UnknownAnnotationError, match="no annotation '1'"):
        remove_annotation(ws, "1")
    # ids are not given twice while a later one exists
    assert add_annotation(ws, "2026-01-01", "New", author="a", now=NOW).annotation_id == "3"


def test_annotations_between_is_exactly_the_overlapping_ones(ws: Workspace) -> None:
    """The store's filter and :meth:`Annotation.overlaps` agree on every range (hypothesis
    draws the ranges; the events are fixed: one-off and lasting, touching and apart)."""
    from datetime import timedelta

    from hypothesis import given, settings
    from hypothesis import strategies as st

    first = date(2025, 11, 1)
    for start, length in [(0, 0), (2, 5), (6, 0), (9, 3), (12, 0), (12, 10)]:
        until = first + timedelta(days=start + length) if length else None
        add_annotation(ws, first + timedelta(days=start), f"e{start}-{length}", until=until,
                       author="a", now=NOW)  # fmt: skip
    every = list_annotations(ws)
    days = st.one_of(st.none(), st.integers(-2, 25).map(lambda d: first + timedelta(days=d)))

    @settings(max_examples=60, deadline=None)
    @given(days, days)
    def check(start: date | None, end: date | None) -> None:
        if start and end and end < start:
            start, end = end, start
        expected = [a for a in every if a.overlaps(start, end)]
        assert annotations_between(ws, start, end) == expected

    check()
