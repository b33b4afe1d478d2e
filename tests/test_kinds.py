"""The registries of kinds: built-ins listed once, per-workspace additions, clear errors."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

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


def _install(site: Path, group: str, module: str, body: str) -> None:
    """A package as pip leaves it: a module and a dist-info folder declaring an entry point."""
    (site / f"{module}.py").write_text(body, encoding="utf-8")
    info = site / "plugin_colours-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: plugin-colours\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(f"[{group}]\nblue = {module}:BLUE\n", encoding="utf-8")


def test_installed_plugins_join_every_registry(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    kind = Kind("colour", [RED, GREEN])
    assert kind.group == "cxpulse.colours"
    body = "from dataclasses import dataclass\n@dataclass(frozen=True)\nclass C:\n    name: str\n"
    _install(tmp_path, kind.group, "plugin_blue", body + "BLUE = C('blue')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert kind.registry().names() == ["red", "green", "blue"]
    assert Kinds()[kind].get("blue").name == "blue"


def test_a_broken_plugin_names_its_package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    kind = Kind("shape", [])
    _install(
        tmp_path, kind.group, "plugin_broken", "raise ImportError('no module named shapely')\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(ConfigError, match=r"shape plugin 'blue' .*plugin-colours.*shapely"):
        kind.registry()
