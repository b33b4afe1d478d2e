"""CX index weights: presets, and the versions a workspace has used, with their dates.

Each change of weights is a new version stored in ``cxpulse_cx_index_weights`` with the day it
takes effect. The index is always recomputed over the whole history with the current (latest)
version, so periods stay comparable; the report marks where the version in effect changed and
also shows the value the weights of the time gave.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from cxpulse.errors import ConfigError
from cxpulse.schema import CX_WEIGHTS_TABLE

COMPONENTS: dict[str, str] = {
    "effort": "CES default: share of 'easy' answers (0-100)",
    "empathy": "answers to questions with question_id 'empathy', rescaled to 0-100 and averaged",
    "understanding": "answers to questions with question_id 'understanding', rescaled to 0-100",
    "efficiency": "tickets meeting the resolution and handle time targets (100 = both, 50 = one)",
    "csat": "CSAT default: share of top-two-box answers (0-100)",
    "nps": "NPS rescaled to 0-100: (NPS + 100) / 2",
    "ces": "CES default: share of 'easy' answers (0-100), as effort",
    "resolution": "share of solved tickets first solved within the resolution target (0-100)",
}
PRESETS: dict[str, dict[str, float]] = {
    "cx4": {"effort": 0.25, "empathy": 0.25, "understanding": 0.25, "efficiency": 0.25},
    "satisfaction_loyalty": {"csat": 0.3, "nps": 0.3, "ces": 0.2, "resolution": 0.2},
}
PRESET_DOCS = {
    "cx4": "four-part customer experience index: effort, empathy, understanding, efficiency",
    "satisfaction_loyalty": "satisfaction and loyalty: CSAT, NPS, CES and resolution time",
}
DEFAULT_PRESET = "cx4"
_BEGINNING = date(1970, 1, 1)


@dataclass(frozen=True)
class WeightsVersion:
    version: int
    effective_from: date
    preset: str
    weights: dict[str, float]
    """Component -> weight, summing to 1."""
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "effective_from": self.effective_from.isoformat(),
            "preset": self.preset,
            "weights": dict(self.weights),
            "note": self.note,
        }


DEFAULT_VERSION = WeightsVersion(0, _BEGINNING, DEFAULT_PRESET, PRESETS[DEFAULT_PRESET], "default")


def normalise(weights: Mapping[str, float]) -> dict[str, float]:
    """Weights checked (known components, numbers >= 0, not all 0) and scaled to sum to 1."""
    unknown = sorted(set(weights) - set(COMPONENTS))
    if unknown:
        raise ConfigError(
            f"unknown CX index component {', '.join(unknown)}; the components are: "
            f"{', '.join(COMPONENTS)}"
        )
    clean: dict[str, float] = {}
    for name, value in weights.items():
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            raise ConfigError(f"the weight of {name} must be a number of at least 0, not {value!r}")
        clean[name] = float(value)
    total = sum(clean.values())
    if total <= 0:
        raise ConfigError("give at least one component a weight above 0")
    return {name: value / total for name, value in clean.items() if value > 0}


def history(store: Any) -> list[WeightsVersion]:
    """Every version, oldest first: the built-in default (version 0, the cx4 preset, in effect
    until the first stored version takes effect), then the stored ones."""
    if store is None or not store.has_table(CX_WEIGHTS_TABLE):
        return [DEFAULT_VERSION]
    rows = store.table(CX_WEIGHTS_TABLE).order_by("version").execute().to_dict("records")
    return [DEFAULT_VERSION] + [
        WeightsVersion(
            version=int(r["version"]),
            effective_from=_as_date(r["effective_from"]),
            preset=str(r["preset"] or ""),
            weights={str(k): float(v) for k, v in json.loads(r["weights"]).items()},
            note=str(r["note"] or ""),
        )
        for r in rows
    ]


def current(store: Any) -> WeightsVersion:
    return history(store)[-1]


def in_effect(versions: list[WeightsVersion], day: date) -> WeightsVersion:
    """The version in effect on ``day``: the latest one that took effect by then."""
    chosen = versions[0]
    for version in versions:
        if version.effective_from <= day:
            chosen = version
    return chosen


def set_weights(
    store: Any,
    *,
    preset: str | None = None,
    weights: Mapping[str, float] | None = None,
    effective_from: date | None = None,
    note: str = "",
) -> WeightsVersion:
    """Store a new version: a preset's weights, overridden by ``weights`` (or ``weights``
    alone), effective from ``effective_from`` (default today, UTC)."""
    if preset is not None and preset not in PRESETS:
        raise ConfigError(f"unknown CX index preset {preset!r}; presets: {', '.join(PRESETS)}")
    if preset is None and not weights:
        raise ConfigError(f"give a preset ({', '.join(PRESETS)}) or component weights")
    combined = dict(PRESETS[preset]) if preset else {}
    combined.update(weights or {})
    chosen = normalise(combined)
    day = effective_from or datetime.now(UTC).date()
    versions = [v for v in history(store) if v.version > 0]
    if versions and day < versions[-1].effective_from:
        raise ConfigError(
            f"version {versions[-1].version} takes effect on {versions[-1].effective_from}; a "
            f"new version cannot take effect earlier ({day})"
        )
    version = WeightsVersion(
        version=(versions[-1].version + 1) if versions else 1,
        effective_from=day,
        preset=preset if preset and not weights else "custom",
        weights=chosen,
        note=note,
    )
    row = version.to_dict() | {
        "effective_from": day,
        "weights": json.dumps(chosen, sort_keys=True),
        "created_at": datetime.now(UTC).replace(tzinfo=None),
    }
    schema = store.table(CX_WEIGHTS_TABLE).schema()
    store.insert(CX_WEIGHTS_TABLE, [row], schema=schema)
    return version


def _as_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])
