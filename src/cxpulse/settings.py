"""Workspace settings, stored in the workspace so every edge (CLI, API, notebook) sees the same.

Values are kept as JSON text in ``cxpulse_settings``; unknown keys and bad values are refused
with a message that says what is allowed.
"""

from __future__ import annotations

import json
import os
from collections.abc import Collection
from dataclasses import asdict, dataclass, field, fields
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cxpulse.errors import ConfigError
from cxpulse.opening_hours import parse_schedule

# where the workspace is: the one setting read from the environment, not from the workspace.
# Here rather than in cxpulse.workspace so that the CLI's options name it without importing
# the store (Ibis, DuckDB) before a command runs.
DEFAULT_LOCATION = "cxpulse.duckdb"
ENV_VAR = "CXPULSE_WORKSPACE"


def default_location() -> str:
    return os.environ.get(ENV_VAR) or DEFAULT_LOCATION


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
    session_gap_minutes: float = 30.0
    """Website: minutes without a hit that end a session."""
    resolution_target_hours: float = 24.0
    """CX index efficiency: a ticket first solved within this many hours meets the target."""
    handle_time_target_minutes: float = 10.0
    """CX index efficiency: a ticket handled in at most this many minutes meets the target."""
    business_hours: str = ""
    """Support opening hours for business-hours durations, e.g. 'mon-fri 09:00-18:00; sat
    10:00-13:00' (empty: no schedule, business-hours variants refuse to run)."""
    holidays: str = ""
    """Days without business hours: YYYY-MM-DD (that day) or MM-DD (every year), comma-separated."""
    business_timezone: str = ""
    """Time zone of business_hours and holidays (empty: the workspace time zone)."""
    currency: str = ""
    """ISO 4217 code of the money amounts (MRR, orders), e.g. EUR (empty: the subscriptions'
    and orders' own code when they all use one)."""
    gross_margin: float = 0.8
    """Share of revenue kept after the cost of serving it (0-1); LTV = ARPA x margin / churn."""
    acquisition_costs: dict[str, float] = field(default_factory=dict)
    """For CAC: a period label (2025-03, 2025-Q1, 2025) -> acquisition spend in that period, or a
    customers.segment value -> cost of acquiring one customer of that segment."""
    smtp_host: str = ""
    """Surveys: SMTP server that sends survey emails (empty: emails stay queued)."""
    smtp_port: int = 587
    """Surveys: SMTP port (587 with STARTTLS, 25 without)."""
    smtp_starttls: bool = True
    """Surveys: upgrade the SMTP connection with STARTTLS before logging in."""
    smtp_user: str = ""
    """Surveys: SMTP login (empty: no login)."""
    smtp_password_env: str = "CXPULSE_SMTP_PASSWORD"
    """Surveys: name of the environment variable holding the SMTP password (never stored)."""
    email_from: str = ""
    """Surveys: sender address of survey emails, e.g. 'Acme <feedback@acme.com>'."""
    public_url: str = "http://localhost:8000"
    """Surveys: public base URL of the response pages; survey links start with it, and so do
    the digests' links to the dashboard (empty: digests have no links)."""
    survey_fatigue_days: float = 30.0
    """Surveys: at most one survey per customer in this many days, across surveys and channels."""
    review_url_trustpilot: str = ""
    """Automations: the public Trustpilot review page promoters are asked to post on."""
    review_url_g2: str = ""
    """Automations: the public G2 review page promoters are asked to post on."""
    theme_taxonomy: str = ""
    """Text: the theme taxonomy `cxpulse text score` uses, a YAML file or a file shipped in a
    Python package as 'package:file.yaml' (empty: the built-in customer-experience taxonomy)."""
    insights_refresh_minutes: float = 15.0
    """Insights: the worker stores the default insights run again at most this often while
    only survey answers come in (other data, or a new period, at once; 0: after every
    change). Meanwhile the API and the dashboard compute the run when asked."""
    widget_origins: str = ""
    """Surveys: sites allowed to embed the web widget (CORS), comma-separated origins such as
    'https://shop.example, https://www.example.com' (empty: no site may)."""

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
        if not 0 < float(self.gross_margin) <= 1:
            raise ConfigError(
                f"gross_margin is a share of revenue above 0 and at most 1 (e.g. 0.8), "
                f"not {self.gross_margin!r}"
            )
        _check_costs(self.acquisition_costs)
        if self.currency and not (len(self.currency) == 3 and self.currency.isalpha()):
            raise ConfigError(
                f"currency takes an ISO 4217 code such as EUR or USD, not {self.currency!r}"
            )
        self.currency = self.currency.upper()
        if self.business_hours or self.holidays or self.business_timezone:
            parse_schedule(
                self.business_hours, self.holidays, self.business_timezone or self.timezone
            )

        refresh = self.insights_refresh_minutes
        if isinstance(refresh, bool) or not isinstance(refresh, int | float) or refresh < 0:
            raise ConfigError(
                f"insights_refresh_minutes takes a number of 0 or more, not {refresh!r}"
            )
        for key in (
            "session_gap_minutes",
            "resolution_target_hours",
            "handle_time_target_minutes",
            "survey_fatigue_days",
        ):
            value = getattr(self, key)
            if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
                raise ConfigError(f"{key} takes a number above 0, not {value!r}")

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

    def with_value(self, key: str, raw: str, *, metrics: Collection[str] = ()) -> Settings:
        """A copy with ``key`` set from the text ``raw`` (as typed on a command line).

        ``metrics`` are the names a target (``targets.NAME``) may name; any other target is
        refused. Passed in because the settings sit below the metrics that read them
        (DESIGN.md, Layers): :meth:`Workspace.set_setting` passes the registry's names."""
        known = {f.name: f for f in fields(self)}
        if key.startswith("targets."):
            metric = key.split(".", 1)[1]
            if metric not in metrics:  # a misspelt target would never show
                raise ConfigError(f"{key}: no metric {metric!r}; `cxpulse metrics` lists them")
            targets = dict(self.targets)
            targets[metric] = _number(key, raw)
            return Settings(**{**asdict(self), "targets": targets})
        if key == "acquisition_costs" or key.startswith("acquisition_costs."):
            return self._with_cost(key, raw)
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

    def _with_cost(self, key: str, raw: str) -> Settings:
        name = key.partition(".")[2].strip()
        if not name:
            raise ConfigError(
                "set one acquisition cost at a time: acquisition_costs.2025-03 12000 (spend in "
                "a period) or acquisition_costs.smb 150 (cost of one customer of a segment)"
            )
        costs = dict(self.acquisition_costs)
        if raw.strip().lower() in {"", "none"}:  # `... acquisition_costs.smb none` removes it
            costs.pop(name, None)
        else:
            costs[name] = _number(key, raw)
        return Settings(**{**asdict(self), "acquisition_costs": costs})


def _check_costs(costs: Any) -> None:
    if not isinstance(costs, dict) or not all(
        isinstance(v, int | float) and not isinstance(v, bool) and v >= 0 for v in costs.values()
    ):
        raise ConfigError(
            "acquisition_costs must map a period (2025-03) or a customer segment to an amount "
            "of at least 0"
        )


def _number(key: str, raw: str) -> float:
    try:
        return float(raw.replace(",", "."))
    except ValueError:
        raise ConfigError(f"{key} takes a number, not {raw!r}") from None
