"""What a rule does when it fires: open a case, post a webhook, send an email, tag, ask for a
review.

Actions only write rows (a case, a tag, outbox rows); nothing leaves the process here. The
worker sends the outbox afterwards, so a firing and its messages commit together and a crash
cannot lose a webhook nor send one for a firing that was rolled back.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from cxpulse.automations.cases import new_case
from cxpulse.automations.conditions import Hit
from cxpulse.automations.rules import Action, Assignment, Rule
from cxpulse.schema import CASES_TABLE

if TYPE_CHECKING:
    from cxpulse.workspace import Workspace

REVIEW_TEXT = {
    "en": ("Thank you! Would you share it publicly?",
           "You told us you would recommend us. A short public review on {platform} helps "
           "others decide: {url}"),
    "fr": ("Merci ! Le diriez-vous publiquement ?",
           "Vous nous recommanderiez : un court avis public sur {platform} aide d'autres "
           "clients à choisir : {url}"),
}  # fmt: skip


@dataclass
class Firing:
    """The rows one firing writes (committed together with its run row)."""

    cases: list[dict[str, Any]] = field(default_factory=list)
    tags: list[dict[str, Any]] = field(default_factory=list)
    outbox: list[dict[str, Any]] = field(default_factory=list)
    done: list[str] = field(default_factory=list)


def customer(ws: Workspace, customer_id: str) -> dict[str, Any]:
    c = ws.table("customers")
    cols = ["customer_id", "name", "email", "language", "segment", "email_consent"]
    rows = c.filter(c.customer_id == customer_id).select(*cols).execute()
    if rows.empty:
        return {"customer_id": customer_id}
    row: dict[str, Any] = {k: (v if isinstance(v, str) else None) for k, v in rows.iloc[0].items()}
    consent = rows.email_consent.iloc[0]
    row["email_consent"] = None if consent is None or consent != consent else bool(consent)
    return row


def assign(
    ws: Workspace, rule: Rule, rules: tuple[Assignment, ...], who: dict[str, Any], channel: Any
) -> tuple[str | None, str | None]:
    """(owner, team) from the first assignment rule whose segment/language/channel match."""
    facts = {"segment": who.get("segment"), "channel": channel,
             "language": (who.get("language") or "").split("-")[0].lower() or None}  # fmt: skip
    for a in rules:
        if all(facts.get(k) == v.lower() or facts.get(k) == v for k, v in a.match.items()):
            if a.round_robin:
                # the next in turn: by how many cases this rule already gave these owners
                t = ws.store.table(CASES_TABLE)
                taken = t.filter((t.rule == rule.name) & t.owner.isin(list(a.round_robin)))
                n = int(taken.count().execute())
                return a.round_robin[n % len(a.round_robin)], a.team
            return a.owner, a.team
    return None, None


def fire(ws: Workspace, rule: Rule, hit: Hit, run_id: str, now: datetime) -> Firing:
    out = Firing()
    who = customer(ws, hit.customer_id)
    event: dict[str, Any] = {"event": "rule_fired", "rule": rule.name, "run_id": run_id,
                             "customer_id": hit.customer_id, "customer_name": who.get("name"),
                             "cause": hit.cause, "cause_at": hit.at.isoformat(),
                             "detail": hit.detail}  # fmt: skip
    for action in rule.then:
        if action.kind == "case":
            event.update(_case(ws, rule, action, hit, run_id, now, who, out))
    for i, action in enumerate(rule.then):
        key = f"{run_id}:{i}"
        if action.kind == "tag":
            tag = action.options["tag"]
            out.tags.append({"tag_id": f"{hit.customer_id}:{tag}", "customer_id": hit.customer_id,
                             "tag": tag, "added_at": now, "rule": rule.name})  # fmt: skip
            out.done.append(f"tag {tag}")
        elif action.kind == "webhook":
            body = _slack(event) if action.options["format"] == "slack" else event
            out.outbox.append(_outbox(key, run_id, "webhook", action.options["url"], body, now))
            out.done.append("webhook queued")
        elif action.kind == "email":
            to, msg = _email(action, who, facts(rule, hit, who, event))
            if to is None:
                out.done.append("email skipped: the customer has no address or opted out")
            else:
                out.outbox.append(_outbox(key, run_id, "email", to, msg, now))
                out.done.append(f"email to {to} queued")
        elif action.kind == "review_request":
            ask, why = _review(ws, action, who)
            if ask is None:
                out.done.append(f"review request skipped: {why}")
            else:
                out.outbox.append(_outbox(key, run_id, "email", str(who["email"]), ask, now))
                out.done.append("review request queued")
    return out


def facts(rule: Rule, hit: Hit, who: dict[str, Any], event: dict[str, Any]) -> dict[str, str]:
    """What an email action's placeholders stand for in this firing ("" when unknown)."""
    d = hit.detail
    known = {
        "rule": rule.name, "customer_id": hit.customer_id, "customer_name": who.get("name"),
        "cause": hit.cause, "score": d.get("score"), "question_type": d.get("question_type"),
        "comment": d.get("comment"), "survey_id": d.get("survey_id"),
        "touchpoint": d.get("touchpoint"), "case_id": event.get("case_id"),
        "owner": event.get("owner"), "team": event.get("team"), "event": d.get("event"),
        "metric": d.get("metric"), "segment": d.get("segment"), "period": d.get("period"),
        "value": d.get("value"), "bound": d.get("bound"),
    }  # fmt: skip
    return {k: "" if v is None else str(v) for k, v in known.items()}


