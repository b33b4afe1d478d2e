"""Importing a vendor's export with a preset: its header read once to choose among the
preset's names, then the usual import with those columns, its constants and its time zone."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from cxpulse.errors import ConfigError, ImportRejected
from cxpulse.ingest.importer import import_file
from cxpulse.ingest.presets.preset import Preset
from cxpulse.ingest.readers import ReadOptions, read_file
from cxpulse.ingest.report import ImportReport
from cxpulse.settings import Settings
from cxpulse.store import Store

if TYPE_CHECKING:
    from cxpulse.kinds import Registry


def get_preset(name: str, presets: Registry[Preset] | None = None) -> Preset:
    """The preset called ``name`` (any case) in ``presets`` (default: the built-ins); an
    unknown name is a ConfigError listing the registered ones."""
    if presets is None:
        from cxpulse.ingest.presets import PRESETS  # the package lists the built-ins

        presets = PRESETS.builtins()
    for key in (name, name.strip().lower()):
        if key in presets:
            return presets.get(key)
    raise ConfigError(f"unknown import preset {name!r}; presets: {', '.join(presets.names())}")


def import_with_preset(
    store: Store,
    settings: Settings,
    preset: str | Preset,
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
    ``preset``: a :class:`Preset`, or the name of a built-in one (a workspace resolves names
    through its own registry). ``read``, ``date_format`` and ``generate_id``: as for
    :func:`import_file`."""
    chosen = get_preset(preset) if isinstance(preset, str) else preset
    if table is not None and table != chosen.table:
        raise ConfigError(
            f"the {chosen.name} preset imports into {chosen.table}, not {table}; "
            f"use --table {chosen.table}"
        )
    user = dict(mapping or {})
    raw = read_file(Path(path), read)
    if chosen.reshape is not None:
        raw = chosen.reshape(raw)
    header = [str(c) for c in raw.frame.columns]
    columns = {
        theirs: ours
        for theirs, ours in chosen.mapping_for(header).items()
        if theirs not in user and ours not in user.values()
    }
    columns.update(user)
    _check_requires(chosen, raw.label, header, columns)
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
        reshape=chosen.reshape,
    )


def _check_requires(
    preset: Preset, label: str, header: list[str], columns: Mapping[str, str]
) -> None:
    """Refuse an export that lacks a column the preset needs (see ``Preset.requires``)
    before anything is read further, saying how to name the column."""
    by_name = {h.strip().lower().replace(" ", "_") for h in header}
    for ours in preset.requires:
        if ours not in columns.values() and ours not in by_name:
            shown = ", ".join(f'"{h}"' for h in header if not h.startswith("("))
            raise ImportRejected(
                f'{label} has no column "{ours}" the {preset.name} preset can find.\n'
                f"The file's columns are: {shown}.\n"
                f'Say which one holds it with --map "THEIR_COLUMN={ours}".'
            )
