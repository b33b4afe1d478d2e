"""``tag: at-risk``: tag the customer (once: a second firing keeps the one tag)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from cxpulse.automations.actions.base import Action, Firing
from cxpulse.automations.values import pick

if TYPE_CHECKING:
    from cxpulse.surveys.spec import Where


@dataclass(frozen=True)
class Tag(Action):
    name: ClassVar[str] = "tag"
    option_names: ClassVar[tuple[str, ...]] = ("tag",)
    tag: str

    @classmethod
    def parse(cls, raw: Any, where: Where) -> Tag:
        tag = cls.options_of(raw, where).get("tag") if isinstance(raw, dict) else raw
        if not isinstance(tag, str) or not tag.strip():
            raise where.error(cls.name, "a tag name such as 'at-risk'")
        return cls(tag.strip())

    def to_dict(self) -> dict[str, Any]:
        return {self.name: self.tag}

    def needs_customer(self) -> bool:
        return True

    def describe(self, lang: str = "en") -> str:
        return pick(lang, f"tag the customer {self.tag}", f"étiqueter le client {self.tag}")

    def fire(self, firing: Firing, key: str) -> None:
        customer_id = firing.hit.customer_id
        firing.tags.append({"tag_id": f"{customer_id}:{self.tag}", "customer_id": customer_id,
                            "tag": self.tag, "added_at": firing.now,
                            "rule": firing.rule.name})  # fmt: skip
        firing.done.append(f"tag {self.tag}")