def _email(
    action: Action, who: dict[str, Any], values: dict[str, str]
) -> tuple[str | None, dict[str, Any]]:
    """(address, message) of an email action; no address when the customer cannot be written
    to. A team email is in English unless only French is given; a customer's in their
    language."""
    to = str(action.options["to"])
    subject, text = action.options["subject"], action.options["text"]
    lang = "en"
    if to == "customer":
        if not who.get("email") or who.get("email_consent") is False:
            return None, {}
        lang = "fr" if (who.get("language") or "").lower().startswith("fr") else "en"
        to = str(who["email"])
    message = {
        "subject": (subject.get(lang) or subject["en"]).format_map(values),
        "text": (text.get(lang) or text["en"]).format_map(values),
    }
    return to, message


def _case(
    ws: Workspace, rule: Rule, action: Action, hit: Hit, run_id: str, now: datetime,
    who: dict[str, Any], out: Firing,
) -> dict[str, Any]:  # fmt: skip
    owner, team = assign(ws, rule, action.assign, who, hit.detail.get("channel"))
    d = hit.detail
    row = new_case(
        run_id,
        rule.name,
        hit.customer_id or None,
        now,
        action.options["sla_hours"],
        owner=owner,
        team=team,
        summary=_summary(rule, hit),
        cause_type=d.get("type"),
        cause_response_id=d.get("response_id"),
        cause_score=d.get("score"),
        cause_question_type=d.get("question_type"),
    )
    out.cases.append(row)
    out.done.append(f"case {row['case_id']}")
    return {"event": "case_opened", "case_id": row["case_id"], "owner": owner, "team": team,
            "sla_due_at": row["sla_due_at"].isoformat(), "summary": row["summary"]}  # fmt: skip


def _summary(rule: Rule, hit: Hit) -> str:
    d = hit.detail
    if "score" in d:
        return f"{d['type']}: {d['question_type']} score {d['score']} ({rule.name})"
    if d.get("type") == "metric":
        return (f"{d['metric']} {d['value']:g} {d['direction']} {d['bound']:g} for "
                f"{d['segment']} in {d['period']}, n={d['n']} ({rule.name})")  # fmt: skip
    return f"{d.get('type', rule.when.kind)} ({rule.name})"


def _slack(event: dict[str, Any]) -> dict[str, Any]:
    text = f"[cxpulse] {event['rule']}: customer {event['customer_id']}"
    if "case_id" in event:
        text += f", case {event['case_id']} for {event['owner'] or event['team'] or 'nobody'}"
    return {"text": f"{text} ({event.get('summary') or event['cause']})"}


def _review(
    ws: Workspace, action: Action, who: dict[str, Any]
) -> tuple[dict[str, Any] | None, str]:
    """The review-request message, or None and why not."""
    platform = action.options["platform"]
    url = getattr(ws.settings, f"review_url_{platform}")
    if not url:  # checked when the rule was added; the setting was emptied since
        return None, f"review_url_{platform} is not set"
    if not who.get("email") or who.get("email_consent") is not True:
        return None, "no email consent or address"  # a review ask is a marketing email
    lang = "fr" if (who.get("language") or "").lower().startswith("fr") else "en"
    subject, body = REVIEW_TEXT[lang]
    name = {"trustpilot": "Trustpilot", "g2": "G2"}[platform]
    return {"subject": subject, "text": body.format(platform=name, url=url)}, ""


def _outbox(
    key: str, run_id: str, kind: str, target: str, payload: dict[str, Any], now: datetime
) -> dict[str, Any]:
    return {"outbox_key": key, "run_id": run_id, "kind": kind, "target": target,
            "payload": json.dumps(payload, default=str), "created_at": now, "status": "pending",
            "attempts": 0, "next_attempt_at": now, "claimed_at": None, "sent_at": None,
            "last_error": None}  # fmt: skip
