"""The connectors' HTTP client: rate limits, outages and refusals, against a real local server."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest

from cxpulse import Workspace
from cxpulse.errors import ConfigError, SourceError
from cxpulse.sources import get_source, sync_source
from cxpulse.sources.http import Http, TokenHeader, _retry_after
from tests.sources import zendesk_server as zs

Account = tuple[zs.Zendesk, str]


def client(url: str, waits: list[float]) -> Http:
    return Http("support", url, (f"{zs.EMAIL}/token", zs.TOKEN), "ZENDESK_TOKEN",
                sleep=waits.append)  # fmt: skip


def test_a_429_storm_backs_off_then_fails_in_one_line_and_the_cursor_keeps_its_place(
    synced_ws: Workspace, zendesk: Account
) -> None:
    account, _ = zendesk
    account.page_size = 3
    sync_source(synced_ws, "support", now=zs.now(), sleep=lambda _: None)
    account.change(zs.ticket(4), zs.metric_set(4))
    account.throttle, account.retry_after = 100, ""  # no Retry-After: exponential backoff
    waits: list[float] = []
    with pytest.raises(SourceError, match="still answers 429 after 8 tries") as raised:
        sync_source(synced_ws, "support", now=zs.now(), sleep=waits.append)
    assert waits == [1, 2, 4, 8, 16, 32, 64]
    assert "\n" not in str(raised.value)
    source = get_source(synced_ws, "support")
    assert source.cursor["tickets"] == zs._cursor(3)  # where the next sync resumes
    assert source.last_status == "error"


def test_a_5xx_is_retried(zendesk: Account) -> None:
    account, url = zendesk
    account.unavailable = 2
    waits: list[float] = []
    body = client(url, waits).get("/api/v2/satisfaction_ratings")
    assert len(body["satisfaction_ratings"]) == 3 and waits == [1, 2]


def test_a_wrong_address_says_which_url_answered_what(zendesk: Account) -> None:
    _, url = zendesk
    with pytest.raises(SourceError, match=r"/api/v2/nothing answered 404 Not Found, \"Not fo"):
        client(url, []).get("/api/v2/nothing")


@pytest.mark.parametrize(
    ("body", "said"),
    [
        ({"status": "error", "message": "This app hasn't been granted all required scopes",
          "category": "MISSING_SCOPES"}, "This app hasn't been granted all required scopes"),
        ({"error": {"type": "invalid_request_error", "message": "Invalid API Key provided"}},
         "Invalid API Key provided"),
        ({"errors": "[API] Invalid API key or access token"}, "[API] Invalid API key"),
        ({"errors": [{"message": "Access denied for orders field."}]}, "Access denied"),
        ({"error": "Forbidden", "description": "You do not have access"}, "You do not have"),
        ({"data": None}, None),
        ("x" * 500, "x" * 199 + "…"),
    ],
)  # fmt: skip
def test_a_refusal_carries_the_vendors_own_words(body: object, said: str | None) -> None:
    """HubSpot, Stripe, Shopify and Zendesk put their explanation under different keys."""
    import httpx

    from cxpulse.sources.http import _vendor_says

    shown = _vendor_says(httpx.Response(403, json=body), lambda text: text)
    if said is None:
        assert shown == ""
    else:
        assert said in shown and len(shown) <= len(', ""') + 200


@pytest.mark.parametrize("before", [0, 180])  # 180: the token straddles the 200-character cut
def test_a_refusal_quoting_the_token_never_shows_it(zendesk: Account, before: int) -> None:
    """The vendor's words are masked before they are cut: a cut token is not recognised."""
    account, url = zendesk
    account.refuse_with = {"error": "y" * before + f" the token {zs.TOKEN} is suspended"}
    with pytest.raises(SourceError) as caught:
        client(url, []).get("/api/v2/users.json")
    assert zs.TOKEN[:6] not in str(caught.value)


