"""Survey definitions, written in YAML (or as a Python dict) and checked before they are stored.

A survey names its touchpoint, its questions (texts in English and French), when it is asked
(its trigger), to whom (its audience) and how it competes with other surveys (priority, minimum
gap). Every problem is reported with the file and the field, so a typo is fixed in one look.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cxpulse.errors import ConfigError
from cxpulse.kinds import Registry
from cxpulse.schema import LANGUAGES
from cxpulse.surveys.channels import CHANNELS, Channel, Webhook, Widget
from cxpulse.surveys.spec import (
    Audience,
    FollowUp,
    Trigger,
    Where,
    parse_audience,
    parse_trigger,
    read_yaml,
    texts,
)

QUESTION_TYPES = ("nps", "csat", "ces", "single_choice", "multiple_choice", "text")
QUESTION_FIELDS = ("id", "type", "text", "points", "polarity", "choices", "follow_up")
FOLLOW_UP_FIELDS = ("scores", "text")
SCALES = {"nps": (11,), "csat": (3, 5, 7, 10), "ces": (5, 7)}
CES_POLARITIES = ("high_is_easy", "high_is_hard")
DEFAULT_SUBJECT = {"en": "A quick question", "fr": "Une petite question"}
FIELDS = {
    "id", "name", "touchpoint", "questions", "trigger", "audience", "priority",
    "min_gap_days", "expires_days", "channel", "subject", "intro", "reminder_after_days",
    "fatigue",
}  # fmt: skip
# and each channel's own fields (webhook_url, widget...), from the channels' registry


@dataclass(frozen=True)
class Question:
    id: str
    type: str
    text: dict[str, str]
    points: int | None = None  # scored questions: how many points the scale has
    polarity: str = "high_is_good"
    choices: tuple[dict[str, str], ...] = ()
    follow_up: tuple[FollowUp, ...] = ()

    @property
    def scored(self) -> bool:
        return self.type in SCALES

    @property
    def scale(self) -> tuple[int, int]:
        """(lowest, highest) score: 0-10 for NPS, 1-N otherwise."""
        if self.type == "nps":
            return 0, 10
        return 1, int(self.points or 0)

    def follow_up_text(self, score: int, language: str) -> str | None:
        """The follow-up wording for this score (e.g. 'what went wrong?' for a detractor)."""
        for rule in self.follow_up:
            if rule.low <= score <= rule.high:
                return rule.text.get(language) or rule.text["en"]
        return None


@dataclass(frozen=True)
class Survey:
    id: str
    name: str
    touchpoint: str
    questions: tuple[Question, ...]
    trigger: Trigger
    via: Channel  # the survey's channel, holding its own fields (webhook URL, widget pages)
    audience: Audience = field(default_factory=Audience)
    priority: int = 0
    min_gap_days: float = 90.0
    fatigue_exempt: bool = False  # `fatigue: exempt`: a follow-up outside the global budget
    expires_days: float = 14.0
    subject: dict[str, str] = field(default_factory=dict)
    intro: dict[str, str] = field(default_factory=dict)
    reminder_after_days: float | None = None  # one reminder if unanswered; None: no reminder
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def channel(self) -> str:
        """The channel's name, as the definition says it (email, webhook, widget...)."""
        return self.via.name

    @property
    def invitation_channel(self) -> str:
        """The canonical channel recorded on invitations and responses."""
        return self.via.canonical

    @property
    def webhook_url(self) -> str:
        """Where a webhook survey posts its link ('' for another channel)."""
        return self.via.url if isinstance(self.via, Webhook) else ""

    @property
    def widget(self) -> Widget | None:
        """Where a widget survey shows (None for another channel)."""
        return self.via if isinstance(self.via, Widget) else None

    def question(self, question_id: str) -> Question:
        for q in self.questions:
            if q.id == question_id:
                return q
        raise ConfigError(f"survey {self.id!r} has no question {question_id!r}")


