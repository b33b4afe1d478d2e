"""Annotations: the events (an outage, a release, a price change, a campaign) that the metrics
are read against. Findings that overlap one name it, charts mark it, and
:mod:`cxpulse.insights.impact` compares the metrics before and after it.

An annotation covers local days of the workspace's time zone: ``day`` alone is a one-off
event (a release); ``day`` to ``until`` (both included) a lasting one (an outage). Ids are
small numbers given in order, so a person can type them (``cxpulse impact 3``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import ibis
import pandas as pd

from cxpulse.errors import AnnotationError, QueryError, UnknownAnnotationError
from cxpulse.metrics import periods
from cxpulse.schema import ANNOTATIONS_TABLE, OPERATIONAL

if TYPE_CHECKING:
    from cxpulse.context import Context

MAX_LABEL = 200
_TAG = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,39}$")


@dataclass(frozen=True)
class Annotation:
    annotation_id: str
    day: date
    until: date | None
    label: str
    tags: tuple[str, ...]
    author: str
    created_at: datetime

    @property
    def last_day(self) -> date:
        """The last day it covers (``day`` for a one-off event)."""
        return self.until or self.day

    def overlaps(self, start: date | None, end: date | None) -> bool:
        return (end is None or self.day <= end) and (start is None or self.last_day >= start)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.annotation_id,
            "day": self.day.isoformat(),
            "until": self.until.isoformat() if self.until else None,
            "label": self.label,
            "tags": list(self.tags),
            "author": self.author,
            "created_at": self.created_at.isoformat(),
        }


def parse_day(value: date | str | None, field: str) -> date | None:
    """A day written YYYY-MM-DD (ISO only: 03/04/2025 means different days to different
    readers) within the days the metrics read; the error names the field."""
    try:
        day = periods.parse_day(value.strip() if isinstance(value, str) else value, field)
        return None if day is None else periods.check_in_range(day, field)
    except QueryError as exc:
        raise AnnotationError(
            f"{field}: {exc}".replace(f"{field}: {field} ", f"{field}: ")
        ) from None


def check_tags(tags: Iterable[str]) -> tuple[str, ...]:
    """Tags lower-cased, deduplicated, in the order given; one bad tag is refused by name."""
    found: list[str] = []
    for raw in tags:
        for tag in (t.strip().lower() for t in str(raw).split(",")):
            if not tag:
                continue
            if not _TAG.match(tag):
                raise AnnotationError(
                    f"tags: {tag!r} is not a tag; use letters, digits, '-', '_' or '.', at "
                    "most 40, e.g. outage"
                )
            if tag not in found:
                found.append(tag)
    return tuple(found)


def _schema() -> ibis.Schema:
    return ibis.schema(OPERATIONAL[ANNOTATIONS_TABLE].types())


def _from_row(row: dict[str, Any]) -> Annotation:
    until = row.get("until")
    tags = row.get("tags") or ""
    return Annotation(
        annotation_id=str(row["annotation_id"]),
        day=pd.Timestamp(row["day"]).date(),
        until=None if until is None or pd.isna(until) else pd.Timestamp(until).date(),
        label=str(row["label"]),
        tags=tuple(t for t in str(tags).split(",") if t),
        author=str(row.get("author") or ""),
        created_at=pd.Timestamp(row["created_at"]).to_pydatetime(),
    )


def list_annotations(ctx: Context) -> list[Annotation]:
    """Every annotation, by day (then id)."""
    rows = ctx.store.table(ANNOTATIONS_TABLE).execute().to_dict("records")
    found = [_from_row(r) for r in rows]
    return sorted(found, key=lambda a: (a.day, _number(a.annotation_id)))


def annotations_between(
    ctx: Context, start: date | str | None, end: date | str | None
) -> list[Annotation]:
    """The annotations overlapping the local days ``start``..``end`` (both included; None:
    unbounded), by day: what a finding or a chart of those days shows."""
    first, last = parse_day(start, "start"), parse_day(end, "end")
    if first and last and last < first:
        raise AnnotationError(f"end: {last} is before start ({first})")
    t = ctx.store.table(ANNOTATIONS_TABLE)
    if last is not None:
        t = t.filter(t.day <= last)
    if first is not None:  # a one-off event (until empty) lasts its day
        t = t.filter(t.until.fill_null(t.day) >= first)
    found = [_from_row(r) for r in t.execute().to_dict("records")]
    return sorted(found, key=lambda a: (a.day, _number(a.annotation_id)))


def _number(annotation_id: str) -> int:
    return int(annotation_id) if annotation_id.isdigit() else 0


def add_annotation(
    ctx: Context,
    day: date | str,
    label: str,
    *,
    until: date | str | None = None,
    tags: Sequence[str] = (),
    author: str,
    now: datetime,
) -> Annotation:
    """Record an event; every field is checked first and a bad one is refused by name."""
    first = parse_day(day, "day")
    if first is None:
        raise AnnotationError("day: missing; write it as YYYY-MM-DD, e.g. 2025-11-10")
    last = parse_day(until, "until")
    if last is not None and last < first:
        raise AnnotationError(f"until: {last} is before the day the event starts ({first})")
    text = " ".join(str(label or "").split())  # one line: it is shown on charts
    if not text:
        raise AnnotationError("label: empty; say what happened, e.g. 'Carrier outage'")
    if len(text) > MAX_LABEL:
        raise AnnotationError(f"label: {len(text)} characters; at most {MAX_LABEL}")
    ids = ctx.store.table(ANNOTATIONS_TABLE).annotation_id.execute()
    number = max((_number(str(i)) for i in ids), default=0) + 1
    annotation = Annotation(
        annotation_id=str(number),
        day=first,
        until=last if last != first else None,
        label=text,
        tags=check_tags(tags),
        author=author,
        created_at=now,
    )
    row = {
        "annotation_id": annotation.annotation_id,
        "day": annotation.day,
        "until": annotation.until,
        "label": annotation.label,
        "tags": ",".join(annotation.tags),
        "author": author,
        "created_at": now,
    }
    ctx.store.insert(ANNOTATIONS_TABLE, [row], schema=_schema())
    return annotation


def get_annotation(ctx: Context, annotation_id: str) -> Annotation:
    t = ctx.store.table(ANNOTATIONS_TABLE)
    rows = t.filter(t.annotation_id == str(annotation_id)).execute().to_dict("records")
    if not rows:
        raise UnknownAnnotationError(
            f"no annotation {annotation_id!r}; `cxpulse annotations list` shows them"
        )
    return _from_row(rows[0])


def find_annotation(ctx: Context, name_or_id: str) -> Annotation:
    """The annotation with this id, else the one whose label is this text (any case), else
    the one label holding it; several matches are refused with their ids."""
    wanted = " ".join(str(name_or_id).split())
    every = list_annotations(ctx)
    for a in every:
        if a.annotation_id == wanted:
            return a
    key = wanted.casefold()
    same = [a for a in every if a.label.casefold() == key]
    matches = same or [a for a in every if key and key in a.label.casefold()]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise UnknownAnnotationError(
            f"no annotation has the id or label {wanted!r}; `cxpulse annotations list` shows them"
        )
    shown = "; ".join(f"{a.annotation_id}: {a.label} ({a.day})" for a in matches[:10])
    raise UnknownAnnotationError(
        f"{len(matches)} annotations match {wanted!r}: {shown}; give the id"
    )


def remove_annotation(ctx: Context, annotation_id: str) -> Annotation:
    """Delete one annotation by id; returns what it was."""
    found = get_annotation(ctx, annotation_id)
    ctx.store.delete_where(ANNOTATIONS_TABLE, {"annotation_id": found.annotation_id})
    return found
