"""The README is the user's manual: a command or setting missing from it fails the build."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from cxpulse.cli.app import app
from cxpulse.settings import Settings

README = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")


def _commands() -> list[str]:
    names = [c.name or (c.callback.__name__ if c.callback else "") for c in app.registered_commands]
    return sorted({*names, *(g.name or "" for g in app.registered_groups)} - {""})


@pytest.mark.parametrize("command", _commands())
def test_every_command_is_in_the_readme(command: str) -> None:
    assert f"`cxpulse {command}" in README, f"document `cxpulse {command}` in README.md"


@pytest.mark.parametrize("key", [f.name for f in dataclasses.fields(Settings)])
def test_every_setting_is_in_the_readme(key: str) -> None:
    assert f"`{key}`" in README or f"`{key}." in README, f"document the setting {key} in README.md"
