"""What a connector is: a registered class that turns one vendor's API into pages of canonical
rows, each page with the cursor that follows it.

A connector never writes: :mod:`cxpulse.sources.sync` writes a page's rows by natural key and
advances the stream's cursor in one transaction, so every connector gets the same guarantees
(a page read twice duplicates nothing; a sync killed between pages resumes after the last
one committed). A connector reads its options, pages through each of its streams from the
stored cursor, and maps what the vendor sends into canonical columns (an unknown field is
ignored, a missing optional one left empty; a row missing a required one is skipped and
reported by the sync with its id).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, ClassVar, Literal

from cxpulse.errors import ConfigError
from cxpulse.sources.http import Auth, Http, RateLimit

Row = dict[str, str | None]
"""One canonical row: column -> value as text (None: empty), typed by the import's checks."""


@dataclass(frozen=True)
class Option:
    """An option of a connector (given to `cxpulse sources add` as --NAME)."""

    name: str
    help: str
    required: bool = False


@dataclass
class Page:
    """One page of a stream: its rows by canonical table (written in this order), the keys
    the vendor says were deleted, and the stream's cursor once the page is stored."""

    rows: dict[str, list[Row]]
    cursor: Any
    deleted: dict[str, list[str]] = field(default_factory=dict)
    done: bool = False
    """True on the stream's last page (the vendor has nothing newer for now)."""


class Connector:
    """The base of every connector: a ``name``, its ``options`` and ``streams``, and
    :meth:`pages`. Built once per sync with the source's options, its token and an
    :class:`~cxpulse.sources.http.Http` client, at ``now`` (naive UTC: the sync's clock)."""

    name: ClassVar[str]
    title: ClassVar[str]
    """The vendor's product, for messages: "Zendesk Support"."""
    options: ClassVar[tuple[Option, ...]] = ()
    streams: ClassVar[tuple[str, ...]] = ()
    headers: ClassVar[dict[str, str]] = {}
    """Sent with every request (Stripe's pinned API version)."""
    customer_ids: ClassVar[Literal["vendor", "yours"]] = "vendor"
    """Whose ids its rows' ``customer_id`` carries: the vendor's own (resolved to the
    workspace's customers by :mod:`cxpulse.sources.identities`), or ``"yours"``: the
    business's own reference, written as given (a review platform's reference id)."""
    token_help: ClassVar[str] = "a valid API token of a user allowed to read this data"
    """What its token must be, for the message of a refused one."""
    rate_limits: ClassVar[tuple[RateLimit, ...]] = ()
    """The vendor's documented request limits, kept by pacing (:class:`RateLimit`)."""

    def __init__(self, source: str, options: Mapping[str, str], http: Http, now: datetime) -> None:
        self.source = source
        self.now = now
        self.settings = dict(options)
        self.http = http

    @classmethod
    def check(cls, options: Mapping[str, str | None]) -> dict[str, str]:
        """The options to store: known ones only, the required ones present."""
        known = {o.name for o in cls.options}
        unknown = sorted(k for k, v in options.items() if v is not None and k not in known)
        if unknown:
            raise ConfigError(
                f"the {cls.name} connector has no option {', '.join(unknown)}; "
                f"its options: {', '.join(sorted(known))}"
            )
        missing = [o.name for o in cls.options if o.required and not options.get(o.name)]
        if missing:
            raise ConfigError(
                f"the {cls.name} connector needs "
                + ", ".join(f"--{m.replace('_', '-')}" for m in missing)
            )
        checked = {k: str(v) for k, v in options.items() if v is not None}
        if "base_url" in checked:
            _check_base_url(checked["base_url"])
        return checked

    @classmethod
    def base_url(cls, options: Mapping[str, str]) -> str:
        """Where its API answers (a ``base_url`` option wins: a proxy, or a test server)."""
        raise NotImplementedError

    @classmethod
    def user(cls, options: Mapping[str, str]) -> str:
        """The user name of its basic authentication ('' when the token goes alone)."""
        return ""

    @classmethod
    def auth(cls, options: Mapping[str, str], token: str) -> Auth:
        """The basic authentication pair: :meth:`user` and the token by default (Stripe puts
        its secret key in the user name, with no password); or a
        :class:`~cxpulse.sources.http.TokenHeader`: an access token sent in a header (OAuth,
        HubSpot, Shopify, Trustpilot)."""
        return (cls.user(options), token)

    def pages(self, stream: str, cursor: Any) -> Iterator[Page]:
        """The pages of ``stream`` after ``cursor`` (None: from the start)."""
        raise NotImplementedError


def as_text(value: Any) -> str | None:
    """A stored value as a connector gives it: text, typed again by the import's checks."""
    if value is None or (isinstance(value, float) and value != value):  # NaN: empty
        return None
    if isinstance(value, datetime):  # stored as naive UTC: say so, or it reads as local time
        return value.replace(tzinfo=UTC).isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


LOOPBACK = ("localhost", "127.0.0.1", "::1")


def _check_base_url(url: str) -> None:
    """The token goes to this address with every request: https, or plain http to this machine
    only (a test server, a local proxy); never a token in clear over the network."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return
    if parts.scheme == "http" and parts.hostname in LOOPBACK:
        return
    raise ConfigError(
        f"--base-url must be an https:// address (or http:// to this machine), not {url!r}: "
        "the source's token is sent to it with every request"
    )
