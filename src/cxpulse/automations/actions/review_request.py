"""``review_request: {platform: trustpilot}``: ask a promoter for a public review, by email, if
they agreed to marketing email (the review page is a workspace setting)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from cxpulse.automations.actions.base import Action, Firing, language
from cxpulse.automations.values import pick

if TYPE_CHECKING:
    from cxpulse.settings import Settings
    from cxpulse.surveys.spec import Where

PLATFORMS = {"trustpilot": "Trustpilot", "g2": "G2"}
REVIEW_TEXT = {
    "en": ("Thank you! Would you share it publicly?",
           "You told us you would recommend us. A short public review on {platform} helps "
           "others decide: {url}"),
    "fr": ("Merci ! Le diriez-vous publiquement ?",
           "Vous nous recommanderiez : un court avis public sur {platform} aide d'autres "
           "clients à choisir : {url}"),
}  # fmt: skip


@dataclass(frozen=True)
class ReviewRequest(Action):
    name: ClassVar[str] = "review_request"
    option_names: ClassVar[tuple[str, ...]] = ("platform",)
    platform: str

    @classmethod
    def parse(cls, raw: Any, where: Where) -> ReviewRequest:
        platform = cls.options_of(raw, where).get("platform")
        if not isinstance(platform, str) or platform not in PLATFORMS:
            raise where.sub(cls.name).error("platform", f"one of {', '.join(PLATFORMS)}")
        return cls(str(platform))

    def to_dict(self) -> dict[str, Any]:
        return {self.name: {"platform": self.platform}}

    def needs_customer(self) -> bool:
        return True

    def check(self, settings: Settings) -> str | None:
        if getattr(settings, f"review_url_{self.platform}"):
            return None
        return (f"set your {self.platform} review page first: cxpulse config set "
                f"review_url_{self.platform} https://...")  # fmt: skip

    def describe(self, lang: str = "en") -> str:
        name = PLATFORMS[self.platform]
        return pick(lang, f"ask the customer for a {name} review",
                    f"demander un avis {name} au client")  # fmt: skip

    def fire(self, firing: Firing, key: str) -> None:
        ask, why = self.message(firing)
        if ask is None:
            firing.done.append(f"review request skipped: {why}")
        else:
            firing.queue(key, "email", str(firing.who["email"]), ask)
            firing.done.append("review request queued")

    def message(self, firing: Firing) -> tuple[dict[str, Any] | None, str]:
        """The review-request message, or None and why not."""
        url = getattr(firing.ws.settings, f"review_url_{self.platform}")
        if not url:  # checked when the rule was added; the setting was emptied since
            return None, f"review_url_{self.platform} is not set"
        who = firing.who
        if not who.get("email") or who.get("email_consent") is not True:
            return None, "no email consent or address"  # a review ask is a marketing email
        subject, body = REVIEW_TEXT[language(who)]
        return {"subject": subject,
                "text": body.format(platform=PLATFORMS[self.platform], url=url)}, ""  # fmt: skip
