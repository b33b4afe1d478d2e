"""Workspace settings: validated, stored in the workspace, read back by every edge."""

from __future__ import annotations

import pytest

from cxpulse import Workspace
from cxpulse.errors import ConfigError
from cxpulse.metrics import REGISTRY
from cxpulse.settings import Settings


def test_settings_survive_reopening(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "ws.duckdb"
    with Workspace.init(path, timezone="Europe/Paris") as ws:
        ws.set_setting("min_n", "50")
        ws.set_setting("targets.nps", "42,5")
        ws.set_setting("dayfirst", "no")
    with Workspace.open(path) as ws:
        assert ws.settings.timezone == "Europe/Paris"
        assert ws.settings.min_n == 50
        assert ws.settings.targets["nps"] == 42.5
        assert ws.settings.targets["csat"] == 80
        assert ws.settings.dayfirst is False


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("timezone", "Paris", "unknown time zone 'Paris'.*Europe/Paris"),
        ("min_n", "many", "whole number"),
        ("min_n", "0", "at least 1"),
        ("confidence", "95", "between 0.5 and 1"),
        ("dayfirst", "maybe", "true or false"),
        ("colour", "blue", "unknown setting 'colour'"),
        ("targets.nps", "high", "takes a number"),
        ("targets.npss", "55", "targets.npss: no metric 'npss'; `cxpulse metrics` lists them"),
        ("insights_refresh_minutes", "-1", "insights_refresh_minutes takes a number of 0 or"),
    ],
)
def test_bad_settings_are_refused(key: str, value: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        Settings().with_value(key, value, metrics=REGISTRY.names())
