"""What every rule condition is: a small class that parses its ``when`` argument, finds its
causes (one :class:`Hit` each), says in words what it waits for and writes itself back.

The cause is what makes the rule fire (a response, the ticket that made the Nth negative
interaction, a churn score of a month, a mention); its id, prefixed with the rule name, is the
run key that stops a rule from firing twice for it.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, ClassVar, Self
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from cxpulse.settings import Settings
    from cxpulse.surveys.spec import Where
    from cxpulse.workspace import Workspace


@dataclass(frozen=True)
class Hit:
    customer_id: str  # "" for a metric condition: a group, not one customer
    cause: str  # unique within the rule
    at: datetime
    detail: dict[str, Any] = field(default_factory=dict)


class Condition(ABC):
    """One kind of ``when``, registered in :data:`cxpulse.automations.conditions.DEFAULT`
    (or on one workspace: ``ws.kinds[CONDITIONS].add(MyCondition)``)."""

    name: ClassVar[str]  # the key in YAML: when: {NAME: ...}
    # False for a condition about a group (a metric over a period): the rule may then only
    # take actions that need no customer
    per_customer: ClassVar[bool] = True

    @classmethod
    @abstractmethod
    def parse(cls, raw: Any, where: Where) -> Self:
        """The condition ``{name: raw}``; ``where`` is the ``when`` field, so an error names
        ``where.error(cls.name, ...)`` (``when.NAME``)."""

    @abstractmethod
    def hits(self, ws: Workspace, since: datetime, until: datetime) -> list[Hit]:
        """Causes that happened in (since, until], in any order."""

    @abstractmethod
    def describe(self, lang: str = "en") -> str:
        """What the rule waits for, in words (``lang``: en or fr), completing "When ..."."""

    @abstractmethod
    def to_dict(self) -> dict[str, Any]:
        """The condition as YAML would write it (``{name: ...}``); parsing it gives it back."""

    def check(self, settings: Settings) -> str | None:
        """What the condition still needs from the settings (a theme the workspace's taxonomy
        has), checked when the rule is added; None when nothing."""
        return None

    def waiting(self, ws: Workspace, since: datetime, until: datetime) -> str | None:
        """Why some would-be causes in (since, until] were left for a later run (a text not
        annotated yet: judging it as neutral could miss an angry comment), or None. They are
        found again by a later run, as a late import is, while within the lookback."""
        return None

    def summary(self, hit: Hit) -> str:
        """One line on what happened, for the case a rule opens."""
        return str(hit.detail.get("type", self.name))

    @property
    def kind(self) -> str:
        """The condition's name (what ``Rule.when.kind`` was before conditions were classes)."""
        return self.name


def text_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None  # pandas gives NaN or None


def local(instant: datetime, zone: ZoneInfo) -> datetime:
    return instant.replace(tzinfo=UTC).astimezone(zone).replace(tzinfo=None)
