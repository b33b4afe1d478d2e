"""``case: {sla_hours: 24, assign: [...]}``: open a follow-up case, given to the owner (or the
next of a round robin) of the first assignment rule that matches the customer."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from cxpulse.automations.actions.base import Action, Firing
from cxpulse.automations.cases import new_case
from cxpulse.automations.values import is_number, num, pick
from cxpulse.schema import CASES_TABLE

if TYPE_CHECKING:
    from cxpulse.context import Context
    from cxpulse.surveys.spec import Where

ASSIGN_KEYS = ("segment", "language", "channel")


@dataclass(frozen=True)
class Assignment:
    """One assignment rule: when ``match`` (segment/language/channel = value) holds, the case
    goes to ``owner`` or to the next of ``round_robin``, in ``team``."""

    match: dict[str, str] = field(default_factory=dict)
    team: str | None = None
    owner: str | None = None
    round_robin: tuple[str, ...] = ()

    @classmethod
    def parse(cls, value: Any, where: Where) -> Assignment:
        if not isinstance(value, dict):
            raise where.error(
                "", "a mapping such as {segment: smb, team: cx} or {round_robin: [a, b]}"
            )
        fields = (*ASSIGN_KEYS, "team", "owner", "round_robin")
        where.only(value, fields, f"unknown; use {', '.join(fields)}")
        robin = value.get("round_robin", [])
        if not isinstance(robin, list) or not all(isinstance(o, str) for o in robin):
            raise where.error("round_robin", "a list of owners taking turns")
        if not (value.get("team") or value.get("owner") or robin):
            raise where.error("team", "an assignment needs a team, an owner or round_robin")
        owner, team = value.get("owner"), value.get("team")
        return cls({k: str(value[k]) for k in ASSIGN_KEYS if k in value},
                   str(team) if team else None, str(owner) if owner else None,
                   tuple(robin))  # fmt: skip

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = dict(self.match)
        for key, value in (("team", self.team), ("owner", self.owner)):
            if value:
                out[key] = value
        if self.round_robin:
            out["round_robin"] = list(self.round_robin)
        return out


@dataclass(frozen=True)
class Case(Action):
    name: ClassVar[str] = "case"
    option_names: ClassVar[tuple[str, ...]] = ("sla_hours", "assign")
    order: ClassVar[int] = 0  # first: the webhook and emails of the firing name the case
    sla_hours: float = 24.0
    assign: tuple[Assignment, ...] = ()

    @classmethod
    def parse(cls, raw: Any, where: Where) -> Case:
        arg, w = cls.options_of(raw, where), where.sub(cls.name)
        hours = arg.get("sla_hours", 24)
        if not is_number(hours) or hours <= 0:
            raise w.error("sla_hours", "hours until first contact is due, above 0 (e.g. 24)")
        assign = arg.get("assign", [])
        if not isinstance(assign, list):
            raise w.error("assign", "a list of assignment rules, the first match wins")
        rules = (Assignment.parse(a, w.sub(f"assign[{i}]")) for i, a in enumerate(assign))
        return cls(float(hours), tuple(rules))

    def to_dict(self) -> dict[str, Any]:
        options: dict[str, Any] = {"sla_hours": self.sla_hours}
        if self.assign:
            options["assign"] = [a.to_dict() for a in self.assign]
        return {self.name: options}

    def describe(self, lang: str = "en") -> str:
        hours = num(self.sla_hours, lang)
        text = pick(lang, f"open a case (first contact within {hours} h)",
                    f"ouvrir un dossier (premier contact sous {hours} h)")  # fmt: skip
        if self.assign:
            n = len(self.assign)
            text += pick(lang, f", assigned by {n} rule{'s' if n > 1 else ''}",
                         f", attribué selon {n} règle{'s' if n > 1 else ''}")  # fmt: skip
        return text

    def fire(self, firing: Firing, key: str) -> None:
        hit, rule = firing.hit, firing.rule
        owner, team = assign(firing.ws, rule.name, self.assign, firing.who,
                             hit.detail.get("channel"))  # fmt: skip
        d = hit.detail
        row = new_case(
            firing.run_id,
            rule.name,
            hit.customer_id or None,
            firing.now,
            self.sla_hours,
            owner=owner,
            team=team,
            summary=f"{rule.when.summary(hit)} ({rule.name})",
            cause_type=d.get("type"),
            cause_response_id=d.get("response_id"),
            cause_score=d.get("score"),
            cause_question_type=d.get("question_type"),
        )
        firing.cases.append(row)
        firing.done.append(f"case {row['case_id']}")
        firing.event.update(
            {"event": "case_opened", "case_id": row["case_id"], "owner": owner, "team": team,
             "sla_due_at": row["sla_due_at"].isoformat(), "summary": row["summary"]}
        )  # fmt: skip


def assign(
    ws: Context, rule: str, rules: tuple[Assignment, ...], who: dict[str, Any], channel: Any
) -> tuple[str | None, str | None]:
    """(owner, team) from the first assignment rule whose segment/language/channel match."""
    facts = {"segment": who.get("segment"), "channel": channel,
             "language": (who.get("language") or "").split("-")[0].lower() or None}  # fmt: skip
    for a in rules:
        if all(facts.get(k) == v.lower() or facts.get(k) == v for k, v in a.match.items()):
            if a.round_robin:
                # the next in turn: by how many cases this rule already gave these owners
                t = ws.store.table(CASES_TABLE)
                taken = t.filter((t.rule == rule) & t.owner.isin(list(a.round_robin)))
                n = int(taken.count().execute())
                return a.round_robin[n % len(a.round_robin)], a.team
            return a.owner, a.team
    return None, None
