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
    client: TestClient, ws: Workspace, caplog: pytest.LogCaptureFixture
) -> None:
    body = solved_event()
    good = sign("zendesk", body, NOW)
    tampered = body.replace(b'"SOLVED"', b'"OPEN"', 1)
    assert post(client, "zendesk-hooks", tampered, good) == 401
    wrong = sign("zendesk", body, NOW, secret="not-the-secret")
    assert post(client, "zendesk-hooks", body, wrong) == 401
    stale = sign("zendesk", body, NOW - timedelta(minutes=6))
    with caplog.at_level("WARNING"):
        answer = client.post("/hooks/zendesk-hooks", content=body, headers=stale)
    assert answer.status_code == 401 and "stale" in caplog.text  # the log says why
    assert post(client, "zendesk-hooks", body, {}) == 401
    # another vendor's signature for this source is refused too
    assert post(client, "zendesk-hooks", body, sign("stripe", body, NOW)) == 401
    assert stored_events(ws, "zendesk-hooks") == []
    assert ws.store.table("tickets").count().execute() == 0
    assert SECRETS["zendesk"] not in answer.text


def test_every_refusal_is_the_same_401_so_no_source_name_leaks(
    client: TestClient, ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An unknown source, a source that takes no webhooks, a bad signature and an unset
    secret answer alike: a caller without the secret cannot tell which names exist."""
    add_source(ws, "zendesk", "zendesk-pull", {"subdomain": "acme", "email": "a@acme.test"},
               reference(env="ZENDESK_TOKEN"), NOW)  # fmt: skip
    body = solved_event()
    signed = sign("zendesk", body, NOW)
    answers = {
        "unknown source": client.post("/hooks/nothere", content=body, headers=signed),
        "not a webhook source": client.post("/hooks/zendesk-pull", content=body, headers=signed),
        "bad signature": client.post(
            "/hooks/zendesk-hooks", content=body, headers=sign("zendesk", body, NOW, secret="x")
        ),
    }
    monkeypatch.delenv("ZENDESK_WEBHOOK_SECRET")
    answers["secret unset"] = client.post("/hooks/zendesk-hooks", content=body, headers=signed)
    shapes = {
        why: (a.status_code, a.content, tuple(sorted(a.headers.items())))
        for why, a in answers.items()
    }
    assert len(set(shapes.values())) == 1, shapes
    assert next(iter(shapes.values()))[0] == 401
    assert "zendesk" not in answers["unknown source"].text


def test_an_unknown_source_takes_as_long_to_refuse_as_a_bad_signature(ws: Workspace) -> None:
    """The refusal of an unknown source does the HMAC a check does (a 5 MB body: the HMAC
    is much of the time), so timing tells no more than the answer."""
    import statistics
    import time

    from cxpulse.errors import CxpulseError
    from cxpulse.sources.webhook_events import verify
    from cxpulse.sources.webhooks import Delivery

    body = b"x" * (5 * 1024 * 1024)
    bad = {k.lower(): v for k, v in sign("zendesk", body, NOW, secret="x").items()}
    delivery = Delivery("POST", "https://cx.acme.test/hooks/", bad, body)

    def took(name: str) -> float:
        started = time.perf_counter()
        with pytest.raises(CxpulseError):
            verify(ws, name, delivery, NOW)
        return time.perf_counter() - started

    # interleaved, so both see the same load of a shared machine; medians of 15
    pairs = [(took("nothere"), took("zendesk-hooks")) for _ in range(16)][1:]
    ratio = statistics.median(a for a, _ in pairs) / statistics.median(b for _, b in pairs)
    assert 0.75 < ratio < 1.33, ratio  # without the decoy HMAC: about 0.6


def test_a_proxied_hubspot_request_verifies_against_the_public_url(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Behind a TLS-terminating proxy the server sees http://internal:8000/hooks/...; HubSpot
    signed https://cx.acme.test/hooks/... (the workspace's public_url)."""
    monkeypatch.setenv("HUBSPOT_SECRET", SECRETS["hubspot"])
    add_source(ws, "webhook", "hubspot-hooks", {"vendor": "hubspot"},
               reference(env="HUBSPOT_SECRET"), NOW)  # fmt: skip
    body = json.dumps([{"eventId": 100, "subscriptionType": "contact.creation",
                        "objectId": 123, "occurredAt": 1762075800000}]).encode()  # fmt: skip
    signed = sign("hubspot", body, NOW, url="https://cx.acme.test/hooks/hubspot-hooks?x=1")
    proxied = TestClient(
        create_app(ws, clock=lambda: NOW, worker_interval=None), base_url="http://internal:8000"
    )
    assert post(proxied, "hubspot-hooks?x=1", body, signed) == 401  # public_url not set yet
    ws.set_setting("public_url", "https://cx.acme.test/")
    answer = proxied.post("/hooks/hubspot-hooks?x=1", content=body, headers=signed)
    assert answer.status_code == 200, answer.text
    assert answer.json()["event_id"] == "100"
    # a request that reaches the server directly still verifies against its own address
    direct = sign("hubspot", body, NOW, url="http://internal:8000/hooks/hubspot-hooks")
    assert post(proxied, "hubspot-hooks", body, direct) == 200


def status_event(ticket: str, event_type: str, status: str, at: datetime, event_id: str) -> bytes:
    event = json.loads(solved_event(ticket, at, event_id))
    event["type"] = f"zen:event-type:ticket.{event_type}"
    event["detail"]["status"] = status.upper()
    event["event"] = {"current": status.upper()} if event_type == "status_changed" else {}
    return json.dumps(event).encode()


@pytest.mark.parametrize("late_first", [False, True])
def test_zendesk_status_events_apply_in_the_order_they_happened(
    ws: Workspace, late_first: bool
) -> None:
    """Webhooks may arrive out of order: a late ticket.created, or an older status change,
    must not clear a newer solved_at (nor a late "solved" undo a newer reopening)."""
    t0, t1, t2, t3 = (NOW - timedelta(minutes=m) for m in (4, 3, 2, 1))
    events = [
        status_event("1", "created", "new", t0, "c1"),
        status_event("1", "status_changed", "open", t1, "o1"),
        status_event("1", "status_changed", "solved", t2, "s1"),
        status_event("2", "status_changed", "solved", t1, "s2"),
        status_event("2", "status_changed", "open", t3, "r2"),  # reopened
    ]
    order = [2, 4, 0, 1, 3] if late_first else [0, 1, 2, 3, 4]
    client = TestClient(create_app(ws, clock=lambda: NOW, worker_interval=None))
    for i in order:
        assert post(client, "zendesk-hooks", events[i], sign("zendesk", events[i], NOW)) == 200
    rows = ws.store.table("tickets").select("ticket_id", "solved_at").to_pyarrow().to_pylist()
    solved = {r["ticket_id"]: r["solved_at"] for r in rows}
    assert solved == {"1": t2, "2": None}
    if late_first:
        notes = {e["event_id"]: e["mapped"] for e in stored_events(ws, "zendesk-hooks")}
        assert notes["c1"].startswith("stale: ticket:1:status changed later")
        assert notes["s2"].startswith("stale: ticket:2:status")


def test_a_stripe_cancellation_is_stored_and_records_the_survey_trigger(
    client: TestClient, ws: Workspace
) -> None:
    """customer.subscription.deleted as Stripe's event reference shows it (an Event whose
    data.object is the Subscription): stored, the subscription row mapped as the Stripe
    connector maps it (ended), and subscription_canceled recorded for the customer."""
    body = stripe_event("customer.subscription.deleted", "evt_1NG8Du2eZvKYlo2CUI79vXWy",
                        NOW, status="canceled", ended=NOW)  # fmt: skip
    answer = client.post("/hooks/stripe-hooks", content=body, headers=sign("stripe", body, NOW))
    assert answer.status_code == 200, answer.text
    assert answer.json()["mapped"] == "subscriptions: 1"
    events = ws.store.table("survey_events").to_pyarrow().to_pylist()
    assert [(e["name"], e["customer_id"], e["occurred_at"]) for e in events] == [
        ("subscription_canceled", "cus_Na6dX7aXxi11N4", NOW)
    ]
    (row,) = ws.store.table("subscriptions").to_pyarrow().to_pylist()
    assert row["ended_at"] == NOW and row["price"] == 20.0  # MRR until it ended


def test_stripe_subscription_webhooks_update_the_subscription_row(
    client: TestClient, ws: Workspace
) -> None:
    """created, then updated (a second seat), then a late copy of the created: the row is the
    Stripe connector's mapping of the newest state (stripe.subscription_row)."""
    t0, t1 = NOW - timedelta(minutes=2), NOW - timedelta(minutes=1)
    created = stripe_event("customer.subscription.created", "evt_a", t0, quantity=1)
    updated = stripe_event("customer.subscription.updated", "evt_b", t1, quantity=2)
    for body in (created, updated, created.replace(b"evt_a", b"evt_c")):
        assert post(client, "stripe-hooks", body, sign("stripe", body, NOW)) == 200
    (row,) = ws.store.table("subscriptions").to_pyarrow().to_pylist()
    assert row["subscription_id"] == "sub_1MowQVLkdIwHu7ixeRlqHVzs"
    assert (row["price"], row["currency"], row["billing_period"]) == (40.0, "USD", "month")
    assert row["plan"] and row["started_at"] == datetime(2026, 10, 1) and row["ended_at"] is None


def stripe_event(
    kind: str,
    event_id: str,
    at: datetime,
    *,
    status: str = "active",
    quantity: int = 1,
    ended: datetime | None = None,
) -> bytes:
    """An Event as https://docs.stripe.com/api/events/object shows one, its data.object a
    Subscription as https://docs.stripe.com/api/subscriptions/object shows it (trimmed)."""

    def unix(moment: datetime | None) -> int | None:
        return None if moment is None else int((moment - datetime(1970, 1, 1)).total_seconds())

    start = unix(datetime(2026, 10, 1))
    price = {"id": "price_1MowQULkdIwHu7ixraBm864M", "object": "price", "active": True,
             "currency": "usd", "nickname": "Team", "product": "prod_NWjs8kKbJWmuuc",
             "recurring": {"interval": "month", "interval_count": 1, "usage_type": "licensed"},
             "type": "recurring", "unit_amount": 2000, "unit_amount_decimal": "2000"}  # fmt: skip
    subscription = {
        "id": "sub_1MowQVLkdIwHu7ixeRlqHVzs", "object": "subscription",
        "billing_cycle_anchor": start, "cancel_at_period_end": False,
        "canceled_at": unix(ended), "created": start, "currency": "usd",
        "customer": "cus_Na6dX7aXxi11N4", "discount": None, "discounts": [],
        "ended_at": unix(ended),
        "items": {"object": "list", "data": [{"id": "si_NcLYdDxLHxlFo7",
                  "object": "subscription_item", "price": price, "quantity": quantity}]},
        "start_date": start, "status": status, "trial_end": None, "trial_start": None,
    }  # fmt: skip
    return json.dumps({"id": event_id, "object": "event", "api_version": "2024-06-20",
                       "created": unix(at), "data": {"object": subscription},
                       "livemode": False, "type": kind}).encode()  # fmt: skip


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


def test_concurrent_webhooks_are_written_in_batches_each_once(
    ws: Workspace, client: TestClient
) -> None:
    """Group commit: 60 requests at once (each event sent twice) are all answered 200 after
    their batch committed, every event stored once, in fewer transactions than events."""
    from concurrent.futures import ThreadPoolExecutor

    bodies = [solved_event(str(7000 + i), event_id=f"ev{i}") for i in range(30)]
    signed = [(b, sign("zendesk", b, NOW)) for b in bodies for _ in range(2)]
    with ThreadPoolExecutor(12) as pool:
        codes = list(pool.map(lambda bh: post(client, "zendesk-hooks", *bh), signed))
    assert codes == [200] * 60
    assert len(stored_events(ws, "zendesk-hooks")) == 30
    assert ws.store.table("tickets").count().execute() == 30
    hooks = client.app.state.cx.hooks  # type: ignore[attr-defined]
    assert hooks.items == 60 and hooks.batches < 60
