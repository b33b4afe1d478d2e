"""What an import preset is: which of a vendor's columns fill which of ours."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from cxpulse.ingest.readers import RawFile


@dataclass(frozen=True)
class Preset:
    """A vendor's export format (its own module under :mod:`cxpulse.ingest.presets`).

    Each canonical column lists the header names the vendor has been seen to use, first match
    wins (case and spacing ignored), so small differences between export versions do not
    matter; a column no candidate matches is left to the usual matching by name."""

    name: str
    """Lower case: ``--preset`` is matched without regard to case."""
    table: str
    doc: str
    columns: dict[str, tuple[str, ...]]
    """Canonical column -> the vendor's header names for it, in order of preference."""
    constants: dict[str, str] = field(default_factory=dict)
    """Columns set to the same value on every row (``platform``)."""
    timezone: str | None = None
    """Zone of the export's timestamps that carry no offset (None: the workspace's zone)."""
    confirmed: bool = False
    """Were the header names checked against real exports?"""
    requires: tuple[str, ...] = ()
    """Canonical columns the export must fill although the table allows them empty: an NPS
    export whose NPS question was not found would import responses without scores."""
    reshape: Callable[[RawFile], RawFile] | None = None
    """Turns the export as read into rows the columns above can map, for a vendor whose
    values or layout need more than renamed columns (scores in words, amounts in cents, extra
    header rows, nested fields). It returns text columns and keeps each row's line number
    (``RawFile.lines``) so errors still name the file's own line; a row it drops drops its
    line too. None: the file is mapped as read."""

    def mapping_for(self, header: Sequence[str]) -> dict[str, str]:
        """``their column -> our column`` for the columns this file has."""
        by_loose = {_loose(h): h for h in reversed(header)}  # first spelling wins
        mapping: dict[str, str] = {}
        for ours, candidates in self.columns.items():
            for name in candidates:
                theirs = by_loose.get(_loose(name))
                if theirs is not None and theirs not in mapping:
                    mapping[theirs] = ours
                    break
        return mapping


def _loose(name: str) -> str:
    return " ".join(name.strip().lower().split())
