"""``webhook: {url: https://..., format: json|slack}``: post the firing (with its case) to a
URL. The URL is a credential: readers who may not edit rules see where it points only."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from cxpulse import redact
from cxpulse.automations.actions.base import Action, Firing
from cxpulse.automations.values import pick

if TYPE_CHECKING:
    from cxpulse.surveys.spec import Where

FORMATS = ("json", "slack")


@dataclass(frozen=True)
class Webhook(Action):
    name: ClassVar[str] = "webhook"
    option_names: ClassVar[tuple[str, ...]] = ("url", "format")
    url: str
    format: str = "json"  # json: the whole event; slack: {"text": ...}

    @classmethod
    def parse(cls, raw: Any, where: Where) -> Webhook:
        arg, w = cls.options_of(raw, where), where.sub(cls.name)
        url, fmt = arg.get("url"), arg.get("format", "json")
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            raise w.error("url", "required: an http(s) URL to post to")
        if fmt not in FORMATS:
            raise w.error("format", 'json (the whole event) or slack ({"text": ...})')
        return cls(url, fmt)

    def to_dict(self) -> dict[str, Any]:
        return {self.name: {"url": self.url, "format": self.format}}

    @classmethod
    def redacted(cls, raw: Any) -> Any:
        if isinstance(raw, dict) and isinstance(raw.get("url"), str):
            return {**raw, "url": redact.url(raw["url"])}
        return raw

    def describe(self, lang: str = "en") -> str:
        shown = redact.url(self.url)
        return pick(lang, f"post to {shown} ({self.format})",
                    f"poster vers {shown} ({self.format})")  # fmt: skip

    def fire(self, firing: Firing, key: str) -> None:
        event = firing.event
        body = slack_text(event) if self.format == "slack" else event
        firing.queue(key, "webhook", self.url, body)
        firing.done.append("webhook queued")


def slack_text(event: dict[str, Any]) -> dict[str, Any]:
    """A Slack incoming-webhook message: one line on the firing and its case."""
    text = f"[cxpulse] {event['rule']}: customer {event['customer_id']}"
    if "case_id" in event:
        text += f", case {event['case_id']} for {event['owner'] or event['team'] or 'nobody'}"
    return {"text": f"{text} ({event.get('summary') or event['cause']})"}
