"""``when: {sentiment: negative}`` (or ``{sentiment: {below: -0.3, in: mentions}}``): a
comment, ticket subject or mention whose sentiment, as the text phase annotated it (cxpulse's
own analyzer: one scale for every source), has a label or is below a score."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from cxpulse.automations.conditions.texts import PLACES, TextCondition, in_words, places
from cxpulse.automations.values import is_number, num, pick
from cxpulse.schema import SENTIMENT_LABELS

if TYPE_CHECKING:
    from cxpulse.surveys.spec import Where

_LABEL_WORDS = {"negative": "négatif", "neutral": "neutre", "positive": "positif"}
_FORMS = "negative, neutral, positive, or {below: -0.3} (and in: comments, tickets, mentions)"


@dataclass(frozen=True)
class Sentiment(TextCondition):
    name: ClassVar[str] = "sentiment"
    label: str | None = None  # one of SENTIMENT_LABELS, or
    below: float | None = None  # a score from -1 to 1 the sentiment is under
    within: tuple[str, ...] = tuple(PLACES)

    @classmethod
    def parse(cls, raw: Any, where: Where) -> Sentiment:
        if isinstance(raw, str):
            if raw not in SENTIMENT_LABELS:
                raise where.error(cls.name, f"{raw!r} is not a sentiment; use {_FORMS}")
            return cls(label=raw)
        if not isinstance(raw, dict):
            raise where.error(cls.name, f"use {_FORMS}")
        w = where.sub(cls.name)
        w.only(raw, ("label", "below", "in"), "unknown; use label or below, and in")
        label, below = raw.get("label"), raw.get("below")
        if (label is None) == (below is None):
            raise w.error("label", "give one: a label (negative) or below (e.g. -0.3)")
        if label is not None and label not in SENTIMENT_LABELS:
            raise w.error("label", f"{label!r} is not one of {', '.join(SENTIMENT_LABELS)}")
        if below is not None and (not is_number(below) or not -1 < below <= 1):
            raise w.error("below", f"a sentiment from -1 to 1 such as -0.3, not {below!r}")
        return cls(label=label, below=None if below is None else float(below),
                   within=places(raw.get("in"), w))  # fmt: skip

    def to_dict(self) -> dict[str, Any]:
        if self.label is not None and self.within == tuple(PLACES):
            return {self.name: self.label}
        spec: dict[str, Any] = (
            {"label": self.label} if self.label is not None else {"below": self.below}
        )
        return {self.name: {**spec, "in": list(self.within)}}

    def describe(self, lang: str = "en") -> str:
        what = in_words(self.within, lang)
        if self.label is not None:
            return pick(lang, f"{what} is {self.label}",
                        f"{what} est {_LABEL_WORDS[self.label]}")  # fmt: skip
        bound = num(self.below or 0.0, lang)
        return pick(lang, f"{what} has a sentiment below {bound}",
                    f"{what} a un sentiment sous {bound}")  # fmt: skip

    def matches(self, text: str, sentiment: float | None, label: str | None,
                themes: list[str]) -> bool:  # fmt: skip
        if self.label is not None:
            return label == self.label
        return sentiment is not None and self.below is not None and sentiment < self.below
