"""POST /hooks/{source} (web/api/hooks.py): a vendor's signed webhook is stored once and
mapped; a bad signature is a 401 with nothing stored; the route is rate-limited; and a
Zendesk "ticket solved" webhook makes the survey email go out 24 h later from one worker
tick, with no sync and no import."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from cxpulse import Workspace
from cxpulse.sources import add_source
from cxpulse.sources.secrets import reference
from cxpulse.sources.webhook_events import stored_events
from cxpulse.surveys.store import add_survey
from cxpulse.web.app import create_app
from cxpulse.web.ratelimit import RateLimiter
from tests.cli.test_automations_cli import invoke
from tests.conftest import add_rows
from tests.sources.webhook_signing import SECRETS, sign
from tests.surveys.helpers import SUPPORT_CSAT, write
from tests.surveys.test_email import Inbox, smtp_server

NOW = datetime(2026, 11, 2, 9, 30)  # UTC: the server's clock
REQUESTER = "8447388090494"


def solved_event(ticket: str = "5158", at: datetime = NOW, event_id: str = "cbe4028c") -> bytes:
    """A ticket.status_changed event as Zendesk's reference shows one
    (https://developer.zendesk.com/api-reference/webhooks/event-types/ticket-events, "Status
    changed"): the ticket in ``detail``, the change in ``event``, ids as strings."""
    stamp = at.strftime("%Y-%m-%dT%H:%M:%SZ")
    return json.dumps(
        {
            "account_id": 22129848,
            "detail": {
                "actor_id": "8447388090495",
                "assignee_id": "8447388090495",
                "brand_id": "8447346621310",
                "created_at": (at - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "custom_status": "8447320465790",
                "description": "My order has not arrived",
                "external_id": None,
                "form_id": "8646151517822",
                "group_id": "8447320466430",
                "id": ticket,
                "is_public": True,
                "organization_id": "8447346622462",
                "priority": "LOW",
                "requester_id": REQUESTER,
                "status": "SOLVED",
                "subject": "Where is my order?",
                "submitter_id": REQUESTER,
                "tags": ["delivery"],
                "type": "INCIDENT",
                "updated_at": stamp,
                "via": {"channel": "web_form"},
            },
            "event": {"current": "SOLVED", "previous": "OPEN"},
            "id": event_id,
            "subject": f"zen:ticket:{ticket}",
            "time": stamp,
            "type": "zen:event-type:ticket.status_changed",
            "zendesk_event_version": "2022-11-06",
        }
    ).encode()


@pytest.fixture
def ws(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Workspace]:
    monkeypatch.setenv("ZENDESK_WEBHOOK_SECRET", SECRETS["zendesk"])
    monkeypatch.setenv("STRIPE_WEBHOOK_SECRET", SECRETS["stripe"])
    ws = Workspace.init(tmp_path / "ws.duckdb")
    for vendor in ("zendesk", "stripe"):
        secret = reference(env=f"{vendor.upper()}_WEBHOOK_SECRET")
        add_source(ws, "webhook", f"{vendor}-hooks", {"vendor": vendor}, secret, NOW)
    yield ws
    ws.close()


@pytest.fixture
def client(ws: Workspace) -> TestClient:
    return TestClient(create_app(ws, clock=lambda: NOW, worker_interval=None))


def post(client: TestClient, source: str, body: bytes, headers: dict[str, str]) -> int:
    return client.post(f"/hooks/{source}", content=body, headers=headers).status_code


def test_a_solved_ticket_is_stored_once_and_updates_the_ticket_row(
    client: TestClient, ws: Workspace
) -> None:
    body = solved_event()
    headers = sign("zendesk", body, NOW)
    answer = client.post("/hooks/zendesk-hooks", content=body, headers=headers)
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"source": "zendesk-hooks", "event_id": "cbe4028c",
                             "event_type": "zen:event-type:ticket.status_changed",
                             "new": True, "mapped": "tickets: 1"}  # fmt: skip
    again = client.post("/hooks/zendesk-hooks", content=body, headers=headers)
    assert again.status_code == 200 and again.json()["new"] is False
    (ticket,) = ws.store.table("tickets").to_pyarrow().to_pylist()
    assert ticket["ticket_id"] == "5158" and ticket["customer_id"] == REQUESTER
    assert ticket["solved_at"] == NOW and ticket["priority"] == "low"
    assert ticket["channel"] == "web" and ticket["source"] == "zendesk-hooks"
    assert len(stored_events(ws, "zendesk-hooks")) == 1

    # a later edit of the solved ticket leaves the time it was solved alone
    later = NOW + timedelta(minutes=1)
    edit = json.loads(solved_event(at=later, event_id="e2"))
    edit["type"], edit["event"] = "zen:event-type:ticket.tags_changed", {"current": ["vip"]}
    raw = json.dumps(edit).encode()
    client_later = TestClient(create_app(ws, clock=lambda: later, worker_interval=None))
    assert post(client_later, "zendesk-hooks", raw, sign("zendesk", raw, later)) == 200
    assert ws.store.table("tickets").solved_at.execute().tolist() == [NOW]


def test_a_bad_or_stale_signature_is_a_401_and_nothing_is_stored(
    client: TestClient, ws: Workspace
) -> None:
    body = solved_event()
    good = sign("zendesk", body, NOW)
    tampered = body.replace(b'"SOLVED"', b'"OPEN"', 1)
    assert post(client, "zendesk-hooks", tampered, good) == 401
    wrong = sign("zendesk", body, NOW, secret="not-the-secret")
    assert post(client, "zendesk-hooks", body, wrong) == 401
    stale = sign("zendesk", body, NOW - timedelta(minutes=6))
    answer = client.post("/hooks/zendesk-hooks", content=body, headers=stale)
    assert answer.status_code == 401 and "stale" in answer.json()["detail"]
    assert post(client, "zendesk-hooks", body, {}) == 401
    # another vendor's signature for this source is refused too
    assert post(client, "zendesk-hooks", body, sign("stripe", body, NOW)) == 401
    assert stored_events(ws, "zendesk-hooks") == []
    assert ws.store.table("tickets").count().execute() == 0
    assert SECRETS["zendesk"] not in answer.text


def test_an_unknown_source_says_nothing_and_an_unset_secret_is_a_503(
    client: TestClient, ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    body = solved_event()
    for name in ("nothere", "zendesk"):
        answer = client.post(f"/hooks/{name}", content=body, headers=sign("zendesk", body, NOW))
        assert answer.status_code == 404
        assert "zendesk-hooks" not in answer.text  # no source names to a caller without a secret
    monkeypatch.delenv("ZENDESK_WEBHOOK_SECRET")
    answer = client.post("/hooks/zendesk-hooks", content=body, headers=sign("zendesk", body, NOW))
    assert answer.status_code == 503 and "ZENDESK_WEBHOOK_SECRET" not in answer.text


def test_a_stripe_cancellation_is_stored_and_records_the_survey_trigger(
    client: TestClient, ws: Workspace
) -> None:
    """customer.subscription.deleted as Stripe's event reference shows it (an Event whose
    data.object is the Subscription): stored, and subscription_canceled recorded for the
    customer; the subscription row itself waits for the Stripe connector's mapping."""
    event = {
        "id": "evt_1NG8Du2eZvKYlo2CUI79vXWy",
        "object": "event",
        "api_version": "2024-06-20",
        "created": int((NOW - datetime(1970, 1, 1)).total_seconds()),
        "data": {"object": {"id": "sub_1MowQVLkdIwHu7ixeRlqHVzs", "object": "subscription",
                            "customer": "cus_Na6dX7aXxi11N4", "status": "canceled"}},
        "livemode": False,
        "type": "customer.subscription.deleted",
    }  # fmt: skip
    body = json.dumps(event).encode()
    answer = client.post("/hooks/stripe-hooks", content=body, headers=sign("stripe", body, NOW))
    assert answer.status_code == 200, answer.text
    assert answer.json()["mapped"] == (
        "survey trigger subscription_canceled; subscription not mapped yet"
    )
    events = ws.store.table("survey_events").to_pyarrow().to_pylist()
    assert [(e["name"], e["customer_id"], e["occurred_at"]) for e in events] == [
        ("subscription_canceled", "cus_Na6dX7aXxi11N4", NOW)
    ]


def test_the_hooks_are_rate_limited_like_the_public_routes(client: TestClient) -> None:
    state = client.app.state.cx  # type: ignore[attr-defined]
    state.public_limiter = RateLimiter(1 / 30, 1, clock=lambda: 0.0)
    body = solved_event()
    assert post(client, "zendesk-hooks", body, sign("zendesk", body, NOW)) == 200
    limited = client.post("/hooks/zendesk-hooks", content=body, headers={})
    assert limited.status_code == 429 and limited.headers["retry-after"] == "30"


def test_a_solved_ticket_webhook_sends_the_survey_24_hours_later_without_a_sync(
    ws: Workspace, client: TestClient, tmp_path: Path
) -> None:
    """Done when (issue 18): the survey goes out on time from a webhook alone."""
    customer = {"customer_id": REQUESTER, "email": "a@x.io", "language": "en",
                "email_consent": True, "created_at": NOW - timedelta(days=90)}  # fmt: skip
    add_rows(ws, "customers", [customer])
    add_survey(ws, write(tmp_path, "csat", SUPPORT_CSAT), NOW - timedelta(days=1))
    with smtp_server(Inbox()) as (box, port):
        for key, value in {"smtp_host": "127.0.0.1", "smtp_port": str(port),
                           "smtp_starttls": "false", "email_from": "feedback@acme.test",
                           "public_url": "https://cx.acme.test/"}.items():  # fmt: skip
            ws.set_setting(key, value)
        body = solved_event()
        assert post(client, "zendesk-hooks", body, sign("zendesk", body, NOW)) == 200
        location = ws.store.location
        ws.close()
        early = (NOW + timedelta(hours=23)).isoformat()
        code, text = invoke("worker", "--once", "-w", location, "--now", early)
        assert code == 0, text
        assert box.messages == []  # not yet 24 hours
        later = (NOW + timedelta(hours=24, minutes=5)).isoformat()
        code, text = invoke("worker", "--once", "-w", location, "--now", later)
        assert code == 0, text
        (msg,) = box.messages
        assert msg["To"] == "a@x.io" and msg["Subject"] == "How did we do?"


def test_the_signature_is_checked_off_the_write_lock(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    # an unsigned flood must not queue behind (or hold up) every write, nor wait out the
    # worker's minute-long phases: nobody holds the server's lock while a signature is checked
    import threading

    from cxpulse.sources import webhooks

    app = create_app(ws, clock=lambda: NOW, worker_interval=None)
    lock = app.state.cx.lock
    free: list[bool] = []
    verifier = webhooks.VERIFIERS["zendesk"]
    checked = verifier.verify

    def verify(*args: object, **kwargs: object) -> webhooks.Verified:
        def probe() -> None:  # another thread: an RLock held here would refuse it
            got = lock.acquire(timeout=0)
            free.append(got)
            if got:
                lock.release()

        t = threading.Thread(target=probe)
        t.start()
        t.join()
        return checked(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(verifier, "verify", verify)
    client = TestClient(app)
    body = solved_event()
    assert post(client, "zendesk-hooks", body, sign("zendesk", body, NOW, secret="no")) == 401
    assert post(client, "zendesk-hooks", body, sign("zendesk", body, NOW)) == 200
    assert free == [True, True]


def test_a_body_over_the_limit_is_refused_before_it_is_read(client: TestClient) -> None:
    from cxpulse.web.api.hooks import MAX_BODY

    big = b"x" * (MAX_BODY + 1)
    assert post(client, "zendesk-hooks", big, {"Content-Length": str(len(big))}) == 413

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it streams in
        for _ in range(6):
            yield b"x" * (1024 * 1024)

    assert client.post("/hooks/zendesk-hooks", content=chunks()).status_code == 413
