"""What every rule action is, and one firing: the facts it acts on and the rows it writes.

Actions only write rows (a case, a tag, outbox rows); nothing leaves the process here. The
worker sends the outbox afterwards, so a firing and its messages commit together and a crash
cannot lose a webhook nor send one for a firing that was rolled back.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar, Self

if TYPE_CHECKING:
    from cxpulse.automations.conditions import Hit
    from cxpulse.automations.rules import Rule
    from cxpulse.context import Context
    from cxpulse.settings import Settings
    from cxpulse.surveys.spec import Where


@dataclass
class Firing:
    """One rule firing on one cause: what its actions read (``who``: the customer's row,
    ``event``: what a webhook posts) and the rows they write, committed with the run row."""

    ws: Context
    rule: Rule
    hit: Hit
    run_id: str
    now: datetime
    who: dict[str, Any]
    event: dict[str, Any]
    cases: list[dict[str, Any]] = field(default_factory=list)
    tags: list[dict[str, Any]] = field(default_factory=list)
    outbox: list[dict[str, Any]] = field(default_factory=list)
    done: list[str] = field(default_factory=list)  # what each action did, for the run row

    def queue(self, key: str, kind: str, target: str, payload: dict[str, Any]) -> None:
        """An outbox row (kind ``webhook`` or ``email``: what :mod:`..outbox` can send)."""
        self.outbox.append(
            {"outbox_key": key, "run_id": self.run_id, "kind": kind, "target": target,
             "payload": json.dumps(payload, default=str), "created_at": self.now,
             "status": "pending", "attempts": 0, "next_attempt_at": self.now,
             "claimed_at": None, "sent_at": None, "last_error": None}
        )  # fmt: skip


class Action(ABC):
    """One kind of ``then`` entry, registered in :data:`cxpulse.automations.actions.DEFAULT`
    (or on one workspace: ``ws.kinds[ACTIONS].add(MyAction)``)."""

    name: ClassVar[str]  # the key in YAML: then: [{NAME: ...}]
    option_names: ClassVar[tuple[str, ...]] = ()  # the keys its mapping may have
    # actions fire by order, then as listed: a case (0) goes first so that the posts and
    # emails of the same firing can name it
    order: ClassVar[int] = 1

    @classmethod
    @abstractmethod
    def parse(cls, raw: Any, where: Where) -> Self:
        """The action ``{name: raw}``; ``where`` is its ``then[i]`` entry, so an error names
        ``where.error(cls.name, ...)`` or a field under ``where.sub(cls.name)``."""

    @abstractmethod
    def fire(self, firing: Firing, key: str) -> None:
        """Add this action's rows to ``firing`` and one line to ``firing.done``; ``key``
        is unique to this action in this firing (an outbox row's key)."""

    @abstractmethod
    def describe(self, lang: str = "en") -> str:
        """What the action does, in words readers may see (no secret), in ``lang``."""

    @abstractmethod
    def to_dict(self) -> dict[str, Any]:
        """The action as YAML would write it (``{name: ...}``); parsing it gives it back."""

    @classmethod
    def redacted(cls, raw: Any) -> Any:
        """The action's YAML argument as readers who may not edit rules see it (its
        credentials shortened). Most actions hold none."""
        return raw

    def needs_customer(self) -> bool:
        """Whether it acts on one customer (refused under a condition about a group)."""
        return False

    def check(self, settings: Settings) -> str | None:
        """What the action still needs from the settings, checked when the rule is added."""
        return None

    @classmethod
    def options_of(cls, raw: Any, where: Where) -> dict[str, Any]:
        """``raw`` as a mapping of known options; a misspelt one would be silently dropped,
        so it is refused."""
        if isinstance(raw, dict):
            listed = ", ".join(cls.option_names)
            where.sub(cls.name).only(raw, cls.option_names, f"unknown option; {cls.name} takes "
                                     f"{listed}")  # fmt: skip
            return raw
        raise where.error(cls.name, "takes a mapping of options")

    @property
    def kind(self) -> str:
        """The action's name (what ``Action.kind`` was before actions were classes)."""
        return self.name

    @property
    def options(self) -> dict[str, Any]:
        """The action's options as stored (``to_dict`` without its name)."""
        value = self.to_dict()[self.name]
        return dict(value) if isinstance(value, dict) else {self.name: value}


def customer(ws: Context, customer_id: str) -> dict[str, Any]:
    """The customer's name, address, language, segment and consent ({} but the id when
    unknown, as for a metric's group)."""
    c = ws.table("customers")
    cols = ["customer_id", "name", "email", "language", "segment", "email_consent"]
    rows = c.filter(c.customer_id == customer_id).select(*cols).execute()
    if rows.empty:
        return {"customer_id": customer_id}
    row: dict[str, Any] = {k: (v if isinstance(v, str) else None) for k, v in rows.iloc[0].items()}
    consent = rows.email_consent.iloc[0]
    row["email_consent"] = None if consent is None or consent != consent else bool(consent)
    return row


def language(who: dict[str, Any]) -> str:
    """The customer's language for a message: French or English."""
    return "fr" if (who.get("language") or "").lower().startswith("fr") else "en"


def fire(ws: Context, rule: Rule, hit: Hit, run_id: str, now: datetime) -> Firing:
    """The rows ``rule`` writes for ``hit``: each action in turn (a case first)."""
    who = customer(ws, hit.customer_id) if hit.customer_id else {"customer_id": ""}
    event: dict[str, Any] = {"event": "rule_fired", "rule": rule.name, "run_id": run_id,
                             "customer_id": hit.customer_id, "customer_name": who.get("name"),
                             "cause": hit.cause, "cause_at": hit.at.isoformat(),
                             "detail": hit.detail}  # fmt: skip
    firing = Firing(ws, rule, hit, run_id, now, who, event)
    for i, action in sorted(enumerate(rule.then), key=lambda pair: pair[1].order):
        if not hit.customer_id and action.needs_customer():
            # a cause with nobody known behind it (a public review by a stranger): the case
            # and the team's messages go, a tag or an email "to the customer" cannot
            firing.done.append(f"{action.name} skipped: no known customer")
            continue
        action.fire(firing, f"{run_id}:{i}")
    return firing