def pick_language(preferred: str | None, available: tuple[str, ...] = LANGUAGES) -> str:
    """The customer's language if the survey speaks it ('fr-CA' -> 'fr'), else English."""
    code = (preferred or "").strip().lower().replace("_", "-").split("-")[0]
    return code if code in available else "en"


def load_survey(path: str | Path, channels: Registry[type[Channel]] | None = None) -> Survey:
    """Read and check a survey YAML file (``channels``: as for :func:`survey_from_dict`)."""
    return survey_from_dict(read_yaml(path, "a survey"), source=str(path), channels=channels)


def survey_from_dict(
    data: Any, source: str = "<survey>", channels: Registry[type[Channel]] | None = None
) -> Survey:
    """Check a survey written as a dict (the YAML file's content) and build it.

    ``channels``: the survey channels it may use, a workspace's (``ws.kinds[CHANNELS]``);
    the built-ins when None."""
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: a survey is a mapping with id, touchpoint, questions, ...")
    channels = channels if channels is not None else CHANNELS.builtins()
    where = Where(source)
    own = {field for channel in channels for field in channel.fields}
    where.only(data, sorted(FIELDS | own))
    survey_id = _required(data, where, "id", "required: a short name such as 'support-csat'")
    touchpoint = _required(
        data, where, "touchpoint", "required: the journey step, e.g. support, delivery"
    )
    questions = _questions(data.get("questions"), where)
    via = _channel(data, where, channels)
    trigger = _trigger(data, where, via)
    exempt = _fatigue(data, where)  # before the reminder, as always: the first problem shows
    reminder = _reminder(data, where, via)
    return Survey(
        id=survey_id,
        name=str(data.get("name") or data["id"]),
        touchpoint=touchpoint,
        questions=questions,
        trigger=trigger,
        via=via,
        audience=parse_audience(data.get("audience"), where.sub("audience")),
        priority=where.integer(data, "priority", 0),
        min_gap_days=where.number(data, "min_gap_days", 90.0),
        fatigue_exempt=exempt,
        expires_days=where.number(data, "expires_days", 14.0, minimum=0.01),
        subject=texts(data.get("subject", DEFAULT_SUBJECT), where.sub("subject")),
        intro=texts(data.get("intro", {"en": "", "fr": ""}), where.sub("intro"), empty_ok=True),
        reminder_after_days=reminder,
        raw=data,
    )


