"""The email channel end to end with a real SMTP server (aiosmtpd on a free port)."""

from __future__ import annotations

import email
import email.policy
import re
import socket
from collections.abc import Iterator
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from cxpulse import Workspace
from cxpulse.surveys import run_surveys
from cxpulse.surveys.email import follow_link
from tests.conftest import add_rows
from tests.surveys.helpers import SUPPORT_CSAT
from tests.surveys.test_run import NOW, setup


class Inbox:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(msg, EmailMessage)
        self.messages.append(msg)
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def inbox() -> Iterator[tuple[Inbox, int]]:
    box, port = Inbox(), free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield box, port
    finally:
        controller.stop()


def test_survey_email_sent_and_a_score_link_followed(
    ws: Workspace, tmp_path: Path, inbox: tuple[Inbox, int]
) -> None:
    box, port = inbox
    for key, value in {"smtp_host": "127.0.0.1", "smtp_port": str(port), "smtp_starttls": "false",
                       "email_from": "feedback@acme.test",
                       "public_url": "https://cx.acme.test/"}.items():  # fmt: skip
        ws.set_setting(key, value)
    setup(ws, tmp_path, SUPPORT_CSAT)
    add_rows(ws, "tickets", [{"customer_id": "alice", "created_at": NOW - timedelta(days=2),
                              "solved_at": NOW - timedelta(hours=25)}])  # fmt: skip
    report = run_surveys(ws, NOW)
    assert (report.sent, report.failed, report.queued) == (1, 0, 0)
    assert ws.table("survey_invitations").delivered.execute().tolist() == [True]
    status = ws.store.table("survey_deliveries").status.execute().tolist()
    assert status == ["sent"]
    (msg,) = box.messages
    assert msg["To"] == "a@x.io" and msg["Subject"] == "Comment nous en sommes-nous sortis ?"
    text = msg.get_body(("plain",))
    page = msg.get_body(("html",))
    assert text is not None and page is not None
    assert "Êtes-vous satisfait ?" in text.get_content()
    links = re.findall(r'href="([^"]+)"', page.get_content())
    scores = [link.replace("&amp;", "&") for link in links if "score=" in link]
    assert len(scores) == 5 and all(s.startswith("https://cx.acme.test/s/") for s in scores)
    assert follow_link(ws, scores[3], NOW + timedelta(hours=2)).startswith("recorded")
    row = ws.table("survey_responses").execute().iloc[0]
    assert (row.score, row.touchpoint, row.language) == (4, "support", "fr")

    # nothing left to send; the unsubscribe link turns consent off at once
    assert run_surveys(ws, NOW + timedelta(hours=1)).sent == 0
    stop = next(link for link in links if link.endswith("/unsubscribe"))
    assert msg["List-Unsubscribe"] == f"<{stop}>"
    assert follow_link(ws, stop, NOW + timedelta(hours=3)) == "unsubscribed alice"
    c = ws.table("customers")
    assert not c.filter(c.customer_id == "alice").email_consent.execute().iloc[0]


def test_without_smtp_host_emails_stay_queued(ws: Workspace, tmp_path: Path) -> None:
    setup(ws, tmp_path, SUPPORT_CSAT)
    add_rows(ws, "tickets", [{"customer_id": "bob", "created_at": NOW - timedelta(days=2),
                              "solved_at": NOW - timedelta(hours=25)}])  # fmt: skip
    assert run_surveys(ws, NOW).queued == 1
