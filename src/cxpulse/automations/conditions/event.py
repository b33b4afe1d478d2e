"""``when: {event: trial_expired}``: a named customer event (imported, posted to
/api/v1/events, or cxpulse's own such as case_resolved), one cause per event."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

from cxpulse.automations.conditions.base import Condition, Hit
from cxpulse.automations.values import pick
from cxpulse.schema import SURVEY_EVENTS_TABLE

if TYPE_CHECKING:
    from cxpulse.context import Context
    from cxpulse.surveys.spec import Where


@dataclass(frozen=True)
class Event(Condition):
    name: ClassVar[str] = "event"
    event: str  # the event name (survey_events)

    @classmethod
    def parse(cls, raw: Any, where: Where) -> Event:
        if not isinstance(raw, str) or not raw.strip():
            raise where.error(cls.name, "the name of a customer event, such as trial_expired")
        return cls(raw.strip())

    def to_dict(self) -> dict[str, Any]:
        return {self.name: self.event}

    def describe(self, lang: str = "en") -> str:
        return pick(
            lang,
            f"the customer event {self.event} happens",
            f"l'événement client {self.event} survient",
        )

    def hits(self, ws: Context, since: datetime, until: datetime) -> list[Hit]:
        e = ws.store.table(SURVEY_EVENTS_TABLE)
        e = e.filter((e.name == self.event) & e.customer_id.notnull())
        e = e.filter((e.occurred_at > since) & (e.occurred_at <= until))
        return [
            Hit(str(x.customer_id), str(x.event_id), x.occurred_at.to_pydatetime(),
                {"type": "event", "event": self.event, "event_id": x.event_id})
            for x in e.execute().itertuples(index=False)
        ]  # fmt: skip