def _required(data: dict[str, Any], where: Where, key: str, message: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value.strip():
        raise where.error(key, message)
    return value.strip()


def _questions(questions: Any, where: Where) -> tuple[Question, ...]:
    if not isinstance(questions, list) or not questions:
        raise where.error("questions", "required: a list with at least one question")
    parsed = tuple(_question(q, where.sub(f"questions[{i}]")) for i, q in enumerate(questions))
    ids = [q.id for q in parsed]
    if len(set(ids)) != len(ids):
        raise where.error("questions", f"question ids must be unique, got {ids}")
    return parsed


def _channel(data: dict[str, Any], where: Where, channels: Registry[type[Channel]]) -> Channel:
    """The survey's channel, parsed from its own fields; another channel's field is refused
    (it would be ignored)."""
    name = data.get("channel", "email")
    if not isinstance(name, str) or name not in channels:
        raise where.error("channel", f"{name!r} is not one of {', '.join(channels.names())}")
    kind = channels.get(name)
    for other in channels:
        given = [f for f in other.fields if f in data and f not in kind.fields]
        if given:
            raise where.error(other.fields[0], f"only for channel: {other.name}")
    return kind.parse(data, where)


def _trigger(data: dict[str, Any], where: Where, via: Channel) -> Trigger:
    if via.sent:
        return parse_trigger(data.get("trigger"), where.sub("trigger"))
    if "trigger" in data:  # shown when a visitor is on a chosen page, never due by itself
        raise where.error("trigger", f"a {via.name} survey shows on pages; it takes no trigger")
    return Trigger("none")


def _fatigue(data: dict[str, Any], where: Where) -> bool:
    """Whether the survey is exempt from the fatigue budget."""
    fatigue = data.get("fatigue", "budget")
    if fatigue not in ("budget", "exempt"):
        raise where.error(
            "fatigue",
            "budget (the default: at most one survey per customer per survey_fatigue_days) or "
            "exempt (a follow-up the customer expects, such as a re-survey after a resolved case)",
        )
    return bool(fatigue == "exempt")


def _reminder(data: dict[str, Any], where: Where, via: Channel) -> float | None:
    if data.get("reminder_after_days") is None:
        return None
    if not via.sent:
        raise where.error("reminder_after_days", f"a {via.name} survey cannot be reminded")
    return where.number(data, "reminder_after_days", 0, minimum=0.01)


def _question(data: Any, where: Where) -> Question:
    if not isinstance(data, dict):
        raise where.error("", "a question is a mapping with id, type and text")
    where.only(data, QUESTION_FIELDS)  # a misspelt pionts would read as a wrong points value
    qid = data.get("id")
    if not isinstance(qid, str) or not qid.strip():
        raise where.error("id", "required: e.g. recommend, effort, comment")
    kind = data.get("type")
    if kind is None:
        raise where.error("type", f"required: one of {', '.join(QUESTION_TYPES)}")
    if kind not in QUESTION_TYPES:
        raise where.error("type", f"{kind!r} is not one of {', '.join(QUESTION_TYPES)}")
    points, polarity = _scale(kind, data, where)
    choices = _choices(kind, data, where)
    follow = data.get("follow_up", [])
    if not isinstance(follow, list) or (follow and points is None):
        raise where.error("follow_up", "only scored questions take a list of follow-ups")
    return Question(
        id=qid.strip(),
        type=kind,
        text=texts(data.get("text"), where.sub("text")),
        points=points,
        polarity=polarity,
        choices=choices,
        follow_up=tuple(_follow(f, where.sub(f"follow_up[{i}]")) for i, f in enumerate(follow)),
    )


def _scale(kind: str, data: dict[str, Any], where: Where) -> tuple[int | None, str]:
    """A scored question's points and polarity (None points: not scored)."""
    points: int | None = None
    if kind == "nps":
        points = 11
    elif kind in ("csat", "ces"):
        points = data.get("points")
        if points not in SCALES[kind]:
            allowed = " or ".join(str(p) for p in SCALES[kind])
            raise where.error("points", f"a {kind.upper()} scale has {allowed} points")
    if kind != "ces":
        return points, "high_is_good"
    polarity = data.get("polarity", "")
    if polarity not in CES_POLARITIES:
        raise where.error(
            "polarity", "a CES question needs high_is_easy or high_is_hard (what 7 means)"
        )
    return points, str(polarity)


def _choices(kind: str, data: dict[str, Any], where: Where) -> tuple[dict[str, str], ...]:
    if kind not in ("single_choice", "multiple_choice"):
        return ()
    raw_choices = data.get("choices")
    if not isinstance(raw_choices, list) or len(raw_choices) < 2:
        raise where.error("choices", "a choice question lists at least two choices")
    return tuple(texts(c, where.sub(f"choices[{i}]")) for i, c in enumerate(raw_choices))


def _follow(data: Any, where: Where) -> FollowUp:
    if not isinstance(data, dict) or "scores" not in data:
        raise where.error("scores", "a follow-up says which scores it follows, e.g. '0-6'")
    where.only(data, FOLLOW_UP_FIELDS, "unknown field; a follow-up takes scores and text")
    text = str(data["scores"])
    low, sep, high = text.partition("-")
    try:
        lo, hi = int(low), int(high if sep else low)
    except ValueError:
        raise where.error("scores", f"{text!r} is not a score range such as 0-6 or 10") from None
    return FollowUp(lo, hi, texts(data.get("text"), where.sub("text")))
