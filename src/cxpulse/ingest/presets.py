"""Presets for vendors' review exports: which of their columns fill which of ours.

``cxpulse import reviews.csv --table mentions --preset trustpilot`` maps a Trustpilot
reviews export onto ``mentions`` and sets ``platform`` to ``trustpilot`` on every row. Each
canonical column lists the header names a vendor has been seen to use, first match wins
(case and spacing ignored), so small differences between export versions do not matter.
``--map`` overrides a preset's choice for a column, and a column no candidate matches is left
to the usual matching by name.

What was checked: the Trustpilot names (``Review Id``, ``Review Created (UTC)``, ``Review
Stars``, ``Review Title``, ``Review Content``, ``Review Username``, ``Review Language``,
``Reference Id``) recur across several independent public tools that read Trustpilot
Business's "download reviews" file; the reply date has been seen under two names, both listed.
The G2 names could NOT be confirmed against a real my.G2 "Download CSV" file: they follow the
field names of G2's reviews API (``star_rating``, ``submitted_at``...) and their usual
spreadsheet spellings. If an import reports a required column missing, add ``--map``
options (e.g. ``--map "Date Submitted=posted_at"``) or edit the lists below.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

from cxpulse.errors import ConfigError
from cxpulse.ingest.importer import import_file
from cxpulse.ingest.readers import ReadOptions, read_file
from cxpulse.ingest.report import ImportReport
from cxpulse.settings import Settings
from cxpulse.store import Store


@dataclass(frozen=True)
class Preset:
    name: str
    table: str
    doc: str
    columns: dict[str, tuple[str, ...]]
    """Canonical column -> the vendor's header names for it, in order of preference."""
    constants: dict[str, str] = field(default_factory=dict)
    timezone: str | None = None
    """Zone of the export's timestamps that carry no offset (None: the workspace's zone)."""
    confirmed: bool = False
    """Were the header names checked against real exports?"""

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


TRUSTPILOT = Preset(
    name="trustpilot",
    table="mentions",
    doc="Trustpilot Business > Reviews > download (service reviews, CSV)",
    columns={
        "mention_id": ("Review Id", "Review ID"),
        "posted_at": ("Review Created (UTC)", "Review Created"),
        "rating": ("Review Stars", "Stars"),
        "text": ("Review Content", "Review Text"),
        "author": ("Review Username", "Review User Name", "Consumer Name"),
        "language": ("Review Language",),
        "customer_id": ("Reference Id", "Reference ID", "Reference Number"),
        "responded_at": (
            "Business Reply Date (UTC)",
            "Company Reply Date (UTC)",
            "Reply Date (UTC)",
        ),
        "url": ("Review Url", "Review URL", "Review Link"),
    },
    constants={"platform": "trustpilot"},
    timezone="UTC",  # the export says so in its headers
    confirmed=True,
)
G2 = Preset(
    name="g2",
    table="mentions",
    doc="my.G2 > Review Management > Review Activity > Download CSV (not confirmed)",
    columns={
        "mention_id": ("Review ID", "Review Id", "ID", "id"),
        "posted_at": (
            "Submitted At",
            "Submitted Date",
            "Date Submitted",
            "Published At",
            "Review Date",
            "Date",
            "submitted_at",
        ),
        "rating": ("Star Rating", "Stars", "Rating", "star_rating"),
        "text": ("Review", "Review Text", "Review Body", "Comment", "What do you like best?"),
        "author": ("Reviewer Name", "Reviewer", "User Name", "Name", "user_name"),
        "url": ("Review URL", "Public URL", "URL", "Link", "public_url"),
        "responded_at": ("Vendor Response Date", "Response Date", "Replied At"),
    },
    constants={"platform": "g2"},
)
PRESETS: dict[str, Preset] = {p.name: p for p in (TRUSTPILOT, G2)}


def get_preset(name: str) -> Preset:
    try:
        return PRESETS[name.strip().lower()]
    except KeyError:
        raise ConfigError(
            f"unknown import preset {name!r}; presets: {', '.join(PRESETS)}"
        ) from None


def import_with_preset(
    store: Store,
    settings: Settings,
    preset: str,
    path: Path,
    table: str | None = None,
    *,
    mapping: Mapping[str, str] | None = None,
    on_error: Literal["fail", "skip"] = "fail",
    rejects_path: Path | None = None,
    source: str | None = None,
    progress: Callable[[str], None] | None = None,
    read: ReadOptions | None = None,
    date_format: str | None = None,
    generate_id: bool = False,
) -> ImportReport:
    """Import a vendor's export with a preset; ``mapping`` (their column -> ours) overrides
    the preset's choices. The file's header is read once to choose among the preset's names.
    ``read``, ``date_format`` and ``generate_id``: as for :func:`import_file`."""
    chosen = get_preset(preset)
    if table is not None and table != chosen.table:
        raise ConfigError(
            f"the {chosen.name} preset imports into {chosen.table}, not {table}; "
            f"use --table {chosen.table}"
        )
    user = dict(mapping or {})
    header = [str(c) for c in read_file(Path(path), read).frame.columns]
    columns = {
        theirs: ours
        for theirs, ours in chosen.mapping_for(header).items()
        if theirs not in user and ours not in user.values()
    }
    columns.update(user)
    zoned = replace(settings, timezone=chosen.timezone) if chosen.timezone else settings
    return import_file(
        store,
        zoned,
        chosen.table,
        Path(path),
        mapping=columns,
        on_error=on_error,
        rejects_path=rejects_path,
        source=source,
        progress=progress,
        constants=chosen.constants,
        read=read,
        date_format=date_format,
        generate_id=generate_id,
    )