def test_a_token_is_in_no_repr() -> None:
    token = "shpat_" + "Q" * 26
    http = Http("shop", "http://localhost", TokenHeader("X-Shopify-Access-Token", token), "E")
    assert token not in repr(http.auth) and token not in repr(http)
    basic = Http("support", "http://localhost", ("me@example.com/token", token), "E")
    assert token not in repr(basic)


def test_retry_after_reads_seconds_and_http_dates() -> None:
    assert _retry_after("7") == 7.0
    later = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    assert 28 <= (_retry_after(later) or 0) <= 30
    assert _retry_after(None) is None and _retry_after("soon") is None


def test_an_unreachable_vendor_fails_after_four_tries_saying_each_wait() -> None:
    # a port nobody listens on: connection refused at once, like a subdomain that does not
    # resolve; the terminal stayed silent for minutes through eight tries before
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed when the block ends: nobody listens there
    waits: list[float] = []
    said: list[str] = []
    http = Http("support", f"http://127.0.0.1:{port}", ("a@b.c/token", "secret-tok"),
                "ZENDESK_TOKEN", sleep=waits.append, say=said.append)  # fmt: skip
    with pytest.raises(SourceError, match="after 4 tries: check the source's options"):
        http.get("/api/v2/tickets.json")
    assert waits == [1, 2, 4]
    assert said[0].startswith(f"source 'support': cannot reach http://127.0.0.1:{port}")
    assert said[0].endswith("trying again in 1 s (try 2 of 4)")
    assert not any("secret-tok" in line for line in said)


def test_a_429_says_it_waits_as_the_vendor_asked(zendesk: Account) -> None:
    account, url = zendesk
    account.throttle, account.retry_after = 1, "7"
    waits: list[float] = []
    said: list[str] = []
    http = Http("support", url, (f"{zs.EMAIL}/token", zs.TOKEN), "ZENDESK_TOKEN",
                sleep=waits.append, say=said.append)  # fmt: skip
    http.get("/api/v2/satisfaction_ratings")
    assert waits == [7] and said == [
        f"source 'support': {url} answered 429; trying again in 7 s (try 2 of 8)"
    ]


def test_without_httpx_a_sync_says_which_extra_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # a core install (`pip install cxpulse`) has no httpx: "a bug in cxpulse" was printed
    import builtins

    real = builtins.__import__

    def no_httpx(name: str, *args: object, **kwargs: object) -> object:
        if name == "httpx" or name.startswith("httpx."):
            raise ModuleNotFoundError("No module named 'httpx'")
        return real(name, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(builtins, "__import__", no_httpx)
    http = Http("support", "https://acme.zendesk.com", ("a@b.c/token", "t"), "ZENDESK_TOKEN")
    with pytest.raises(ConfigError, match=r"pip install 'cxpulse\[sources\]'"):
        http.get("/api/v2/tickets.json")


def test_without_httpx_adding_a_pulling_source_says_which_extra_to_install(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import builtins

    from cxpulse.sources import add_source, list_sources
    from cxpulse.sources.secrets import reference

    real = builtins.__import__

    def no_httpx(name: str, *args: object, **kwargs: object) -> object:
        if name == "httpx" or name.startswith("httpx."):
            raise ModuleNotFoundError("No module named 'httpx'")
        return real(name, *args, **kwargs)  # type: ignore[arg-type]

    ws = Workspace.init(tmp_path / "ws.duckdb")
    monkeypatch.setattr(builtins, "__import__", no_httpx)
    token = reference(env="ZENDESK_TOKEN")
    options: dict[str, str | None] = {"subdomain": "acme", "email": "a@acme.test"}
    with pytest.raises(ConfigError, match=r"pip install 'cxpulse\[sources\]'"):
        add_source(ws, "zendesk", "support", options, token, zs.now())
    add_source(ws, "webhook", "hooks", {"vendor": "stripe"}, token, zs.now())  # no httpx needed
    assert [s.name for s in list_sources(ws)] == ["hooks"]
