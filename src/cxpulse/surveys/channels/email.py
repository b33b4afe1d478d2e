"""The email channel: the survey email with score links, over the workspace's SMTP server.

The message is built when it is sent (:func:`cxpulse.surveys.email.survey_email`), so the outbox
row only names its delivery; a customer needs an email address (and, as for every channel, no
unsubscribe; consent as the audience says).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

from cxpulse.surveys.channels.base import Channel, Message, Rule, Send, Transports

if TYPE_CHECKING:
    from cxpulse.context import Context
    from cxpulse.surveys.definition import Survey

SURVEY_EMAIL = "survey_email"  # the outbox kind of survey emails


@dataclass(frozen=True)
class Email(Channel):
    name: ClassVar[str] = "email"

    def reachable(self) -> list[Rule]:
        return [("no email address", lambda c: c.email.notnull())]

    def address(self, customer: Mapping[str, Any]) -> str | None:
        email = customer.get("email")
        return email if isinstance(email, str) and email else None

    def message(
        self, ws: Context, survey: Survey, delivery: dict[str, Any], now: datetime
    ) -> Message:
        body = json.dumps({"delivery_key": delivery["delivery_key"]})
        return Message(SURVEY_EMAIL, str(delivery["address"]), body)

    @classmethod
    def senders(cls, ws: Context, now: datetime, out: Transports) -> dict[str, Send]:
        # the SMTP side reads stored surveys, which are parsed with these channels
        from cxpulse.surveys.email import email_blocked, survey_email

        if email_blocked(ws.settings) is not None:
            return {}  # they wait in the outbox until the SMTP server and sender are set

        def send(row: dict[str, Any]) -> None:
            with out.hold():  # reads the delivery and the survey
                msg = survey_email(ws, row, now)
            out.mailer.send(msg)

        return {SURVEY_EMAIL: send}
