"""What a survey channel is: one small class per way a survey reaches a customer.

A channel class has a ``name`` (what a definition's ``channel:`` says) and answers, for one
survey, the questions every part of the survey machinery used to ask with a string compare:

- :meth:`Channel.parse`: its own YAML fields of the definition (``fields``), checked;
- :attr:`Channel.canonical`: the ``survey_invitations`` / ``survey_responses`` channel it
  records (``email``, ``web``, the provider's ``sms``...);
- :meth:`Channel.reachable`: which customers it can reach at all (audience rules);
- :meth:`Channel.address`: where one customer's delivery goes;
- :meth:`Channel.message`: the outbox row that delivers it, and :meth:`Channel.senders`: how
  the outbox sends rows of that kind, over the transports it already has (SMTP, HTTP);
- ``sent = False`` and :meth:`Channel.shows_on`: a channel shown on a page instead (the widget).

The built-ins are listed once in :data:`cxpulse.surveys.channels.DEFAULT`; a workspace holds
its own registry (``ws.kinds[CHANNELS]``), so a test or a plugin adds one without touching the
others.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from cxpulse.context import Context
    from cxpulse.store.outbox import Hold
    from cxpulse.surveys.definition import Survey
    from cxpulse.surveys.email import Mailer
    from cxpulse.surveys.spec import Where

Rule = tuple[str, Callable[[Any], Any]]  # (what a customer it cannot reach lacks, predicate)
Send = Callable[[dict[str, Any]], None]  # sends one claimed outbox row, or raises
Post = Callable[[str, bytes, dict[str, str]], int]  # url, body, headers -> HTTP status


@dataclass(frozen=True)
class Message:
    """What a channel queues for one delivery: an ``automation_outbox`` row's kind (which
    sender takes it), target and payload."""

    kind: str
    target: str
    payload: str


@dataclass
class Transports:
    """The ways out the outbox has for one send pass: one SMTP session, one HTTP poster, and
    ``hold``, the context store work runs in (the web server's lock)."""

    mailer: Mailer
    post: Post
    hold: Hold

    def post_json(self, row: dict[str, Any]) -> None:
        """POST an outbox row's JSON payload to its target, marked with its outbox key so the
        receiver can drop a repeat."""
        headers = {"Content-Type": "application/json", "User-Agent": "cxpulse",
                   "X-Cxpulse-Delivery": str(row["outbox_key"])}  # fmt: skip
        self.post(str(row["target"]), str(row["payload"]).encode(), headers)


class Channel:
    """A survey channel, parsed from one survey definition (its instance holds that
    definition's channel fields). Subclasses set ``name`` and override what differs."""

    name: ClassVar[str]
    fields: ClassVar[tuple[str, ...]] = ()  # the definition fields it reads (only its own)
    secrets: ClassVar[tuple[str, ...]] = ()  # those a reader without edit rights must not see
    sent: ClassVar[bool] = True  # False: shown on a page, never sent (no trigger, no reminder)
    recorded: ClassVar[str] = ""  # the canonical channel it records; "" means its name

    @classmethod
    def parse(cls, data: Mapping[str, Any], where: Where) -> Channel:
        """This channel for a survey definition ``data``, its ``fields`` checked (errors name
        the field through ``where``)."""
        return cls()

    @property
    def canonical(self) -> str:
        """The channel recorded on invitations and responses (one of schema.CHANNELS)."""
        return self.recorded or self.name

    def reachable(self) -> list[Rule]:
        """Audience rules on ``customers`` for who this channel can reach (an address...)."""
        return []

    def address(self, customer: Mapping[str, Any]) -> str | None:
        """Where a delivery to ``customer`` (a customers row) goes; None if nowhere."""
        return None

    def message(
        self, ws: Context, survey: Survey, delivery: dict[str, Any], now: datetime
    ) -> Message:
        """The outbox row content that delivers ``delivery`` (an invitation or a reminder)."""
        raise TypeError(f"a {self.name} survey is shown on pages, never sent")

    def shows_on(self, page_url: str) -> bool:
        """Whether the survey shows on this page (channels that are not sent)."""
        return False

    @classmethod
    def senders(cls, ws: Context, now: datetime, out: Transports) -> dict[str, Send]:
        """How the outbox sends this channel's rows: outbox kind -> send one row. Empty when
        there is nothing to send (or it cannot be sent yet: no SMTP server)."""
        return {}
