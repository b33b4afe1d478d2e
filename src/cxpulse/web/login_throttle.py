"""How fast passwords may be guessed at the log-in form, and who waits when they are.

Three budgets, each counting failed log-ins only (a right password gives its count back):

- per client address: 10 failures, then one more every 6 s. One address guessing at one
  account or at many gets about 10 guesses a minute, and only that address waits.
- per account, from any address: 5 failures, then each attempt waits 2, 4, 8 ... seconds
  after the last, at most 5 minutes; forgotten 15 minutes after the last failure. Many
  addresses guessing one password get about 12 guesses an hour; other accounts are untouched.
- per browser that logged in to that account before: a random device cookie, given at each
  successful log-in, takes that browser out of both budgets above for that account, with a
  budget of its own (5 failures, then one a minute). A flood against an account, or from the
  address its owner shares with others (one proxy, one office), does not lock the owner out,
  and a stolen device cookie is no unlimited guesser. Devices live in memory: a restart
  forgets them (their owners then log in like anyone else).

The client address is the one uvicorn hands over: the peer, or what a trusted proxy says
(``cxpulse serve --trusted-proxies``), never a header anyone can set.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from cxpulse.accounts.passwords import token_hash
from cxpulse.web.ratelimit import RateLimiter

FREE_FAILURES = 5  # per account before the delays start
MAX_LOCK = 300.0  # seconds: the longest an account waits between two attempts
FORGET_AFTER = 900.0  # seconds without a failure: the account starts afresh
MAX_ACCOUNTS = 100_000
MAX_DEVICES = 10_000


@dataclass(frozen=True)
class Attempt:
    client: str
    account: str
    device: str | None  # the device cookie, when it is one this account logged in with


@dataclass
class _Account:
    failures: int = 0
    last_failure: float = 0.0
    locked_until: float = 0.0


def _delay(failures: int) -> float:
    return min(2.0 ** (failures - FREE_FAILURES + 1), MAX_LOCK)


class LoginThrottle:
    def __init__(
        self,
        clock: Callable[[], float] = time.monotonic,
        max_accounts: int = MAX_ACCOUNTS,
        max_devices: int = MAX_DEVICES,
    ) -> None:
        self._clock = clock
        self.clients = RateLimiter(1 / 6, 10, clock=clock)
        self.devices = RateLimiter(1 / 60, 5, clock=clock)
        self.max_accounts = max_accounts
        self.max_devices = max_devices
        self._accounts: dict[str, _Account] = {}
        self._known: OrderedDict[str, str] = OrderedDict()  # device cookie hash -> account
        self._lock = threading.Lock()

    def start(self, client: str, username: str, device: str | None) -> tuple[Attempt, float]:
        """The attempt, and 0 when its password may be checked; otherwise the seconds to wait
        (the password is not checked at all, so waiting is the only way on)."""
        account = username.strip().lower()[:100]
        known = None
        if device:
            with self._lock:
                if self._known.get(token_hash(device)) == account:
                    known = device
        attempt = Attempt(client, account, known)
        if known is not None:
            return attempt, self.devices.allow(token_hash(known))
        wait = self.clients.allow(client)
        if wait:
            return attempt, wait
        wait = self._reserve(account)
        if wait:
            self.clients.refund(client)  # refused unchecked: not a guess
        return attempt, wait

    def _reserve(self, account: str) -> float:
        now = self._clock()
        with self._lock:
            state = self._accounts.get(account)
            if state is None:
                return 0.0
            if now - state.last_failure > FORGET_AFTER:
                del self._accounts[account]
                return 0.0
            if now < state.locked_until:
                return state.locked_until - now
            if state.failures >= FREE_FAILURES:
                # attempts arriving while this one is checked wait for its outcome, so a
                # burst at the moment a delay ends is one guess, not a hundred
                state.locked_until = now + _delay(state.failures + 1)
            return 0.0

    def failed(self, attempt: Attempt) -> None:
        if attempt.device is not None:
            return  # counted in the device's own budget
        now = self._clock()
        with self._lock:
            state = self._accounts.setdefault(attempt.account, _Account())
            state.failures += 1
            state.last_failure = now
            state.locked_until = (
                now + _delay(state.failures) if state.failures >= FREE_FAILURES else 0
            )
            if len(self._accounts) > self.max_accounts:
                self._forget(now)

    def succeeded(self, attempt: Attempt) -> str:
        """The device cookie to give the browser (the one it has, or a new one)."""
        if attempt.device is not None:
            self.devices.refund(token_hash(attempt.device))
            device = attempt.device
        else:
            self.clients.refund(attempt.client)
            device = secrets.token_urlsafe(32)
        with self._lock:
            self._accounts.pop(attempt.account, None)
            self._known[token_hash(device)] = attempt.account
            self._known.move_to_end(token_hash(device))
            while len(self._known) > self.max_devices:
                self._known.popitem(last=False)  # the browser seen least recently
        return device

    def _forget(self, now: float) -> None:
        """Past ``max_accounts`` (a flood of made-up names): forget accounts whose failures
        are old, then those not delayed; a delayed account keeps counting, so a flood of
        names cannot reset the account under attack."""
        old = [a for a, s in self._accounts.items() if now - s.last_failure > FORGET_AFTER]
        for account in old:
            del self._accounts[account]
        if len(self._accounts) > self.max_accounts:
            free = [a for a, s in self._accounts.items() if s.failures < FREE_FAILURES]
            for account in free:
                del self._accounts[account]
