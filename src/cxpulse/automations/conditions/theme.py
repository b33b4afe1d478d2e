"""``when: {theme: delivery}`` (or ``{theme: {name: delivery, in: [comments, mentions]}}``): a
comment, ticket subject or mention about a theme of the workspace's taxonomy, as the text
phase annotated it. The theme is checked against the taxonomy when the rule is added, so a
typo names the themes there are."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from cxpulse.automations.conditions.texts import PLACES, TextCondition, in_words, places
from cxpulse.automations.values import pick
from cxpulse.errors import ConfigError

if TYPE_CHECKING:
    from cxpulse.settings import Settings
    from cxpulse.surveys.spec import Where

_NAME = re.compile(r"^[a-z][a-z0-9_]*$")  # a taxonomy's theme names


@dataclass(frozen=True)
class Theme(TextCondition):
    name: ClassVar[str] = "theme"
    theme: str
    within: tuple[str, ...] = tuple(PLACES)

    @classmethod
    def parse(cls, raw: Any, where: Where) -> Theme:
        spec = raw if isinstance(raw, dict) else {"name": raw}
        w = where.sub(cls.name) if isinstance(raw, dict) else where
        if isinstance(raw, dict):
            w.only(raw, ("name", "in"), "unknown; use name and in")
        theme = spec.get("name")
        if not isinstance(theme, str) or not _NAME.match(theme.strip()):
            raise where.error(cls.name, "a theme of the taxonomy such as delivery, or "
                              "{name: delivery, in: [comments, tickets, mentions]}")  # fmt: skip
        return cls(theme.strip(), places(spec.get("in"), w))

    def to_dict(self) -> dict[str, Any]:
        if self.within == tuple(PLACES):
            return {self.name: self.theme}
        return {self.name: {"name": self.theme, "in": list(self.within)}}

    def describe(self, lang: str = "en") -> str:
        what = in_words(self.within, lang)
        return pick(lang, f"{what} is about {self.theme}", f"{what} parle de {self.theme}")

    def check(self, settings: Settings) -> str | None:
        from cxpulse.text.themes import load_taxonomy

        try:
            known = load_taxonomy(settings.theme_taxonomy or None).names
        except ConfigError as exc:
            return f"cannot read the theme taxonomy to check {self.theme!r}: {exc}"
        if self.theme in known:
            return None
        return f"unknown theme {self.theme!r}; the taxonomy's themes are {', '.join(known)}"

    def matches(self, text: str, sentiment: float | None, label: str | None,
                themes: list[str]) -> bool:  # fmt: skip
        return self.theme in themes
