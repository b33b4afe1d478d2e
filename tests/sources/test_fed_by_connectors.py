"""Done when (issue 18): a workspace fed only by connectors and webhooks, no file import, gives
the scorecard, sends a survey 24 hours after a Zendesk ticket is solved, and opens a case on
the detractor who answers it — end to end, with the local Zendesk and Stripe APIs, a real SMTP
server, the web app's webhook and survey routes, and the worker's ticks."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from cxpulse import Workspace
from cxpulse.automations import add_rule
from cxpulse.automations.worker import run_once
from cxpulse.sources import add_source
from cxpulse.sources.secrets import reference
from cxpulse.surveys.store import add_survey
from cxpulse.web.app import create_app
from tests.sources import stripe_server as ss
from tests.sources import zendesk_server as zs
from tests.sources.webhook_signing import SECRETS, sign
from tests.surveys.test_email import Inbox, smtp_server
from tests.web.test_hooks import solved_event

pytestmark = pytest.mark.slow

NOW = datetime(2026, 3, 10, 12)  # the servers' clock: the fake accounts' data is in March
LATE = 10  # the ticket solved while we watch, by customer 5010

SURVEY = """
id: after-support
name: After support
touchpoint: support
trigger: {event: ticket_solved, delay: 24 hours}
audience: {email_consent: false}  # a service survey: Zendesk has no marketing consent
subject: {en: "How did we do?"}
questions:
  - id: recommend
    type: nps
    text: {en: "Would you recommend us?"}
"""

RULE = """
name: detractor-case
when: {response: detractor}
then:
  - case: {sla_hours: 24}
"""


@pytest.fixture
def vendors() -> Iterator[tuple[zs.Zendesk, str, ss.Stripe, str]]:
    """A Zendesk account with three tickets solved a week ago (two rated) and one open, and a
    Stripe account billing the same people (by email) a monthly plan."""
    zd = zs.Zendesk(page_size=100)
    for n in (1, 2, 3):
        zd.change(zs.ticket(n, day=1), zs.metric_set(n))
    zd.change(zs.ticket(LATE, day=9, status="open"))
    zd.ratings = [zs.rating(1, "good"), zs.rating(2, "bad")]
    stripe = ss.Stripe()
    for n in (1, 2, 3, LATE):
        stripe.put("customers", ss.customer(n, email=f"c{5000 + n}@example.com"),
                   "customer.created", ss.epoch(1, 1))  # fmt: skip
        stripe.put("subscriptions", ss.subscription(n, n, [(ss.price(5_000), 1)]),
                   "customer.subscription.created", ss.epoch(1, 2))  # fmt: skip
    with zs.serve(zd) as zd_url, ss.serve(stripe) as st_url:
        yield zd, zd_url, stripe, st_url


@pytest.fixture
def ws(
    tmp_path: Path,
    vendors: tuple[zs.Zendesk, str, ss.Stripe, str],
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Workspace]:
    _, zd_url, _, st_url = vendors
    for name, value in {"ZENDESK_TOKEN": zs.TOKEN, "STRIPE_KEY": ss.KEY,
                        "ZENDESK_WEBHOOK_SECRET": SECRETS["zendesk"]}.items():  # fmt: skip
        monkeypatch.setenv(name, value)
    ws = Workspace.init(tmp_path / "ws.duckdb")
    zd_options = {"subdomain": "acme", "email": zs.EMAIL, "base_url": zd_url}
    add_source(ws, "zendesk", "support", zd_options, reference(env="ZENDESK_TOKEN"), NOW)
    add_source(ws, "stripe", "billing", {"base_url": st_url}, reference(env="STRIPE_KEY"), NOW)
    hooks = reference(env="ZENDESK_WEBHOOK_SECRET")
    add_source(ws, "webhook", "zendesk-hooks", {"vendor": "zendesk"}, hooks, NOW)
    (tmp_path / "survey.yaml").write_text(SURVEY, encoding="utf-8")
    (tmp_path / "rule.yaml").write_text(RULE, encoding="utf-8")
    add_survey(ws, tmp_path / "survey.yaml", NOW - timedelta(days=1))
    add_rule(ws, tmp_path / "rule.yaml", NOW - timedelta(days=1))
    yield ws
    ws.close()


def solved_webhook(ticket: int, requester: int, at: datetime) -> bytes:
    """Zendesk's documented "status changed" event for our ticket and requester."""
    event = json.loads(solved_event(str(ticket), at, event_id=f"evt-{ticket}"))
    event["detail"]["requester_id"] = event["detail"]["submitter_id"] = str(requester)
    return json.dumps(event).encode()


