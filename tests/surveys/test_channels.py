"""Survey channels are registered classes: a throwaway SMS channel, one class plus one
``ws.kinds[CHANNELS].add(Sms)``, works end to end on that workspace (parsed, triggered, budgeted,
delivered by the worker through a real HTTP gateway, answered), and nowhere else."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import urlsplit

import pytest

from cxpulse import Workspace
from cxpulse.automations.worker import run_once
from cxpulse.errors import ConfigError
from cxpulse.surveys import respond, send_to_segment, survey_from_dict
from cxpulse.surveys.channels import (
    CHANNELS,
    DEFAULT,
    Channel,
    Message,
    Rule,
    Send,
    Transports,
    secret_fields,
)
from cxpulse.surveys.store import add_survey
from cxpulse.surveys.triggers import left_out
from cxpulse.surveys.webhook import signed_link
from tests.automations.conftest import Hooks
from tests.conftest import add_rows
from tests.surveys.helpers import SUPPORT_CSAT, write
from tests.surveys.test_run import NOW, customers

if TYPE_CHECKING:
    from cxpulse.surveys.definition import Survey
    from cxpulse.surveys.spec import Where


@dataclass(frozen=True)
class Sms(Channel):
    """The signed link by text message, through an HTTP SMS gateway; the number is in the
    customers column ``phone`` (or the column the definition names: ``sms: {phone: mobile}``)."""

    name: ClassVar[str] = "sms"
    fields: ClassVar[tuple[str, ...]] = ("sms",)

    gateway: str = ""
    phone: str = "phone"

    @classmethod
    def parse(cls, data: Mapping[str, Any], where: Where) -> Sms:
        spec = data.get("sms")
        if not isinstance(spec, dict) or not str(spec.get("gateway", "")).startswith("http"):
            raise where.error("sms", "the gateway's URL: {gateway: https://...}")
        return cls(str(spec["gateway"]), str(spec.get("phone", "phone")))

    def reachable(self) -> list[Rule]:
        return [("no phone number", lambda c: c[self.phone].notnull())]

    def address(self, customer: Mapping[str, Any]) -> str | None:
        return customer.get(self.phone) or None

    def message(
        self, ws: Workspace, survey: Survey, delivery: dict[str, Any], now: datetime
    ) -> Message:
        question = survey.questions[0].text
        text = f"{question.get(str(delivery['language']), question['en'])} "
        body = {"to": delivery["address"], "text": text + signed_link(ws, delivery, now)}
        return Message("sms", self.gateway, json.dumps(body, ensure_ascii=False))

    @classmethod
    def senders(cls, ws: Workspace, now: datetime, out: Transports) -> dict[str, Send]:
        return {"sms": out.post_json}


def sms_survey(gateway: str) -> str:
    return SUPPORT_CSAT.replace("min_gap_days: 30", f"min_gap_days: 30\nchannel: sms\n"
                                f"sms: {{gateway: '{gateway}'}}")  # fmt: skip


def phones(ws: Workspace, numbers: dict[str, str]) -> None:
    """A workspace whose customers carry a phone column (not a canonical column: the SMS
    channel reads it if it is there)."""
    ws.store.con.raw_sql("ALTER TABLE customers ADD COLUMN phone VARCHAR")
    for customer_id, number in numbers.items():
        ws.store.con.raw_sql(
            f"UPDATE customers SET phone = '{number}' WHERE customer_id = '{customer_id}'"
        )


def solved(ws: Workspace, at: datetime, *customer_ids: str) -> None:
    add_rows(ws, "tickets", [{"customer_id": cid, "created_at": at - timedelta(days=1),
                              "solved_at": at} for cid in customer_ids])  # fmt: skip


def test_a_registered_sms_channel_works_end_to_end(
    ws: Workspace, tmp_path: Path, hooks: Hooks
) -> None:
    ws.set_setting("public_url", "https://cx.acme.test")
    customers(ws)
    phones(ws, {"alice": "+33600000001", "dan": "+15550000002", "carol": "+33600000003"})
    path = write(tmp_path, "sms", sms_survey(hooks.url))
    with pytest.raises(ConfigError, match="field 'sms': unknown field"):
        add_survey(ws, path, NOW)  # not a channel of this workspace yet

    ws.kinds[CHANNELS].add(Sms)  # all it takes
    survey = add_survey(ws, path, NOW)
    assert (survey.channel, survey.invitation_channel) == ("sms", "sms")

    # bob has no phone, carol no consent: alice and dan (who has no email) are texted, as
    # `cxpulse why` and a dry run of `cxpulse surveys send` say
    assert left_out(ws, survey, "bob") == ["no phone number"]
    assert left_out(ws, survey, "dan") == []
    dry = send_to_segment(ws, survey.id, {"plan": "basic"}, NOW, dry_run=True)
    assert (dry.invited, dict(dry.skipped)) == (2, {"no_address": 1, "no_consent": 1})
    solved(ws, NOW - timedelta(hours=25), "alice", "bob", "carol", "dan")
    tick = run_once(ws, NOW)  # the worker: decide, send through the gateway, settle
    assert tick.errors == []
    assert sorted(d.candidate.customer_id for d in tick.surveys.invited) == ["alice", "dan"]
    assert (tick.outbox.sent, tick.surveys.sent, tick.surveys.queued) == (2, 2, 0)
    texts = {h["body"]["to"]: h for h in hooks.received}
    assert set(texts) == {"+33600000001", "+15550000002"}
    alice = texts["+33600000001"]
    assert alice["body"]["text"].startswith("Êtes-vous satisfait ? https://cx.acme.test/s/")
    assert alice["key"].startswith("survey:") and alice["key"].endswith(":sms")
    inv = ws.table("survey_invitations").execute()
    assert set(inv.channel) == {"sms"} and inv.delivered.tolist() == [True, True]

    # delivered once; a new solved ticket three days later is inside the fatigue budget
    solved(ws, NOW + timedelta(days=2), "alice")
    later = run_once(ws, NOW + timedelta(days=3))
    assert [d.reason for d in later.surveys.decisions] == ["fatigue"]
    assert later.outbox.sent == 0 and len(hooks.received) == 2

    # the link in the text answers the survey, recorded with the canonical channel sms
    token = urlsplit(alice["body"]["text"].split()[-1]).path.split("/")[-1]
    respond(ws, token, {"satisfaction": {"score": 4}}, NOW + timedelta(hours=2))
    row = ws.table("survey_responses").execute().iloc[0]
    assert (row.customer_id, row.score, row.channel) == ("alice", 4, "sms")


def test_a_channel_is_registered_on_one_workspace_only(ws: Workspace, tmp_path: Path) -> None:
    data = {"id": "s", "touchpoint": "t", "trigger": "manual", "channel": "sms",
            "sms": {"gateway": "https://sms.example.com"},
            "questions": [{"id": "q", "type": "nps", "text": "?"}]}  # fmt: skip
    ws.kinds[CHANNELS].add(Sms)
    assert survey_from_dict(data, channels=ws.kinds[CHANNELS]).via == Sms("https://sms.example.com")
    assert (
        CHANNELS.builtins().names() == ["email", "webhook", "widget"] == [c.name for c in DEFAULT]
    )
    with Workspace.init(tmp_path / "other.duckdb") as other:
        assert "sms" not in other.kinds[CHANNELS]
    with pytest.raises(ConfigError, match="field 'sms': the gateway's URL"):
        survey_from_dict({**data, "sms": {}}, channels=ws.kinds[CHANNELS])
    # another channel's field is refused, naming the channel it belongs to
    with pytest.raises(ConfigError, match="field 'sms': only for channel: sms"):
        survey_from_dict({**data, "channel": "email"}, channels=ws.kinds[CHANNELS])
    with pytest.raises(ConfigError, match="field 'sms': unknown field"):
        survey_from_dict({**data, "channel": "email"})  # the built-ins know no sms field
    bare = {k: v for k, v in data.items() if k != "sms"}
    with pytest.raises(ConfigError, match="'sms' is not one of email, webhook, widget"):
        survey_from_dict(bare)


def test_secret_fields_come_from_the_channels() -> None:
    assert secret_fields() == ["webhook_url"]
    registry = CHANNELS.registry()
    registry.add(Sms)
    assert secret_fields(registry) == ["webhook_url"]  # the test channel declares none


def test_the_built_in_channels_keep_to_their_own_fields() -> None:
    """A channel's fields never shadow a survey field, and its secrets are among its fields."""
    from cxpulse.surveys.definition import FIELDS

    for channel in DEFAULT:
        assert not set(channel.fields) & FIELDS, channel.name
        assert set(channel.secrets) <= set(channel.fields), channel.name
    owners = [f for channel in DEFAULT for f in channel.fields]
    assert len(owners) == len(set(owners))  # each field belongs to one channel
