"""A source that only receives webhooks (``cxpulse sources add webhook NAME --vendor zendesk
--token-env ZENDESK_WEBHOOK_SECRET``): its secret is the vendor's signing secret, which is not
the API token a pull connector uses, so it is a source of its own; it has nothing to pull."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from cxpulse.errors import ConfigError
from cxpulse.sources.connector import Connector, Option, Page
from cxpulse.sources.webhooks import VERIFIERS


class WebhookSource(Connector):
    name = "webhook"
    title = "Webhooks"
    options = (
        Option(
            "vendor",
            "whose signatures it checks: " + ", ".join(VERIFIERS),
            required=True,
        ),
    )
    streams = ()  # nothing to pull: its rows arrive at POST /hooks/NAME

    @classmethod
    def check(cls, options: Mapping[str, str | None]) -> dict[str, str]:
        checked = super().check(options)
        if checked["vendor"] not in VERIFIERS:
            raise ConfigError(
                f"--vendor takes one of {', '.join(VERIFIERS)}, not {checked['vendor']!r}"
            )
        return checked

    @classmethod
    def base_url(cls, options: Mapping[str, str]) -> str:
        return "http://localhost"  # never called: it has no streams

    def pages(self, stream: str, cursor: Any) -> Iterator[Page]:
        return iter(())
