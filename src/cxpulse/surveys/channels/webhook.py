"""The webhook channel: the signed survey link posted as JSON to a URL the user configures, so
any SMS or chat provider can deliver it (:mod:`cxpulse.surveys.webhook` builds the body).

Its fields: ``webhook_url`` (required, http or https; a credential, hidden from readers without
edit rights) and ``webhook_channel``, what the provider sends, recorded as the canonical channel
(sms, chat...; ``other`` unless given). Every customer is reachable: the provider knows them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

from cxpulse import schema
from cxpulse.surveys.channels.base import Channel, Message, Send, Transports

if TYPE_CHECKING:
    from cxpulse.context import Context
    from cxpulse.surveys.definition import Survey
    from cxpulse.surveys.spec import Where

WEBHOOK = "webhook"  # the outbox kind of posts, shared with the automations' webhook actions


@dataclass(frozen=True)
class Webhook(Channel):
    name: ClassVar[str] = "webhook"
    fields: ClassVar[tuple[str, ...]] = ("webhook_url", "webhook_channel")
    secrets: ClassVar[tuple[str, ...]] = ("webhook_url",)

    url: str = ""
    provider: str = "other"  # what the provider sends: the canonical channel recorded

    @classmethod
    def parse(cls, data: Mapping[str, Any], where: Where) -> Webhook:
        url, kind = data.get("webhook_url", ""), data.get("webhook_channel", "other")
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            raise where.error("webhook_url", "required for channel webhook: an http(s) URL")
        if kind not in schema.CHANNELS or kind == "email":
            allowed = ", ".join(c for c in schema.CHANNELS if c != "email")
            raise where.error("webhook_channel", f"what the provider sends: one of {allowed}")
        return cls(url, str(kind))

    @property
    def canonical(self) -> str:
        return self.provider

    def address(self, customer: Mapping[str, Any]) -> str | None:
        return self.url

    def message(
        self, ws: Context, survey: Survey, delivery: dict[str, Any], now: datetime
    ) -> Message:
        # the body signs the link with the workspace secret, read from the survey store
        from cxpulse.surveys.webhook import payload

        return Message(WEBHOOK, self.url, payload(ws, survey, delivery, now))

    @classmethod
    def senders(cls, ws: Context, now: datetime, out: Transports) -> dict[str, Send]:
        return {WEBHOOK: out.post_json}
