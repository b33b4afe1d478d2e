"""The README is the user's manual: a command or setting missing from it fails the build."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from cxpulse.cli.app import COMMANDS
from cxpulse.settings import Settings

README = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")


def _commands() -> list[str]:
    return sorted(COMMANDS)  # every command, also those whose module loads when they run


@pytest.mark.parametrize("command", _commands())
def test_every_command_is_in_the_readme(command: str) -> None:
    assert f"`cxpulse {command}" in README, f"document `cxpulse {command}` in README.md"


@pytest.mark.parametrize("key", [f.name for f in dataclasses.fields(Settings)])
def test_every_setting_is_in_the_readme(key: str) -> None:
    assert f"`{key}`" in README or f"`{key}." in README, f"document the setting {key} in README.md"


def _yaml_blocks() -> list[str]:
    return [b.split("```", 1)[0] for b in README.split("```yaml\n")[1:]]


@pytest.mark.parametrize("block", [b for b in _yaml_blocks() if b.startswith(("id:", "name:"))])
def test_every_complete_example_in_the_readme_loads(block: str) -> None:
    """A survey or rule example a user copies must be accepted as written."""
    import yaml

    from cxpulse.automations.rules import rule_from_dict
    from cxpulse.surveys import survey_from_dict

    data = yaml.safe_load(block)
    if "questions" in data:
        assert survey_from_dict(data, source="README").id == data["id"]
    else:
        assert rule_from_dict(data, "README").name == data["name"]
