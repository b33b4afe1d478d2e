"""``when: {response: detractor}``: a survey answer of one kind (detractor, promoter,
unsatisfied CSAT, hard CES), one cause per response."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

import ibis

from cxpulse.automations.conditions.base import Condition, Hit, text_or_none
from cxpulse.automations.values import pick
from cxpulse.metrics import scales

if TYPE_CHECKING:
    from cxpulse.context import Context
    from cxpulse.surveys.spec import Where

RESPONSE_KINDS = ("detractor", "promoter", "csat_unsatisfied", "ces_hard")
_WORDS = {
    "detractor": ("a detractor answers (NPS 0 to 6)", "un détracteur répond (NPS de 0 à 6)"),
    "promoter": ("a promoter answers (NPS 9 or 10)", "un promoteur répond (NPS 9 ou 10)"),
    "csat_unsatisfied": ("an unsatisfied customer answers (CSAT)",
                         "un client insatisfait répond (CSAT)"),
    "ces_hard": ("a customer found it hard (CES)", "un client a trouvé cela difficile (CES)"),
}  # fmt: skip


@dataclass(frozen=True)
class Response(Condition):
    name: ClassVar[str] = "response"
    response: str  # one of RESPONSE_KINDS

    @classmethod
    def parse(cls, raw: Any, where: Where) -> Response:
        if raw not in RESPONSE_KINDS:
            raise where.error(cls.name, f"{raw!r} is not one of {', '.join(RESPONSE_KINDS)}")
        return cls(str(raw))

    def to_dict(self) -> dict[str, Any]:
        return {self.name: self.response}

    def describe(self, lang: str = "en") -> str:
        return pick(lang, *_WORDS[self.response])

    def summary(self, hit: Hit) -> str:
        d = hit.detail
        return f"{d['type']}: {d['question_type']} score {d['score']}"

    def hits(self, ws: Context, since: datetime, until: datetime) -> list[Hit]:
        r = ws.table("survey_responses")
        r = r.filter(r.customer_id.notnull() & r.score.notnull())
        r = r.filter((r.responded_at > since) & (r.responded_at <= until))
        r = r.filter(_matches(r, self.response))
        cols = ["response_id", "customer_id", "responded_at", "score", "question_type",
                "survey_id", "touchpoint", "comment", "ticket_id", "channel"]  # fmt: skip
        return [
            Hit(str(x.customer_id), str(x.response_id), x.responded_at.to_pydatetime(),
                {"type": self.response, "response_id": x.response_id, "score": int(x.score),
                 "question_type": x.question_type, "survey_id": text_or_none(x.survey_id),
                 "touchpoint": text_or_none(x.touchpoint), "comment": text_or_none(x.comment),
                 "ticket_id": text_or_none(x.ticket_id), "channel": text_or_none(x.channel)})
            for x in r.select(*cols).execute().itertuples(index=False)
        ]  # fmt: skip


def _matches(r: Any, kind: str) -> Any:
    scale = ibis.coalesce(r.scale_max, 5)
    if kind == "detractor":
        return (r.question_type == "nps") & (r.score <= scales.NPS_DETRACTOR_MAX)
    if kind == "promoter":
        return (r.question_type == "nps") & (r.score >= scales.NPS_PROMOTER_MIN)
    if kind == "csat_unsatisfied":
        return (r.question_type == "csat") & (
            r.score < scales.lookup_expr(scales.CSAT_TOP2_MIN, scale)
        )
    # ces_hard: turn every answer into "high = easy" first, as the CES metric does
    ease = scales.ease_score(r.score, ibis.coalesce(r.scale_min, 1), r.scale_max, r.polarity)
    return (r.question_type == "ces") & (
        ease <= scales.lookup_expr(scales.CES_HARD_MAX, r.scale_max)
    )
