"""A workspace with a Zendesk source pointed at the local Zendesk API of zendesk_server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from cxpulse import Workspace
from cxpulse.sources import add_source
from cxpulse.sources.secrets import reference
from tests.sources import zendesk_server as zs


@pytest.fixture
def zendesk() -> Iterator[tuple[zs.Zendesk, str]]:
    account = zs.Zendesk()
    for n in (1, 2, 3):
        account.change(zs.ticket(n), zs.metric_set(n))
    account.ratings = [zs.rating(1, "good"), zs.rating(2, "bad"), zs.rating(3, "offered")]
    with zs.serve(account) as url:
        yield account, url


@pytest.fixture
def synced_ws(
    tmp_path: Path, zendesk: tuple[zs.Zendesk, str], monkeypatch: pytest.MonkeyPatch
) -> Workspace:
    """A workspace with the source "support" (not synced yet) and its token in the env."""
    _, url = zendesk
    monkeypatch.setenv("ZENDESK_TOKEN", zs.TOKEN)
    ws = Workspace.init(tmp_path / "ws.duckdb")
    add_source(
        ws,
        "zendesk",
        "support",
        {"subdomain": "acme", "email": zs.EMAIL, "base_url": url},
        reference(env="ZENDESK_TOKEN"),
        zs.now(),
    )
    return ws
