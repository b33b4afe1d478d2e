"""The HTTP side of every connector: JSON over httpx, with the vendors' rate limits respected.

A token goes by basic authentication (Zendesk, Stripe) or in a header (:class:`TokenHeader`:
an OAuth or private app access token as ``Authorization: Bearer``, Shopify's
``X-Shopify-Access-Token``, Trustpilot's ``apikey``). A 429 waits as long as its
``Retry-After`` says (seconds or an HTTP date), else backs off exponentially; so do 5xx answers
and lost connections, up to ``attempts`` tries (a vendor that throttles inside a 200 answer, as
GraphQL APIs do, waits through :meth:`Http.wait` so the sync counts and shows it the same way).
A 401 or 403
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


class RequestRefused(SourceError):
    """The vendor refused the request itself (a 4xx other than 401, 403 and 429): a wrong
    option, or a page token it no longer knows (``status`` says which answer it was)."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class TokenHeader:
    """A token sent in a request header rather than by basic authentication."""

    name: str
    token: str = field(repr=False)  # a repr lands in logs and tracebacks
    scheme: str = ""
    """Written before the token: "Bearer" for an OAuth access token."""

    def value(self) -> str:
        return f"{self.scheme} {self.token}" if self.scheme else self.token


Auth = tuple[str, str] | TokenHeader
"""How a source's token goes with each request: a basic authentication pair, or a header."""


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
    """A client for one source: its base URL, authentication and retry policy."""

    source: str
    base_url: str
    auth: Auth = field(repr=False)  # a basic authentication pair holds the token in clear
    token_from: str
    """Where the token was read, in words (for the message of a refused token)."""
    token_help: str = "a valid API token of a user allowed to read this data"
    """What that token must be, for the same message (an OAuth token that expires says so)."""
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
            headers = {"Accept": "application/json", **self.headers}
            basic = None
            if isinstance(self.auth, TokenHeader):
                headers[self.auth.name] = self.auth.value()
            else:
                basic = self.auth
            self._client = httpx.Client(
                base_url=self.base_url, auth=basic, timeout=TIMEOUT, headers=headers
            )
        return self._client

    def close(self) -> None:
        if self._client is not None:
            self._client.close()

    def get(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        """The JSON body of ``GET path`` (a path under the base URL, or a full URL)."""
        return self._send("GET", path, params, None)

    def post(self, path: str, body: Any) -> Any:
        """The JSON body of ``POST path`` with ``body`` as JSON: a read whose question is too
        big for a query string (HubSpot's CRM search), so it retries like a GET."""
        return self._send("POST", path, None, body)

    def _send(self, method: str, path: str, params: Mapping[str, Any] | None, body: Any) -> Any:
        client = self.client()  # first: without httpx it says which extra to install
        import httpx

        for attempt in range(1, self.attempts + 1):
            self._pace(path)
            self.requests += 1
            try:
                answer = client.request(method, path, params=dict(params or {}), json=body)
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
                self.wait(self.backoff * 2 ** (attempt - 1), f"cannot reach {self.base_url}",
                           attempt, limit)  # fmt: skip
                continue
            status = answer.status_code
            if status in (401, 403):
                raise SourceAuthError(
                    self._said(
                        f"the vendor refused its token ({status} {answer.reason_phrase}"
                        f"{_vendor_says(answer, self.masked)}): check that {self.token_from} holds "
                        f"{self.token_help}, then run "
                        f"`cxpulse sources sync {self.source}` again"
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
                self.wait(
                    waited if waited is not None else self.backoff * 2 ** (attempt - 1),
                    f"{self.base_url} answered {status}",
                    attempt,
                    self.attempts,
                )
                continue
            if status >= 400:
                raise RequestRefused(
                    self._said(
                        f"{answer.request.url.copy_with(query=None)} answered {status} "
                        f"{answer.reason_phrase}{_vendor_says(answer, self.masked)}: check the "
                        "source's options (`cxpulse sources list`)"
                    ),
                    status,
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

    def wait(self, seconds: float, why: str, attempt: int = 0, limit: int = 0) -> None:
        """Sleep ``seconds`` (at most :data:`MAX_WAIT`), telling the user why and counting it
        as a rate-limit pause of the sync's report (``attempt`` of ``limit``: a retry)."""
        seconds = min(max(seconds, 0.0), MAX_WAIT)
        self.waits.append(seconds)
        retry = f"trying again in {seconds:g} s (try {attempt + 1} of {limit})"
        self.say(self._said(f"{why}; " + (retry if limit else f"waiting {seconds:g} s")))
        self.sleep(seconds)

    def _said(self, message: str) -> str:
        return self.masked(f"source {self.source!r}: {message}")

    def masked(self, text: str) -> str:
        """``text`` with this source's token masked, for a vendor's words quoted in a message
        (mask before cutting them short: a token cut in two is no longer recognised)."""
        # the token is the password, the user name (Stripe) or a header: mask whichever holds it
        held = [self.auth.token] if isinstance(self.auth, TokenHeader) else self.auth
        return scrub(text, [a for a in held if a])


VENDOR_WORDS = 200
"""At most this many characters of the vendor's own explanation go into a message."""


def _vendor_says(answer: httpx.Response, mask: Callable[[str], str]) -> str:
    """The vendor's own explanation of a refusal, if its body has one (a missing scope, a
    suspended account): ``, "..."``, masked by ``mask`` (:meth:`Http.masked`). The keys
    vendors use: HubSpot and Stripe ``message`` (Stripe's inside ``error``), Zendesk ``error``
    or ``description``, Shopify ``errors``."""
    try:
        body = answer.json()
    except ValueError:
        return ""
    said = _first_words(body)
    return f', "{vendor_words(said, mask)}"' if said else ""


def vendor_words(said: str, mask: Callable[[str], str]) -> str:
    """A vendor's words for a message: masked, on one line, then cut to
    :data:`VENDOR_WORDS` (masked first: the cut could leave a token's head unrecognised)."""
    said = " ".join(mask(said).split())
    return said[: VENDOR_WORDS - 1] + "…" if len(said) > VENDOR_WORDS else said


def _first_words(body: Any) -> str | None:
    if isinstance(body, str):
        return body or None
    if isinstance(body, list):
        return next((w for w in map(_first_words, body) if w), None)
    if isinstance(body, dict):
        for key in ("message", "description", "error", "errors", "title", "detail"):
            if key in body:
                words = _first_words(body[key])
                if words:
                    return words
    return None


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
