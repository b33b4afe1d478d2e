"""The email channel end to end with a real SMTP server (aiosmtpd on a free port)."""

from __future__ import annotations

import email
import email.policy
import re
import socket
from collections.abc import Iterator
from contextlib import contextmanager
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
    """A real SMTP server's mailbox; ``replies`` (consumed in order) answer the next messages
    with an SMTP error instead, as a busy or strict server would."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.replies: list[str] = []
        self.refuse: dict[str, str] = {}  # address -> reply to RCPT TO

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.replies:
            return self.replies.pop(0)
        msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(msg, EmailMessage)
        self.messages.append(msg)
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def smtp_server(box: Inbox) -> Iterator[tuple[Inbox, int]]:
    """A real SMTP server (aiosmtpd) on a free local port, delivering into ``box``."""
    port = free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield box, port
    finally:
        controller.stop()


@pytest.fixture
def inbox() -> Iterator[tuple[Inbox, int]]:
    with smtp_server(Inbox()) as served:
        yield served


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
    assert msg["List-Unsubscribe"] == f"<{stop}>" and stop.startswith("https://")
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"  # RFC 8058
    assert follow_link(ws, stop, NOW + timedelta(hours=3)) == "unsubscribed alice"
    c = ws.table("customers")
    assert not c.filter(c.customer_id == "alice").email_consent.execute().iloc[0]


def test_without_smtp_host_emails_stay_queued(ws: Workspace, tmp_path: Path) -> None:
    setup(ws, tmp_path, SUPPORT_CSAT)
    add_rows(ws, "tickets", [{"customer_id": "bob", "created_at": NOW - timedelta(days=2),
                              "solved_at": NOW - timedelta(hours=25)}])  # fmt: skip
    assert run_surveys(ws, NOW).queued == 1


def _smtp(ws: Workspace, port: int) -> None:
    for key, value in {"smtp_host": "127.0.0.1", "smtp_port": str(port), "smtp_starttls": "false",
                       "email_from": "feedback@acme.test",
                       "public_url": "https://cx.acme.test/"}.items():  # fmt: skip
        ws.set_setting(key, value)


def _ticket(ws: Workspace, customer: str) -> None:
    add_rows(ws, "tickets", [{"customer_id": customer, "created_at": NOW - timedelta(days=2),
                              "solved_at": NOW - timedelta(hours=25)}])  # fmt: skip


def _outbox(ws: Workspace) -> list[tuple[str, int]]:
    rows = ws.store.table("automation_outbox").execute()
    return [(r.status, int(r.attempts)) for r in rows.itertuples()]


def test_a_busy_server_is_tried_again_later_and_a_refused_address_given_up(
    ws: Workspace, tmp_path: Path, inbox: tuple[Inbox, int]
) -> None:
    box, port = inbox
    _smtp(ws, port)
    setup(ws, tmp_path, SUPPORT_CSAT)
    box.refuse["a@x.io"] = "550 5.1.1 no such mailbox"
    _ticket(ws, "alice")
    box.replies = ["451 4.3.0 try again later"]
    first = run_surveys(ws, NOW)
    assert (first.sent, first.failed, first.queued) == (0, 1, 0)  # alice: refused for good
    d = ws.store.table("survey_deliveries").execute()
    assert d.status.tolist() == ["failed"] and "550" in d.last_error.iloc[0]
    assert ws.table("survey_invitations").delivered.execute().tolist() == [False]

    _ticket(ws, "bob")
    later = NOW + timedelta(hours=1)
    assert run_surveys(ws, later).queued == 1  # 451: waits a minute, then tries again
    assert box.messages == [] and ("pending", 1) in _outbox(ws)
    again = run_surveys(ws, later + timedelta(minutes=1))
    assert (again.sent, again.queued) == (1, 0) and len(box.messages) == 1
    assert ("sent", 2) in _outbox(ws)


def test_a_crash_after_the_claim_sends_each_email_once(
    ws: Workspace, tmp_path: Path, inbox: tuple[Inbox, int]
) -> None:
    from cxpulse.surveys.email import send_queued

    box, port = inbox
    _smtp(ws, port)
    setup(ws, tmp_path, SUPPORT_CSAT)
    _ticket(ws, "alice")
    _ticket(ws, "bob")
    run_surveys(ws, NOW, send=False)

    class Killed(BaseException):
        """The process dies after the claim committed, before any email left."""

    def dying(host: str, port: int) -> Any:
        raise Killed

    with pytest.raises(Killed):
        send_queued(ws, NOW, smtp=dying)
    assert _outbox(ws) == [("sending", 1), ("sending", 1)]
    assert send_queued(ws, NOW + timedelta(minutes=1)) == (0, 0, 2)  # the claim is still fresh
    assert send_queued(ws, NOW + timedelta(minutes=6)) == (2, 0, 0)  # a stale claim is taken over
    assert send_queued(ws, NOW + timedelta(minutes=20)) == (0, 0, 0)
    assert sorted(m["To"] for m in box.messages) == ["a@x.io", "b@x.io"]
    ids = {m["Message-ID"] for m in box.messages}
    assert len(ids) == 2 and all(i.endswith(".cxpulse@acme.test>") for i in ids)


def test_an_email_waiting_past_its_survey_closing_is_not_sent(
    ws: Workspace, tmp_path: Path, inbox: tuple[Inbox, int]
) -> None:
    box, port = inbox
    setup(ws, tmp_path, SUPPORT_CSAT)
    _ticket(ws, "alice")
    assert run_surveys(ws, NOW).queued == 1  # no SMTP server yet: it waits
    _smtp(ws, port)
    late = run_surveys(ws, NOW + timedelta(days=15))  # the link expired after 14 days
    assert (late.sent, late.failed) == (0, 1) and box.messages == []
    d = ws.store.table("survey_deliveries").execute()
    assert "closed" in d.last_error.iloc[0]
