"""``when: {keyword: [refund*, cancel*, rembours*]}`` (or ``{keyword: {words: [...], in:
comments}}``): a comment, ticket subject or mention containing one of the words.

Words match as the theme taxonomy's keywords do (:mod:`cxpulse.text.themes`), in English and
French alike: whole words, in any case and with or without accents ("remboursé" is
"rembourse"), plural and feminine endings ignored ("refunds" is "refund", "annulée" is
"annule"); ``prefix*`` matches every word it starts ("rembours*": rembourser, remboursé,
remboursement; "cancel*": cancelled, cancellation); several words match as a phrase ("not
delivered"). No other stemming: "refund" does not match "refunded", write "refund*".
A keyword judges the words alone, so it needs no annotation and fires even when the text
phase is behind.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from cxpulse.automations.conditions.texts import PLACES, TextCondition, in_words, places
from cxpulse.text.themes import KeywordMatcher

if TYPE_CHECKING:
    from cxpulse.surveys.spec import Where

_FORMS = "a word or a list such as [refund*, cancel*], or {words: [...], in: [comments]}"


@dataclass(frozen=True)
class Keyword(TextCondition):
    name: ClassVar[str] = "keyword"
    needs_annotation: ClassVar[bool] = False
    words: tuple[str, ...] = ()
    within: tuple[str, ...] = tuple(PLACES)
    _matcher: KeywordMatcher = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_matcher", KeywordMatcher(self.words))

    @classmethod
    def parse(cls, raw: Any, where: Where) -> Keyword:
        spec = raw if isinstance(raw, dict) else {"words": raw}
        w = where.sub(cls.name) if isinstance(raw, dict) else where
        if isinstance(raw, dict):
            w.only(raw, ("words", "in"), "unknown; use words and in")
        words = spec.get("words")
        listed = [words] if isinstance(words, str) else words
        if (
            not isinstance(listed, list)
            or not listed
            or not all(isinstance(x, str) and x.strip(" *") for x in listed)
        ):
            raise where.error(cls.name, _FORMS)
        return cls(tuple(x.strip() for x in listed), places(spec.get("in"), w))

    def to_dict(self) -> dict[str, Any]:
        if self.within == tuple(PLACES):
            return {self.name: list(self.words)}
        return {self.name: {"words": list(self.words), "in": list(self.within)}}

    def describe(self, lang: str = "en") -> str:
        what = in_words(self.within, lang)
        if lang == "fr":
            quoted = [f"« {x} »" for x in self.words]
            listed = quoted[0] if len(quoted) == 1 else f"{', '.join(quoted[:-1])} ou {quoted[-1]}"
            return f"{what} contient {listed}"
        quoted = [f"“{x}”" for x in self.words]
        listed = quoted[0] if len(quoted) == 1 else f"{', '.join(quoted[:-1])} or {quoted[-1]}"
        return f"{what} mentions {listed}"

    def matches(self, text: str, sentiment: float | None, label: str | None,
                themes: list[str]) -> bool:  # fmt: skip
        return self._matcher(text)
