"""``email: {to: cx-team@acme.com | customer, subject: ..., text: ...}``: an email whose
subject and text name the facts of the firing in braces ({customer_name}, {score}, ...).

The case owner's address is not known to cxpulse, so the choices are an address (a person or
a team list) or ``customer``. A team email is in English unless only French is given; a
customer's in their language.
"""

from __future__ import annotations

from dataclasses import dataclass
from string import Formatter
from typing import TYPE_CHECKING, Any, ClassVar

from cxpulse.automations.actions.base import Action, Firing, language
from cxpulse.automations.values import pick
from cxpulse.surveys.spec import texts

if TYPE_CHECKING:
    from cxpulse.surveys.spec import Where

# what an email action's subject and text may name, in braces: the facts of a firing
PLACEHOLDERS = (
    "rule", "customer_id", "customer_name", "cause", "score", "question_type", "comment",
    "survey_id", "touchpoint", "case_id", "owner", "team", "event", "metric", "segment",
    "period", "value", "bound",
)  # fmt: skip


@dataclass(frozen=True)
class Email(Action):
    name: ClassVar[str] = "email"
    option_names: ClassVar[tuple[str, ...]] = ("to", "subject", "text")
    to: str  # an address or "customer"
    subject: dict[str, str]  # by language
    text: dict[str, str]

    @classmethod
    def parse(cls, raw: Any, where: Where) -> Email:
        arg, w = cls.options_of(raw, where), where.sub(cls.name)
        to = arg.get("to")
        if not isinstance(to, str) or not (to == "customer" or "@" in to):
            raise w.error("to", "an address (cx-team@acme.com) or customer")
        return cls(to, _text(arg, "subject", w), _text(arg, "text", w))

    def to_dict(self) -> dict[str, Any]:
        return {self.name: {"to": self.to, "subject": dict(self.subject),
                            "text": dict(self.text)}}  # fmt: skip

    def needs_customer(self) -> bool:
        return self.to == "customer"

    def describe(self, lang: str = "en") -> str:
        subject = self.subject.get(lang) or self.subject["en"]
        if self.to == "customer":
            return pick(lang, f"email the customer “{subject}”", f"écrire au client « {subject} »")
        return pick(lang, f"email {self.to} “{subject}”", f"écrire à {self.to} « {subject} »")

    def fire(self, firing: Firing, key: str) -> None:
        to, msg = self.message(firing.who, facts(firing))
        if to is None:
            firing.done.append("email skipped: the customer has no address or opted out")
        else:
            firing.queue(key, "email", to, msg)
            firing.done.append(f"email to {to} queued")

    def message(
        self, who: dict[str, Any], values: dict[str, str]
    ) -> tuple[str | None, dict[str, Any]]:
        """(address, message); no address when the customer cannot be written to."""
        to, lang = self.to, "en"
        if to == "customer":
            if not who.get("email") or who.get("email_consent") is False:
                return None, {}
            to, lang = str(who["email"]), language(who)
        return to, {
            "subject": (self.subject.get(lang) or self.subject["en"]).format_map(values),
            "text": (self.text.get(lang) or self.text["en"]).format_map(values),
        }


def _text(arg: dict[str, Any], key: str, where: Where) -> dict[str, str]:
    """The subject or text by language, each naming only known placeholders."""
    if key not in arg:
        raise where.error(key, "required: {en: '...', fr: '...'} or one English text")
    value = texts(arg[key], where.sub(key))
    for lang, text in value.items():
        try:
            names = {f for _, f, _, _ in Formatter().parse(text) if f is not None}
        except ValueError as exc:
            raise where.sub(key).error(lang, f"{exc}; write a literal brace as {{{{") from None
        bad = sorted(n for n in names if n not in PLACEHOLDERS)
        if bad:
            raise where.sub(key).error(
                lang, f"unknown placeholder {{{bad[0]}}}; known: {', '.join(PLACEHOLDERS)}"
            )
    return value


def facts(firing: Firing) -> dict[str, str]:
    """What the placeholders stand for in this firing ("" when unknown)."""
    hit, d, event = firing.hit, firing.hit.detail, firing.event
    known = {
        "rule": firing.rule.name, "customer_id": hit.customer_id,
        "customer_name": firing.who.get("name"), "cause": hit.cause, "score": d.get("score"),
        "question_type": d.get("question_type"), "comment": d.get("comment"),
        "survey_id": d.get("survey_id"), "touchpoint": d.get("touchpoint"),
        "case_id": event.get("case_id"), "owner": event.get("owner"), "team": event.get("team"),
        "event": d.get("event"), "metric": d.get("metric"), "segment": d.get("segment"),
        "period": d.get("period"), "value": d.get("value"), "bound": d.get("bound"),
    }  # fmt: skip
    return {k: "" if v is None else str(v) for k, v in known.items()}
