"""The registries of kinds: built-ins listed once, per-workspace additions, clear errors."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from cxpulse.errors import ConfigError
from cxpulse.kinds import Kind, Kinds


@dataclass(frozen=True)
class Colour:
    name: str


RED, GREEN = Colour("red"), Colour("green")
COLOURS = Kind("colour", [RED, GREEN])


def test_builtins_in_listed_order_and_unknown_names_are_explained() -> None:
    registry = COLOURS.builtins()
    assert registry.names() == ["red", "green"]
    assert registry.get("green") is GREEN
    assert "red" in registry and "blue" not in registry
    with pytest.raises(ConfigError, match=r"unknown colour 'blue': expected one of red, green"):
        registry.get("blue")


def test_each_holder_extends_its_own_registry() -> None:
    mine, theirs = Kinds(), Kinds()
    blue = mine[COLOURS].add(Colour("blue"))
    assert mine[COLOURS].get("blue") is blue
    assert mine[COLOURS] is mine[COLOURS]
    assert "blue" not in theirs[COLOURS]
    assert "blue" not in COLOURS.builtins()


def test_a_taken_name_is_refused_unless_replaced() -> None:
    registry = COLOURS.registry()
    with pytest.raises(ValueError, match="already registered"):
        registry.add(Colour("red"))
    dark = registry.add(Colour("red"), replace=True)
    assert registry.get("red") is dark
    assert list(registry) == [dark, GREEN]
