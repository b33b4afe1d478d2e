"""Failed log-ins are throttled per address, per account and per known browser; a flood
against one account or from one address locks out nobody else, and a header anyone can set
does not change the address counted."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from cxpulse.errors import ConfigError
from cxpulse.web.login_throttle import MAX_LOCK, LoginThrottle
from cxpulse.web.proxies import parse_trusted_proxies, uvicorn_proxy_options
from tests.web.conftest import PASSWORD, LiveServer
from tests.web.test_cache import Clock


def _fail(throttle: LoginThrottle, client: str, account: str) -> float:
    attempt, wait = throttle.start(client, account, None)
    if not wait:
        throttle.failed(attempt)
    return wait


def test_one_address_gets_ten_failures_then_one_every_six_seconds() -> None:
    clock = Clock()
    throttle = LoginThrottle(clock=clock)
    waits = [_fail(throttle, "10.0.0.1", f"user{i}") for i in range(11)]
    assert waits[:10] == [0] * 10 and waits[10] == pytest.approx(6)
    assert _fail(throttle, "10.0.0.2", "someone") == 0  # another address is not held up
    clock.t = 6
    assert _fail(throttle, "10.0.0.1", "user11") == 0


def test_one_account_flooded_from_many_addresses_is_slowed_others_are_not() -> None:
    clock = Clock()
    throttle = LoginThrottle(clock=clock)
    checked = 0
    for second in range(3600):  # an hour, a new address every second
        clock.t = float(second)
        checked += _fail(throttle, f"10.1.{second // 250}.{second % 250}", "ana") == 0
    assert checked <= 5 + 8 + 12  # 5 free, the delays doubling to 5 min, then 12 an hour
    assert 0 < throttle.start("10.9.9.9", "ana", None)[1] <= MAX_LOCK  # bounded
    assert throttle.start("10.9.9.9", "bob", None)[1] == 0  # other accounts log in


def test_an_account_delay_ends_and_is_forgotten() -> None:
    clock = Clock()
    throttle = LoginThrottle(clock=clock)
    for _ in range(5):
        _fail(throttle, "10.0.0.1", "ana")
    assert throttle.start("10.0.0.2", "ana", None)[1] == pytest.approx(2)
    clock.t = 1000  # 15 minutes without a failure
    attempt, wait = throttle.start("10.0.0.2", "ana", None)
    assert wait == 0
    throttle.failed(attempt)
    assert throttle.start("10.0.0.2", "ana", None)[1] == 0  # counting starts afresh


def test_a_browser_that_logged_in_before_is_not_locked_out_by_a_flood() -> None:
    clock = Clock()
    throttle = LoginThrottle(clock=clock)
    attempt, _ = throttle.start("10.0.0.7", "ana", None)
    device = throttle.succeeded(attempt)
    for i in range(50):  # a flood at ana from everywhere, and from ana's own address
        _fail(throttle, f"10.2.0.{i}", "ana")
        _fail(throttle, "10.0.0.7", "ana")
    assert throttle.start("10.0.0.7", "ana", None)[1] > 0
    attempt, wait = throttle.start("10.0.0.7", "ANA ", device)
    assert wait == 0 and attempt.device == device
    assert throttle.succeeded(attempt) == device
    # the cookie is for ana only, and a stolen one is no unlimited guesser either
    assert throttle.start("10.0.0.7", "bob", device)[0].device is None
    waits = []
    for _ in range(6):
        attempt, wait = throttle.start("10.3.0.1", "ana", device)
        waits.append(wait)
        if not wait:
            throttle.failed(attempt)
    assert waits[:5] == [0] * 5 and waits[5] == pytest.approx(60)


def test_a_right_password_gives_the_address_its_count_back() -> None:
    clock = Clock()
    throttle = LoginThrottle(clock=clock)
    for i in range(9):
        _fail(throttle, "10.0.0.1", f"typo{i}")
    for _ in range(5):
        attempt, wait = throttle.start("10.0.0.1", "ana", None)
        assert wait == 0
        throttle.succeeded(attempt)


def test_a_flood_of_made_up_names_does_not_reset_a_delayed_account() -> None:
    clock = Clock()
    throttle = LoginThrottle(clock=clock, max_accounts=10)
    for _ in range(6):
        _fail(throttle, "10.0.0.1", "ana")
    for i in range(40):
        _fail(throttle, f"10.4.0.{i}", f"nobody{i}")
    assert throttle.start("10.5.0.1", "ana", None)[1] > 0


def test_trusted_proxies_are_checked_and_none_by_default() -> None:
    assert uvicorn_proxy_options(parse_trusted_proxies(None)) == {
        "proxy_headers": False,
        "forwarded_allow_ips": "",
    }
    assert parse_trusted_proxies(" 10.0.0.0/8, ::1 ") == ("10.0.0.0/8", "::1")
    with pytest.raises(ConfigError, match="not an IP address"):
        parse_trusted_proxies("proxy.local")


def _login(client: httpx.Client, user: str, password: str, forwarded: str) -> httpx.Response:
    headers = {"x-forwarded-for": forwarded}
    client.get("/login", headers=headers)
    return client.post(
        "/login",
        data={
            "username": user,
            "password": password,
            "csrf_token": client.cookies.get("cxpulse_login_csrf") or "",
        },
        headers=headers,
    )


def test_rotating_x_forwarded_for_does_not_escape_the_limit(app: FastAPI) -> None:
    with LiveServer(app) as server, httpx.Client(base_url=server.url) as client:
        responses = [
            _login(client, f"guess{i}", "wrong password!", f"203.0.113.{i}") for i in range(12)
        ]
    assert [r.status_code for r in responses] == [401] * 10 + [429] * 2
    assert 1 <= int(responses[-1].headers["retry-after"]) <= 6


def test_behind_a_trusted_proxy_one_account_flooded_locks_out_nobody_else(app: FastAPI) -> None:
    with LiveServer(app, trusted_proxies="127.0.0.1") as server:
        with httpx.Client(base_url=server.url) as owner:  # analyst's usual browser
            assert _login(owner, "analyst", PASSWORD, "198.51.100.7").status_code == 303
            with httpx.Client(base_url=server.url) as attacker:
                codes = [
                    _login(attacker, "analyst", f"guess {i} wrong", f"203.0.113.{i}").status_code
                    for i in range(30)
                ]
            assert codes[:5] == [401] * 5 and set(codes[5:]) == {429}
            # the owner's browser, from the address it always uses, still gets in
            assert _login(owner, "analyst", PASSWORD, "198.51.100.7").status_code == 303
        with httpx.Client(base_url=server.url) as colleague:  # another account, new browser
            assert _login(colleague, "agent", PASSWORD, "198.51.100.8").status_code == 303
