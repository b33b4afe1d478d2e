"""Sources as the workspace keeps them: checked options, no token, unique names."""

from __future__ import annotations

from pathlib import Path

import pytest

from cxpulse import Workspace
from cxpulse.errors import ConfigError, UnknownSourceError
from cxpulse.sources import add_source, get_source, list_sources, remove_source
from cxpulse.sources.secrets import reference
from tests.sources import zendesk_server as zs


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    return Workspace.init(tmp_path / "ws.duckdb")


def add(ws: Workspace, name: str = "support", **options: str | None) -> None:
    base = {"subdomain": "acme", "email": "a@acme.test"}
    add_source(ws, "zendesk", name, {**base, **options}, reference(env="T"), zs.now())


def test_a_source_is_stored_with_its_options_and_only_its_token_reference(ws: Workspace) -> None:
    add(ws, base_url="https://proxy:hunter2@proxy.acme.test/zd")
    source = get_source(ws, "support")
    assert source.options["subdomain"] == "acme" and source.secret == "env:T"
    shown = source.shown()
    assert shown["token_from"] == "the environment variable T"
    assert shown["options"]["base_url"] == "https://proxy:***@proxy.acme.test/zd"
    assert "hunter2" not in str(shown)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"email": None}, "needs --email"),
        ({"colour": "blue"}, "has no option colour"),
        ({"start": "last week"}, "--start takes a day"),
    ],
)
def test_options_are_checked(ws: Workspace, options: dict[str, str | None], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        add(ws, **options)


def test_names_are_unique_and_simple(ws: Workspace) -> None:
    add(ws)
    with pytest.raises(ConfigError, match="exists"):
        add(ws)
    with pytest.raises(ConfigError, match="lower-case"):
        add(ws, "Support Desk")
    with pytest.raises(ConfigError, match="unknown source connector 'freshdesk'"):
        add_source(ws, "freshdesk", "fd", {}, "env:T", zs.now())


def test_remove_forgets_the_source(ws: Workspace) -> None:
    add(ws)
    assert remove_source(ws, "support").name == "support"
    assert list_sources(ws) == []
    with pytest.raises(UnknownSourceError, match="no source named 'support'"):
        remove_source(ws, "support")
