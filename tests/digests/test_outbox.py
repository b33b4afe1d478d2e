"""Digests through the outbox: queued once per digest, period and recipient; delivered at
least once to a real SMTP server (aiosmtpd) and a real webhook receiver, with a stable
Message-ID and delivery key, retried with backoff."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar

import pytest

from cxpulse import Workspace
from cxpulse.accounts.users import add_user
from cxpulse.automations.outbox import http_post
from cxpulse.digests.definition import digest_from_dict
from cxpulse.digests.outbox import email_message, queue, send_queued
from cxpulse.digests.schedule import parse_period
from cxpulse.digests.sections import SECTIONS, Inputs, Part, Section
from cxpulse.digests.store import add_digest, get_digest
from cxpulse.surveys.email import delivery_headers
from tests.automations.conftest import Hooks
from tests.surveys.test_email import Inbox

NOW = datetime(2026, 11, 2, 9, 30)  # the demo ends on 2026-10-31
OCTOBER = parse_period("2026-10", "month")
DIGEST = """
name: monthly-cx
schedule: {every: month}
recipients:
  - email: Ana@acme.test
  - role: analyst
channels:
  - email
  - webhook: {url_env: CX_TEST_DIGEST_HOOK}
"""
KEYS = [
    "digest:monthly-cx:2026-10:email:ana@acme.test",
    "digest:monthly-cx:2026-10:email:cara@acme.test",
    "digest:monthly-cx:2026-10:webhook:CX_TEST_DIGEST_HOOK",
]


def _setup(ws: Workspace, tmp_path: Path, port: int = 0) -> None:
    path = tmp_path / "digest.yaml"
    path.write_text(DIGEST, encoding="utf-8")
    add_digest(ws, path, NOW)
    # a role's users get it when their login is an address, in their own language
    add_user(ws, "cara@acme.test", "correct horse battery", "analyst", NOW, language="fr")
    settings = {"smtp_host": "127.0.0.1", "smtp_port": str(port), "smtp_starttls": "false",
                "email_from": "cx@acme.test", "public_url": "https://cx.acme.test"}  # fmt: skip
    for key, value in settings.items():
        ws.set_setting(key, value)


def _outbox(ws: Workspace) -> list[dict[str, object]]:
    rows = ws.store.table("automation_outbox").order_by("outbox_key").execute()
    return [r for r in rows.to_dict("records") if str(r["outbox_key"]).startswith("digest:")]


def test_queued_once_per_digest_period_and_recipient(web_ws: Workspace, tmp_path: Path) -> None:
    _setup(web_ws, tmp_path)
    digest, _ = get_digest(web_ws, "monthly-cx")
    first = queue(web_ws, digest, OCTOBER, NOW)
    assert (len(first.queued), first.already) == (3, 0)
    again = queue(web_ws, digest, OCTOBER, NOW + timedelta(hours=1))
    assert (again.queued, again.already) == ([], 3)
    rows = _outbox(web_ws)
    assert [r["outbox_key"] for r in rows] == KEYS
    assert {r["run_id"] for r in rows} == {"digest:monthly-cx:2026-10"}
    # the webhook's URL is a credential: the outbox holds where to find it, not it
    assert rows[2]["target"] == "env:CX_TEST_DIGEST_HOOK"
    # the French analyst's email is in French, the named address in the digest's English
    subjects = [json.loads(str(r["payload"]))["subject"] for r in rows[:2]]
    assert subjects == [
        "monthly-cx: CX digest for 2026-10",
        "monthly-cx\u00a0: synthèse CX 2026-10",
    ]


def test_delivered_at_least_once_with_a_stable_message_id(
    web_ws: Workspace,
    tmp_path: Path,
    inbox: tuple[Inbox, int],
    hooks: Hooks,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    box, port = inbox
    _setup(web_ws, tmp_path, port)
    monkeypatch.setenv("CX_TEST_DIGEST_HOOK", hooks.url)
    digest, _ = get_digest(web_ws, "monthly-cx")
    queue(web_ws, digest, OCTOBER, NOW)
    box.replies = ["451 4.3.0 try again later"]  # the first email meets a busy server
    hooks.fail_next = [503]  # and the webhook a receiver that is down

    first = send_queued(web_ws, NOW, post=http_post)
    assert (first.sent, first.retrying, first.dead) == (1, 2, 0)
    waiting = [r for r in _outbox(web_ws) if r["status"] == "pending"]
    assert all(r["next_attempt_at"] == NOW + timedelta(minutes=1) for r in waiting)
    assert send_queued(web_ws, NOW, post=http_post).sent == 0  # not before the backoff
    later = send_queued(web_ws, NOW + timedelta(minutes=2), post=http_post)
    assert (later.sent, later.retrying, later.dead) == (2, 0, 0)

    assert sorted(m["To"] for m in box.messages) == ["Ana@acme.test", "cara@acme.test"]
    for msg in box.messages:
        key = msg["X-Cxpulse-Delivery"]
        assert key in KEYS
        # the Message-ID is derived from the key: a repeat after a crash has the same one
        again = next(r for r in _outbox(web_ws) if r["outbox_key"] == key)
        assert email_message(again, "cx@acme.test")["Message-ID"] == msg["Message-ID"]
        text = msg.get_body(("plain",))
        html = msg.get_body(("html",))
        assert text is not None and html is not None
        assert "https://cx.acme.test/?by=month" in text.get_content()
        images = [p for p in msg.walk() if p.get_content_type() == "image/png"]
        assert len(images) == 4 and all(p.get_content().startswith(b"\x89PNG") for p in images)
        for image in images:
            assert f'src="cid:{image["Content-ID"].strip("<>")}"' in html.get_content()
    (hook,) = hooks.received
    assert hook["key"] == KEYS[2]
    assert hook["body"]["blocks"][0]["text"]["text"] == "monthly-cx: CX digest for 2026-10"
    assert any("Net Promoter Score" in b["text"]["text"] for b in hook["body"]["blocks"][1:])


def test_a_webhook_whose_variable_is_unset_waits_and_says_why(
    web_ws: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _setup(web_ws, tmp_path)
    monkeypatch.delenv("CX_TEST_DIGEST_HOOK", raising=False)
    digest, _ = get_digest(web_ws, "monthly-cx")
    queue(web_ws, digest, OCTOBER, NOW)
    web_ws.set_setting("smtp_host", "")  # emails wait for a server: only the webhook is tried
    report = send_queued(web_ws, NOW, post=http_post)
    assert (report.sent, report.retrying) == (0, 1)
    (hook,) = [r for r in _outbox(web_ws) if r["kind"] == "digest_webhook"]
    assert hook["last_error"] == (
        "environment variable CX_TEST_DIGEST_HOOK (the webhook's URL) is not set"
    )


def test_the_message_id_is_the_outbox_keys() -> None:
    from email.message import EmailMessage

    row = {"outbox_key": KEYS[0], "target": "ana@acme.test",
           "payload": json.dumps({"subject": "s", "text": "t", "html": "<p>h</p>",
                                  "charts": []})}  # fmt: skip
    expected = EmailMessage()
    delivery_headers(expected, KEYS[0], "cx@acme.test")
    assert email_message(row, "cx@acme.test")["Message-ID"] == expected["Message-ID"]


class Probe(Section):
    """A section a plugin (or, later, the insights findings) adds: records whether the
    server's lock was held while the digest's data was computed."""

    name = "probe"
    held_while_built: ClassVar[list[int]] = []

    @classmethod
    def build(cls, inputs: Inputs) -> dict[str, Any]:
        cls.held_while_built.append(HELD[0])
        return {"period": inputs.period.label}

    @classmethod
    def render(cls, data: dict[str, Any], lang: str) -> Part:
        return Part("Probe", lines=[f"probed {data['period']} in {lang}"])


HELD = [0]


@contextmanager
def hold() -> Iterator[None]:
    HELD[0] += 1
    try:
        yield
    finally:
        HELD[0] -= 1


def test_a_section_of_its_own_is_computed_outside_the_servers_lock(ws: Workspace) -> None:
    ws.kinds[SECTIONS].add(Probe)
    digest = digest_from_dict(
        {"name": "probe", "schedule": {"every": "month"}, "recipients": ["a@acme.test"],
         "sections": ["probe"]}, "test", tuple(ws.kinds[SECTIONS].names()),
    )  # fmt: skip
    done = queue(ws, digest, OCTOBER, NOW, hold=hold)
    assert done.queued == ["a@acme.test"] and Probe.held_while_built == [0]
    (row,) = _outbox(ws)
    assert "probed 2026-10 in en" in json.loads(str(row["payload"]))["text"]
    assert HELD == [0]
