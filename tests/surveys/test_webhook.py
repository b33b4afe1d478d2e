"""The webhook channel: the signed link posted as JSON to a real HTTP receiver through the
automation outbox, retried with backoff, answerable, reminded once."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from cxpulse import Workspace
from cxpulse.automations.outbox import deliver
from cxpulse.errors import ConfigError
from cxpulse.surveys import run_surveys, survey_from_dict
from cxpulse.surveys.links import respond, survey_for_token
from cxpulse.surveys.store import add_survey
from cxpulse.surveys.unsubscribe import unsubscribe
from tests.automations.conftest import Hooks
from tests.conftest import add_rows
from tests.surveys.helpers import SUPPORT_CSAT, write
from tests.surveys.test_run import NOW, customers


def webhook_survey(url: str) -> str:
    return SUPPORT_CSAT.replace(
        "min_gap_days: 30",
        f"min_gap_days: 30\nchannel: webhook\nwebhook_url: {url}\nwebhook_channel: sms\n"
        "reminder_after_days: 2",
    )


def test_link_posted_retried_answered_and_reminded(
    ws: Workspace, tmp_path: Path, hooks: Hooks
) -> None:
    ws.set_setting("public_url", "https://cx.acme.test")
    customers(ws)
    add_survey(ws, write(tmp_path, "sms", webhook_survey(hooks.url)), NOW)
    add_rows(ws, "tickets", [{"customer_id": cid, "created_at": NOW - timedelta(days=2),
                              "solved_at": NOW - timedelta(hours=25)}
                             for cid in ("alice", "dan")])  # fmt: skip
    report = run_surveys(ws, NOW)
    # dan has no email address, which a webhook survey does not need
    assert sorted(d.candidate.customer_id for d in report.invited) == ["alice", "dan"]
    inv = ws.table("survey_invitations").execute()
    assert set(inv.channel) == {"sms"} and inv.delivered.isna().all()

    hooks.fail_next = [500]  # the provider is down once: retried after the backoff
    first = deliver(ws, NOW)
    assert (first.sent, first.retrying) == (1, 1)
    assert deliver(ws, NOW + timedelta(seconds=30)).sent == 0  # still backing off
    assert deliver(ws, NOW + timedelta(minutes=1)).sent == 1
    assert deliver(ws, NOW + timedelta(minutes=5)).sent == 0  # nothing twice
    bodies = {h["body"]["customer_id"]: h for h in hooks.received}
    assert set(bodies) == {"alice", "dan"}
    alice = bodies["alice"]["body"]
    assert set(alice) >= {"customer_id", "invitation_id", "survey", "language", "link",
                          "question"}  # fmt: skip
    assert (alice["survey"], alice["language"], alice["reminder"]) == ("support-csat", "fr", False)
    assert alice["question"] == "Êtes-vous satisfait ?"
    assert bodies["alice"]["key"] == f"survey:{alice['invitation_id']}:webhook"
    assert alice["link"].startswith("https://cx.acme.test/s/")

    # the link works: the page content, then an answer recorded with the provider's channel
    token = urlsplit(alice["link"]).path.split("/")[-1]
    view = survey_for_token(ws, token, NOW + timedelta(hours=1))
    assert view["questions"][0]["text"] == "Êtes-vous satisfait ?"
    assert view["questions"][0]["scale"] == [1, 5]
    respond(ws, token, {"satisfaction": {"score": 5}}, NOW + timedelta(hours=1))
    row = ws.table("survey_responses").execute().iloc[0]
    assert (row.score, row.channel, row.touchpoint) == (5, "sms", "support")

    # the next run copies the outcome back; dan (unanswered) gets one reminder post
    run_surveys(ws, NOW + timedelta(days=2, hours=1))
    inv = ws.table("survey_invitations").execute()
    assert inv.delivered.tolist() == [True, True]
    assert deliver(ws, NOW + timedelta(days=2, hours=1)).sent == 1
    reminder = hooks.received[-1]["body"]
    assert (reminder["customer_id"], reminder["reminder"]) == ("dan", True)
    assert reminder["link"] == bodies["dan"]["body"]["link"]  # the same signed link
    assert run_surveys(ws, NOW + timedelta(days=3)).reminders == []
    assert deliver(ws, NOW + timedelta(days=3)).sent == 0


def test_unsubscribe_cancels_a_queued_post(ws: Workspace, tmp_path: Path, hooks: Hooks) -> None:
    customers(ws)
    add_survey(ws, write(tmp_path, "sms", webhook_survey(hooks.url)), NOW)
    add_rows(ws, "tickets", [{"customer_id": "alice", "created_at": NOW - timedelta(days=2),
                              "solved_at": NOW - timedelta(hours=25)}])  # fmt: skip
    run_surveys(ws, NOW)
    payload = ws.store.table("automation_outbox").payload.execute().iloc[0]
    token = payload.split("/s/")[1].split('"')[0]
    assert unsubscribe(ws, token, NOW + timedelta(minutes=1)) == "alice"
    assert deliver(ws, NOW + timedelta(minutes=2)).sent == 0
    assert hooks.received == []
    status = ws.store.table("survey_deliveries").status.execute().tolist()
    assert status == ["unsubscribed"]


def test_webhook_definition_errors() -> None:
    base = {"id": "s", "touchpoint": "t", "trigger": {"every": "90 days"},
            "questions": [{"id": "q", "type": "nps", "text": "?"}]}  # fmt: skip
    with pytest.raises(ConfigError, match="webhook_url.*http"):
        survey_from_dict({**base, "channel": "webhook"})
    with pytest.raises(ConfigError, match="webhook_channel"):
        survey_from_dict({**base, "channel": "webhook", "webhook_url": "https://x.io",
                          "webhook_channel": "email"})  # fmt: skip
    with pytest.raises(ConfigError, match="only for channel: webhook"):
        survey_from_dict({**base, "webhook_url": "https://x.io"})
    with pytest.raises(ConfigError, match="'fax' is not one of email, webhook, widget"):
        survey_from_dict({**base, "channel": "fax"})
    ok = survey_from_dict({**base, "channel": "webhook", "webhook_url": "https://x.io"})
    assert (ok.invitation_channel, ok.webhook_url) == ("other", "https://x.io")
