"""Workspace settings, stored in the workspace so every edge (CLI, API, notebook) sees the same.

Values are kept as JSON text in ``cxpulse_settings``; unknown keys and bad values are refused
with a message that says what is allowed.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cxpulse.errors import ConfigError

DEFAULT_TARGETS: dict[str, float] = {
    "nps": 50.0,
    "csat": 80.0,
    "ces": 80.0,
    "response_rate": 30.0,
}


@dataclass
class Settings:
    timezone: str = "UTC"
    """Time zone of calendar periods (months, weeks) and of timestamps imported without one."""
    min_n: int = 30
    """Periods or segments with fewer answers are flagged low_n (still shown)."""
    confidence: float = 0.95
    """Level of confidence intervals and of the change test."""
    dayfirst: bool = True
    """Read ambiguous dates such as 03/04/2025 as day/month (3 April) unless a file proves
    otherwise."""
    targets: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_TARGETS))
    """Target value per metric, shown on the scorecard."""

    def __post_init__(self) -> None:
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ConfigError(
                f"unknown time zone {self.timezone!r}; use an IANA name such as "
                "'Europe/Paris' or 'UTC'."
            ) from None
        if not isinstance(self.min_n, int) or self.min_n < 1:
            raise ConfigError(f"min_n must be a whole number of at least 1, not {self.min_n!r}")
        if not 0.5 <= float(self.confidence) < 1:
            raise ConfigError(
                f"confidence must be between 0.5 and 1 (e.g. 0.95), not {self.confidence!r}"
            )
        if not isinstance(self.targets, dict):
            raise ConfigError("targets must map metric names to numbers")

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def to_rows(self) -> list[dict[str, str]]:
        return [{"key": k, "value": json.dumps(v)} for k, v in asdict(self).items()]

    @classmethod
    def from_rows(cls, rows: list[dict[str, Any]]) -> Settings:
        known = {f.name for f in fields(cls)}
        values = {r["key"]: json.loads(r["value"]) for r in rows if r["key"] in known}
        return cls(**values)

    def with_value(self, key: str, raw: str) -> Settings:
        """A copy with ``key`` set from the text ``raw`` (as typed on a command line)."""
        known = {f.name: f for f in fields(self)}
        if key.startswith("targets."):
            metric = key.split(".", 1)[1]
            targets = dict(self.targets)
            targets[metric] = _number(key, raw)
            return Settings(**{**asdict(self), "targets": targets})
        if key not in known:
            raise ConfigError(
                f"unknown setting {key!r}; settings are: {', '.join(known)} "
                "(and targets.METRIC for a target)."
            )
        current = getattr(self, key)
        value: Any
        if isinstance(current, bool):
            if raw.lower() not in {"true", "false", "yes", "no", "1", "0"}:
                raise ConfigError(f"{key} takes true or false, not {raw!r}")
            value = raw.lower() in {"true", "yes", "1"}
        elif isinstance(current, int):
            try:
                value = int(raw)
            except ValueError:
                raise ConfigError(f"{key} takes a whole number, not {raw!r}") from None
        elif isinstance(current, float):
            value = _number(key, raw)
        elif isinstance(current, dict):
            raise ConfigError("set one target at a time: targets.nps=50")
        else:
            value = raw
        return Settings(**{**asdict(self), key: value})


def _number(key: str, raw: str) -> float:
    try:
        return float(raw.replace(",", "."))
    except ValueError:
        raise ConfigError(f"{key} takes a number, not {raw!r}") from None
