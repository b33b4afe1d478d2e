"""A digest for one period: its sections computed once, then rendered in each language."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from cxpulse.digests.definition import Digest
from cxpulse.digests.render import Rendered, render_email, slack_blocks
from cxpulse.digests.schedule import Period
from cxpulse.digests.sections import SECTIONS, Inputs, Part
from cxpulse.reports import Direct

if TYPE_CHECKING:
    from cxpulse.workspace import Workspace


@dataclass
class Composed:
    digest: Digest
    period: Period
    data: dict[str, dict[str, Any]]  # section name -> its data (JSON-ready)
    base_url: str
    _ws: Workspace = field(repr=False)
    _parts: dict[str, list[Part]] = field(default_factory=dict, repr=False)

    def parts(self, lang: str) -> list[Part]:
        if lang not in self._parts:
            sections = self._ws.kinds[SECTIONS]
            self._parts[lang] = [sections.get(n).render(d, lang) for n, d in self.data.items()]
        return self._parts[lang]

    def email(self, lang: str) -> Rendered:
        return render_email(self.digest.name, self.period, self.parts(lang), lang, self.base_url)

    def slack(self, lang: str) -> dict[str, Any]:
        return slack_blocks(self.digest.name, self.period, self.parts(lang), lang, self.base_url)

    def to_dict(self) -> dict[str, Any]:
        return {"digest": self.digest.name, "period": self.period.label,
                "start": self.period.start.isoformat(), "end": self.period.end.isoformat(),
                "sections": self.data}  # fmt: skip


def compose(ws: Workspace, digest: Digest, period: Period, now: datetime) -> Composed:
    """Compute every section of ``digest`` for ``period`` (the reports see the day after it
    as today, so the period is their last complete one)."""
    inputs = Inputs(Direct(ws, today=period.after), ws.kinds, period, now)
    sections = ws.kinds[SECTIONS]
    data = {name: sections.get(name).build(inputs) for name in digest.sections}
    return Composed(digest, period, data, ws.settings.public_url, ws)
