"""The fatigue budget: who is asked now, who is not, and why.

Pure functions over plain values (no database, no clock): the caller passes ``now`` and the
history, so the rules are tested exhaustively with hypothesis and replayed in ``cxpulse why``.

Rules, in order, per customer:
1. one survey per customer per ``window`` across all surveys and channels (the global budget),
   except for a survey that declares itself ``fatigue: exempt``: a follow-up the customer
   expects, such as the re-survey after their complaint was resolved (it still counts as an
   ask for the surveys after it, and still obeys rules 2 and 3);
2. a survey waits ``min_gap`` after it last asked the same customer;
3. when several surveys are due at once, the highest priority wins (then the earliest due, then
   the survey id, so the outcome never depends on input order); the others are skipped.
Each trigger (``trigger_key``) is decided once: a skipped trigger is not retried later, because
"how was your ticket?" asked weeks after the ticket would be worse than not asking.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta


@dataclass(frozen=True)
class Candidate:
    customer_id: str
    survey_id: str
    trigger_key: str
    due_at: datetime
    priority: int = 0
    min_gap: timedelta = timedelta(0)
    exempt: bool = False  # not held back by the global budget (a follow-up the customer expects)


@dataclass
class History:
    """What was asked before: from survey_invitations (all channels) and the decision log."""

    last_any: dict[str, tuple[datetime, str]] = field(default_factory=dict)
    last_by_survey: dict[tuple[str, str], datetime] = field(default_factory=dict)
    decided: set[str] = field(default_factory=set)

    def record(self, customer_id: str, survey_id: str, at: datetime) -> None:
        previous = self.last_any.get(customer_id)
        if previous is None or at >= previous[0]:
            self.last_any[customer_id] = (at, survey_id)
        key = (customer_id, survey_id)
        self.last_by_survey[key] = max(at, self.last_by_survey.get(key, at))


@dataclass(frozen=True)
class Decision:
    candidate: Candidate
    outcome: str  # invited or skipped
    reason: str  # invited, fatigue, survey_gap, lower_priority
    detail: str
    next_eligible_at: datetime


def _order(c: Candidate) -> tuple[int, datetime, str, str]:
    return (-c.priority, c.due_at, c.survey_id, c.trigger_key)


def decide(
    candidates: Iterable[Candidate], history: History, now: datetime, window: timedelta
) -> list[Decision]:
    """Decide every undecided candidate due at ``now``; ``history`` is updated with the
    invitations decided here, so successive calls behave like successive runs."""
    by_customer: dict[str, list[Candidate]] = defaultdict(list)
    seen: set[str] = set()
    for c in candidates:
        if c.trigger_key in history.decided or c.trigger_key in seen or c.due_at > now:
            continue
        seen.add(c.trigger_key)
        by_customer[c.customer_id].append(c)

    decisions = []
    for customer_id in sorted(by_customer):
        winner: Candidate | None = None
        for c in sorted(by_customer[customer_id], key=_order):
            decisions.append(_one(c, winner, history, now, window))
            history.decided.add(c.trigger_key)
            if decisions[-1].outcome == "invited":
                winner = c
                history.record(customer_id, c.survey_id, now)
    return decisions


def _one(
    c: Candidate, winner: Candidate | None, history: History, now: datetime, window: timedelta
) -> Decision:
    if winner is not None:
        return Decision(
            c,
            "skipped",
            "lower_priority",
            f"{winner.survey_id} (priority {winner.priority}) was due at the same time and "
            f"ranks first (this survey: priority {c.priority})",
            now + window,
        )
    last = history.last_any.get(c.customer_id)
    if last is not None and now - last[0] < window and not c.exempt:
        return Decision(
            c,
            "skipped",
            "fatigue",
            f"already asked on {last[0]:%Y-%m-%d %H:%M} UTC ({last[1]}); at most one survey "
            f"per {_days(window)}",
            last[0] + window,
        )
    same = history.last_by_survey.get((c.customer_id, c.survey_id))
    if same is not None and now - same < c.min_gap:
        return Decision(
            c,
            "skipped",
            "survey_gap",
            f"this survey asked on {same:%Y-%m-%d %H:%M} UTC; it waits {_days(c.min_gap)} "
            "before asking the same customer again",
            max(same + c.min_gap, (last[0] + window) if last else now),
        )
    detail = f"due since {c.due_at:%Y-%m-%d %H:%M} UTC"
    if c.exempt and last is not None and now - last[0] < window:
        detail += f" (exempt from the budget; last asked {last[0]:%Y-%m-%d %H:%M} UTC)"
    return Decision(c, "invited", "invited", detail, now + window)


def _days(span: timedelta) -> str:
    days = span / timedelta(days=1)
    return f"{days:g} days" if days != 1 else "1 day"