def test_a_workspace_fed_only_by_live_sources_runs_by_itself(
    ws: Workspace, vendors: tuple[zs.Zendesk, str, ss.Stripe, str]
) -> None:
    zd = vendors[0]
    app = create_app(ws, clock=lambda: NOW, worker_interval=None)
    web = TestClient(app)
    with smtp_server(Inbox()) as (box, port):
        for key, value in {"smtp_host": "127.0.0.1", "smtp_port": str(port),
                           "smtp_starttls": "false", "email_from": "feedback@acme.test",
                           "public_url": "https://cx.acme.test/"}.items():  # fmt: skip
            ws.set_setting(key, value)

        # 1. the worker's first tick pulls both vendors: one customer per person
        tick = run_once(ws, NOW)
        assert tick.errors == [] and len(tick.sources) == 2
        people = ws.table("customers").execute()
        assert len(people) == 4 and set(people.email) == {
            f"c{5000 + n}@example.com" for n in (1, 2, 3, LATE)
        }
        tickets = ws.table("tickets").execute()
        subs = ws.table("subscriptions").execute()
        assert set(tickets.customer_id) <= set(people.customer_id)
        assert set(subs.customer_id) == set(people.customer_id)  # Stripe and Zendesk joined
        assert box.messages == []  # last week's tickets are older than the trigger's window

        # 2. the open ticket is solved: Zendesk changes it and sends the signed webhook
        solved_at = NOW + timedelta(minutes=30)
        stamp = solved_at.strftime("%Y-%m-%dT%H:%M:%SZ")
        metrics = {**zs.metric_set(LATE), "solved_at": stamp, "updated_at": stamp}
        zd.change(zs.ticket(LATE, day=9, updated_at=stamp), metrics)
        body = solved_webhook(LATE, 5000 + LATE, solved_at)
        web.app.state.cx.clock = lambda: solved_at  # type: ignore[attr-defined]
        answer = web.post("/hooks/zendesk-hooks", content=body,
                          headers=sign("zendesk", body, solved_at))  # fmt: skip
        assert answer.status_code == 200, answer.text
        assert run_once(ws, solved_at + timedelta(hours=23)).errors == []
        assert box.messages == []  # not 24 hours yet (and the sync left solved_at alone)

        # 3. 24 hours after it was solved, the survey goes out, without anyone importing
        assert run_once(ws, solved_at + timedelta(hours=24, minutes=5)).errors == []
        (message,) = box.messages
        assert message["To"] == f"c{5000 + LATE}@example.com"
        html = message.get_body(("html",))
        assert html is not None
        token = re.search(r"/s/([^\"?&]+)", html.get_content())
        assert token is not None

        # 4. the customer answers 3 out of 10: the next tick opens a case on the detractor
        answered = solved_at + timedelta(hours=25)
        web.app.state.cx.clock = lambda: answered  # type: ignore[attr-defined]
        sent = web.post(f"/s/{token.group(1)}", data={"score.recommend": "3"})
        assert sent.status_code == 200
        assert run_once(ws, answered + timedelta(minutes=1)).errors == []
        (case,) = ws.store.table("cases").to_pyarrow().to_pylist()
        customer = people.set_index("email").customer_id[f"c{5000 + LATE}@example.com"]
        assert case["customer_id"] == customer and case["state"] == "open"
        assert (case["cause_score"], case["cause_question_type"]) == (3, "nps")

    # 5. the scorecard reads what the sources brought: the answer, Zendesk's ratings and
    # resolution times, Stripe's subscriptions
    card = {r.metric: r for r in ws.scorecard(by="month", as_of="2026-04-01").rows}
    assert (card["nps"].value, card["nps"].n) == (-100, 1)
    assert (card["csat"].value, card["csat"].n) == (50, 2)  # one good, one bad rating
    assert card["response_rate"].value == 100
    assert card["time_to_resolution"].n == 4
    assert (card["nrr"].value, card["customer_churn_rate"].value) == (100, 0)
    # no survey measured effort or empathy: the index says what it is made of
    assert "efficiency only" in " ".join(card["cx_index"].caveats)
    assert ws.store.table("cxpulse_imports").count().execute() == 0  # no file, ever
