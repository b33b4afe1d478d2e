"""The HTTP side of every connector: JSON over httpx, with the vendors' rate limits respected.

A 429 waits as long as its ``Retry-After`` says (seconds or an HTTP date), else backs off
exponentially; so do 5xx answers and lost connections, up to ``attempts`` tries. A 401 or 403
is a :class:`~cxpulse.errors.SourceAuthError` naming the source and where its token comes
from: retrying a refused token only burns the rate limit. Before that, a connector's
documented limits (:class:`RateLimit`, e.g. Zendesk's incremental exports: 10 requests a
minute) are kept by pacing: a request that would exceed one waits until the oldest of the
window leaves it, so a long sync runs at the vendor's pace instead of into its 429s. httpx is
the ``sources`` extra (`pip install 'cxpulse[sources]'`), imported when a source syncs.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from cxpulse.errors import ConfigError, SourceAuthError, SourceError
from cxpulse.sources.secrets import scrub

if TYPE_CHECKING:
    import httpx

TIMEOUT = 60.0
MAX_WAIT = 300.0  # a Retry-After longer than this is a vendor asking to come back later


@dataclass(frozen=True)
class RateLimit:
    """At most ``requests`` in any ``seconds`` to the paths starting with ``path``, as the
    vendor documents (``doc``: its page)."""

    path: str
    requests: int
    seconds: float
    doc: str


@dataclass
class Http:
    """A client for one source: its base URL, basic authentication and retry policy."""

    source: str
    base_url: str
    auth: tuple[str, str]
    token_from: str
    """Where the token was read, in words (for the message of a refused token)."""
    attempts: int = 8
    backoff: float = 1.0
    sleep: Callable[[float], None] = time.sleep
    say: Callable[[str], None] = lambda line: None
    """Told of every wait, so a person at the terminal knows why nothing moves."""
    connect_attempts: int = 4
    """Tries when the vendor cannot be reached at all (a wrong subdomain, no network): a name
    that does not resolve now rarely resolves in a minute, and eight tries kept a user
    staring at a silent terminal for minutes."""
    waits: list[float] = field(default_factory=list)
    """Every wait, in seconds (what the sync report counts as rate-limit pauses)."""
    requests: int = 0
    headers: dict[str, str] = field(default_factory=dict)
    """Sent with every request besides Accept (a vendor's pinned API version)."""
    limits: tuple[RateLimit, ...] = ()
    """The vendor's documented limits, kept by pacing."""
    clock: Callable[[], float] = time.monotonic
    """Seconds, for the pacing (a test gives a clock its ``sleep`` moves)."""
    _client: httpx.Client | None = None
    _sent: dict[str, deque[float]] = field(default_factory=dict)

    def client(self) -> httpx.Client:
        if self._client is None:
            try:
                import httpx
            except ImportError:
                raise ConfigError(
                    "live sources need httpx: pip install 'cxpulse[sources]'"
                ) from None
            self._client = httpx.Client(
                base_url=self.base_url,
                auth=self.auth,
                timeout=TIMEOUT,
                headers={"Accept": "application/json", **self.headers},
            )
        return self._client

    def close(self) -> None:
        if self._client is not None:
            self._client.close()

    def get(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        """The JSON body of ``GET path`` (a path under the base URL, or a full URL)."""
        client = self.client()  # first: without httpx it says which extra to install
        import httpx

        for attempt in range(1, self.attempts + 1):
            self._pace(path)
            self.requests += 1
            try:
                answer = client.get(path, params=dict(params or {}))
            except httpx.TransportError as exc:
                limit = (
                    self.connect_attempts if isinstance(exc, httpx.ConnectError) else self.attempts
                )
                if attempt >= limit:
                    raise SourceError(
                        self._said(
                            f"cannot reach {self.base_url} ({exc}) after {attempt} tries: check "
                            "the source's options (`cxpulse sources list`) and the network"
                        )
                    ) from None
                self._wait(self.backoff * 2 ** (attempt - 1), f"cannot reach {self.base_url}",
                           attempt, limit)  # fmt: skip
                continue
            status = answer.status_code
            if status in (401, 403):
                raise SourceAuthError(
                    self._said(
                        f"the vendor refused its token ({status} {answer.reason_phrase}): check "
                        f"that {self.token_from} holds a valid API token of a user allowed to read "
                        f"this data, then run `cxpulse sources sync {self.source}` again"
                    )
                )
            if status == 429 or status >= 500:
                if attempt == self.attempts:
                    raise SourceError(
                        self._said(
                            f"{self.base_url} still answers {status} after {attempt} tries; the "
                            "next sync resumes where this one stopped"
                        )
                    )
                waited = _retry_after(answer.headers.get("Retry-After"))
                self._wait(
                    waited if waited is not None else self.backoff * 2 ** (attempt - 1),
                    f"{self.base_url} answered {status}",
                    attempt,
                    self.attempts,
                )
                continue
            if status >= 400:
                raise SourceError(
                    self._said(
                        f"{answer.request.url.copy_with(query=None)} answered {status} "
                        f"{answer.reason_phrase}: check the source's options "
                        "(`cxpulse sources list`)"
                    )
                )
            try:
                return answer.json()
            except ValueError:
                raise SourceError(self._said(f"{path} did not answer JSON")) from None
        raise AssertionError("unreachable")  # pragma: no cover

    def _pace(self, path: str) -> None:
        """Wait, if a request to ``path`` now would exceed a limit, then count it."""
        where = urlsplit(path).path
        for limit in self.limits:
            if not where.startswith(limit.path):
                continue
            sent = self._sent.setdefault(limit.path, deque())
            now = self.clock()
            while sent and now - sent[0] >= limit.seconds:
                sent.popleft()
            if len(sent) >= limit.requests:
                seconds = limit.seconds - (now - sent.popleft())
                self.waits.append(seconds)
                self.say(
                    self._said(
                        f"the vendor allows {limit.requests} requests in {limit.seconds:g} s "
                        f"to {limit.path} ({limit.doc}); next in {seconds:.0f} s"
                    )
                )
                self.sleep(seconds)
                now += seconds  # when it goes, by the pace
            sent.append(now)

    def _wait(self, seconds: float, why: str, attempt: int, limit: int) -> None:
        seconds = min(max(seconds, 0.0), MAX_WAIT)
        self.waits.append(seconds)
        self.say(self._said(f"{why}; trying again in {seconds:g} s (try {attempt + 1} of {limit})"))
        self.sleep(seconds)

    def _said(self, message: str) -> str:
        # the token is the password, or the user name (Stripe): mask whichever holds it
        return scrub(f"source {self.source!r}: {message}", [a for a in self.auth if a])


def _retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header: a number of seconds or an HTTP date."""
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return (when - datetime.now(UTC)).total_seconds()
