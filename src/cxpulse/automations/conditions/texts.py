"""What the conditions on what customers wrote share (``theme``, ``sentiment``, ``keyword``):
where to look (``in``: comments, tickets, mentions; all three by default), the texts that
arrived in the window with their annotation, and one hit per text that matches.

The cause is ``table:key`` (a comment, a ticket, a mention); its customer is the row's, or ""
for a mention by someone who is not a known customer (a public review): the case it opens names
the platform, the author and the link instead. A condition that reads the annotation (theme,
sentiment) never judges a text whose annotation is missing or was made from another text: it
leaves it for a later run and says so (:meth:`waiting`), rather than read it as neutral.
"""

from __future__ import annotations

from abc import abstractmethod
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

import ibis
import pandas as pd

from cxpulse.automations.conditions.base import Condition, Hit, text_or_none
from cxpulse.automations.values import pick
from cxpulse.schema import TEXT_ANNOTATIONS_TABLE
from cxpulse.text.annotate import SOURCES, md5

if TYPE_CHECKING:
    from cxpulse.context import Context
    from cxpulse.surveys.spec import Where

PLACES = {"comments": "survey_responses", "tickets": "tickets", "mentions": "mentions"}
"""Where the conditions look (``in``), and the table each place's text is in."""
_PLACE_WORDS = {
    "comments": ("a comment", "un commentaire"),
    "tickets": ("a ticket subject", "l'objet d'un ticket"),
    "mentions": ("a mention", "une mention"),
}
# what each place's hit carries besides its text (a case shows them)
_EXTRAS = {
    "comments": ("score", "question_type", "survey_id", "touchpoint", "channel", "ticket_id"),
    "tickets": ("channel", "category"),
    "mentions": ("platform", "author", "url"),
}
_KEYS = {"comments": "response_id", "tickets": "ticket_id", "mentions": "mention_id"}
EXCERPT = 140  # characters of the text a case summary quotes


def places(raw: Any, where: Where) -> tuple[str, ...]:
    """``in``: one place or a list of them (default all three), in the order of PLACES."""
    if raw is None:
        return tuple(PLACES)
    listed = [raw] if isinstance(raw, str) else raw
    known = ", ".join(PLACES)
    if not isinstance(listed, list) or not listed or not all(p in PLACES for p in listed):
        raise where.error("in", f"where to look: one or more of {known}, not {raw!r}")
    return tuple(p for p in PLACES if p in listed)


def in_words(within: tuple[str, ...], lang: str) -> str:
    """ "a comment, a ticket subject or a mention" (in ``lang``)."""
    words = [pick(lang, *_PLACE_WORDS[p]) for p in within]
    if len(words) == 1:
        return words[0]
    return f"{', '.join(words[:-1])} {pick(lang, 'or', 'ou')} {words[-1]}"


@dataclass(frozen=True)
class TextCondition(Condition):
    """A condition on texts; a subclass says which texts match (:meth:`matches`)."""

    # False for a condition on the words alone (keyword): it needs no annotation to judge
    needs_annotation: ClassVar[bool] = True

    @property
    @abstractmethod
    def within(self) -> tuple[str, ...]:
        """The places it looks in (see :data:`PLACES`)."""

    @abstractmethod
    def matches(self, text: str, sentiment: float | None, label: str | None,
                themes: list[str]) -> bool:  # fmt: skip
        """Whether one text (with its annotation; None and [] when it has none) matches."""

    def hits(self, ws: Context, since: datetime, until: datetime) -> list[Hit]:
        found = []
        for place in self.within:
            for x in window(ws, place, since, until).itertuples(index=False):
                if self.needs_annotation and not x.scored:
                    continue  # left for later: see waiting()
                themes = [t for t in (text_or_none(x.themes) or "").split(",") if t]
                sentiment = None if pd.isna(x.sentiment) else float(x.sentiment)
                if self.matches(x.text, sentiment, text_or_none(x.label), themes):
                    found.append(_hit(self.name, place, x, sentiment, themes))
        return found

    def waiting(self, ws: Context, since: datetime, until: datetime) -> str | None:
        if not self.needs_annotation:
            return None
        left = []
        for place in self.within:
            w = window(ws, place, since, until, frame=False)
            n = int(w.filter(~w.scored).count().execute())
            if n:
                left.append(f"{n} {place if n > 1 else place[:-1]}")
        if not left:
            return None
        return (f"{', '.join(left)} not annotated yet (the text phase failed or is behind): "
                "judged once annotated, never as neutral")  # fmt: skip

    def summary(self, hit: Hit) -> str:
        return text_summary(self.name, hit)


def window(ws: Context, place: str, since: datetime, until: datetime, frame: bool = True) -> Any:
    """The place's texts in (since, until] with their annotation (``scored``: made from this
    very text); a DataFrame, or the Ibis table when ``frame`` is False."""
    source = SOURCES[PLACES[place]]
    t = ws.table(source.table)
    text, at = t[source.text], t[source.time]
    t = t.filter(text.notnull() & (text.strip() != "") & (at > since) & (at <= until))
    rows = t.select(key=t[source.key].cast("string"), customer_id=t.customer_id, at=at,
                    text=text, text_hash=md5(text),
                    **{f"x_{c}": t[c] for c in _EXTRAS[place]})  # fmt: skip
    if ws.store.has_table(TEXT_ANNOTATIONS_TABLE):
        a = ws.store.table(TEXT_ANNOTATIONS_TABLE)
        a = a.filter(a.table_name == source.table)
        a = a.select(_key=a.row_key, _hash=a.text_hash, sentiment=a.sentiment, label=a.label,
                     themes=a.themes)  # fmt: skip
        rows = rows.left_join(a, rows.key == a._key)
        rows = rows.mutate(scored=ibis.coalesce(rows._hash == rows.text_hash, False))
        rows = rows.drop("_key", "_hash")
    else:  # a store that keeps no annotations (Spark): nothing is ever scored
        rows = rows.mutate(sentiment=ibis.null("float64"), label=ibis.null("string"),
                           themes=ibis.null("string"), scored=ibis.literal(False))  # fmt: skip
    return rows.execute() if frame else rows


def _hit(name: str, place: str, x: Any, sentiment: float | None, themes: list[str]) -> Hit:
    detail: dict[str, Any] = {
        # the words also as "comment": what an email's {comment} placeholder shows
        "type": name, "in": place, _KEYS[place]: x.key, "text": x.text, "comment": x.text,
        "sentiment": sentiment, "label": text_or_none(x.label), "themes": themes,
    }  # fmt: skip
    for column in _EXTRAS[place]:
        value = getattr(x, f"x_{column}")
        detail[column] = None if value is None or pd.isna(value) else value
    if detail.get("score") is not None:
        detail["score"] = int(detail["score"])
    customer = text_or_none(x.customer_id) or ""
    return Hit(customer, f"{PLACES[place]}:{x.key}", x.at.to_pydatetime(), detail)


def text_summary(kind: str, hit: Hit) -> str:
    """One line for a case: what matched, where, who wrote it (a mention's platform, author
    and link, since its author may be no known customer) and the start of the text."""
    d = hit.detail
    text = str(d.get("text") or "")
    quote = text if len(text) <= EXCERPT else text[: EXCERPT - 1] + "…"
    where = d.get("in", "mentions")
    if where == "mentions":
        by = f" by {d['author']}" if d.get("author") else ""
        link = f" ({d['url']})" if d.get("url") else ""
        return f"{kind}: {d.get('platform') or 'a mention'}{by}{link}: “{quote}”"
    return f"{kind}: {where[:-1]} {d.get(_KEYS[where])}: “{quote}”"
