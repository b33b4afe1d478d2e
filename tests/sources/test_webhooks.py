"""Each vendor's webhook signature (sources/webhooks.py): the documented algorithm and, where
the vendor publishes one, its test vector; a tampered body, a wrong secret, a stale timestamp
are refused; a replayed event id is stored once (sources/webhook_events.py).

The pages are cited in tests/sources/webhook_signing.py, which signs from them alone."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cxpulse import Workspace
from cxpulse.errors import ConfigError, WebhookRejected
from cxpulse.sources import add_source
from cxpulse.sources.secrets import reference
from cxpulse.sources.webhook_events import receive, stored_events
from cxpulse.sources.webhooks import VERIFIERS, Delivery
from tests.sources.webhook_signing import HOOK_URL, SECRETS, sign

NOW = datetime(2026, 11, 2, 9, 30)
VENDORS = sorted(VERIFIERS)
TIMED = [v for v in VENDORS if v != "shopify"]  # Shopify signs no timestamp
BODY = json.dumps({"id": "evt_1", "type": "ping", "data": {"n": 1}}).encode()


def delivery(vendor: str, body: bytes, headers: dict[str, str]) -> Delivery:
    return Delivery("POST", HOOK_URL, {k.lower(): v for k, v in headers.items()}, body)


def verify(vendor: str, body: bytes, headers: dict[str, str], now: datetime = NOW) -> str:
    verified = VERIFIERS[vendor].verify(SECRETS[vendor], delivery(vendor, body, headers), now)
    return verified.event_id


def test_the_standard_webhooks_spec_test_vector() -> None:
    """The vector of the Standard Webhooks spec (and every one of its libraries' tests):
    secret whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw, id msg_p5jXN8AQM9LWM0D4loKWxJek,
    timestamp 1614265330, body {"test": 2432232314}."""
    headers = {
        "webhook-id": "msg_p5jXN8AQM9LWM0D4loKWxJek",
        "webhook-timestamp": "1614265330",
        "webhook-signature": "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
    }
    at = datetime(2021, 2, 25, 15, 2, 10)  # 1614265330
    body = b'{"test": 2432232314}'
    assert verify("standard", body, headers, at) == "msg_p5jXN8AQM9LWM0D4loKWxJek"
    # one of several signatures (a key rotation) is enough; only v1 counts
    headers["webhook-signature"] = "v1,bm90IGl0 v2,x " + headers["webhook-signature"]
    assert verify("standard", body, headers, at) == "msg_p5jXN8AQM9LWM0D4loKWxJek"
    with pytest.raises(WebhookRejected):
        verify("standard", b'{"test": 2432232315}', headers, at)


def test_the_hubspot_example_secret_signs_as_the_docs_describe() -> None:
    """HubSpot publishes no v3 vector; its docs' example (client secret yyyy..., POST, the
    URI, the body, the timestamp in ms) signed by the documented steps verifies, and the same
    with a percent-escaped URI (the docs: decode it first)."""
    body = b'[{"eventId":1,"subscriptionType":"contact.creation","objectId":123}]'
    headers = sign("hubspot", body, NOW, url="https://www.example.com/webhook_uri")
    signed = Delivery(
        "POST",
        "https://www.example.com/webhook%5Furi",
        {k.lower(): v for k, v in headers.items()},
        body,
    )
    verified = VERIFIERS["hubspot"].verify(SECRETS["hubspot"], signed, NOW)
    assert verified.event_type == "contact.creation"


@pytest.mark.parametrize("vendor", VENDORS)
def test_a_valid_signature_verifies(vendor: str) -> None:
    assert verify(vendor, BODY, sign(vendor, BODY, NOW - timedelta(seconds=30)))


@pytest.mark.parametrize("vendor", VENDORS)
def test_a_tampered_body_is_refused(vendor: str) -> None:
    headers = sign(vendor, BODY, NOW)
    with pytest.raises(WebhookRejected, match="does not match|no v1 signature"):
        verify(vendor, BODY.replace(b'"n": 1', b'"n": 2'), headers)


@pytest.mark.parametrize("vendor", VENDORS)
def test_a_wrong_secret_is_refused(vendor: str) -> None:
    other = "whsec_" + "QUJD" * 8 if vendor == "standard" else "not-the-secret"
    with pytest.raises(WebhookRejected):
        verify(vendor, BODY, sign(vendor, BODY, NOW, secret=other))


@pytest.mark.parametrize("vendor", TIMED)
def test_a_stale_or_future_timestamp_is_refused(vendor: str) -> None:
    for at in (NOW - timedelta(minutes=5, seconds=1), NOW + timedelta(minutes=6)):
        with pytest.raises(WebhookRejected, match="stale"):
            verify(vendor, BODY, sign(vendor, BODY, at))
    assert verify(vendor, BODY, sign(vendor, BODY, NOW - timedelta(minutes=4, seconds=59)))


@pytest.mark.parametrize("vendor", VENDORS)
def test_a_missing_signature_header_is_refused(vendor: str) -> None:
    with pytest.raises(WebhookRejected, match="has no"):
        verify(vendor, BODY, {})


@settings(max_examples=40, deadline=None)
@given(text=st.text(max_size=100), flip=st.integers(min_value=0, max_value=10_000))
def test_any_change_of_any_byte_is_refused(text: str, flip: int) -> None:
    """Property: whatever the event says, changing one bit of its body breaks every vendor's
    signature."""
    body = json.dumps({"id": "evt_2", "text": text}).encode()
    changed = bytearray(body)
    changed[flip % len(body)] ^= 0x01
    for vendor in VENDORS:
        headers = sign(vendor, body, NOW)
        assert verify(vendor, body, headers)
        with pytest.raises(WebhookRejected):
            verify(vendor, bytes(changed), headers)


# -- receiving: stored once, nothing stored when refused ------------------------------------


@pytest.fixture
def ws(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Workspace:
    ws = Workspace.init(tmp_path / "ws.duckdb")
    for vendor in VENDORS:
        monkeypatch.setenv(f"{vendor.upper()}_SECRET", SECRETS[vendor])
        secret = reference(env=f"{vendor.upper()}_SECRET")
        add_source(ws, "webhook", vendor, {"vendor": vendor}, secret, NOW)
    return ws


@pytest.mark.parametrize("vendor", VENDORS)
def test_an_event_is_stored_once_and_a_refused_one_not_at_all(ws: Workspace, vendor: str) -> None:
    headers = sign(vendor, BODY, NOW)
    first = receive(ws, vendor, delivery(vendor, BODY, headers), NOW)
    again = receive(ws, vendor, delivery(vendor, BODY, headers), NOW + timedelta(seconds=5))
    assert (first.new, again.new) == (True, False)
    with pytest.raises(WebhookRejected):
        receive(ws, vendor, delivery(vendor, BODY + b" ", headers), NOW)
    (stored,) = stored_events(ws, vendor)
    assert stored["payload"] == json.loads(BODY) and stored["mapped"] == "not mapped yet"
    assert SECRETS[vendor] not in json.dumps(stored, default=str)


def test_a_webhook_source_needs_a_known_vendor(ws: Workspace) -> None:
    with pytest.raises(ConfigError, match="--vendor takes one of"):
        add_source(ws, "webhook", "x", {"vendor": "paypal"}, reference(env="X"), NOW)
    with pytest.raises(ConfigError, match="needs --vendor"):
        add_source(ws, "webhook", "x", {}, reference(env="X"), NOW)


def test_the_worker_never_syncs_a_webhook_source(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    """It has nothing to pull: no tick reads its secret or marks it synced."""
    from cxpulse.sources import list_sources, sync_due

    monkeypatch.delenv("ZENDESK_SECRET")
    assert sync_due(ws, NOW + timedelta(days=1)) == ([], [])
    assert {s.last_sync_at for s in list_sources(ws)} == {None}


# -- the dedupe key comes from signed bytes only ---------------------------------------------


def test_a_shopify_replay_with_a_new_event_id_header_is_the_same_event(ws: Workspace) -> None:
    """X-Shopify-Event-Id is outside the signature: a captured body sent again with another
    id in that header is a repeat, stored once."""
    headers = sign("shopify", BODY, NOW, event_id="1111")
    first = receive(ws, "shopify", delivery("shopify", BODY, headers), NOW)
    forged = {**headers, "X-Shopify-Event-Id": "2222", "X-Shopify-Webhook-Id": "3333"}
    again = receive(ws, "shopify", delivery("shopify", BODY, forged), NOW)
    assert (first.new, again.new) == (True, False)
    assert len(stored_events(ws, "shopify")) == 1


def test_a_zendesk_trigger_replay_with_a_new_invocation_id_is_the_same_event(
    ws: Workspace,
) -> None:
    """A trigger's body has no event id; its X-Zendesk-Webhook-Invocation-Id header is not
    signed: the id is a digest of the signed timestamp and body."""
    body = json.dumps({"ticket_id": "5158", "status": "solved"}).encode()
    headers = sign("zendesk", body, NOW)
    ids = []
    for invocation in ("inv-1", "inv-2"):
        forged = {**headers, "X-Zendesk-Webhook-Invocation-Id": invocation}
        ids.append(receive(ws, "zendesk", delivery("zendesk", body, forged), NOW))
    assert [r.new for r in ids] == [True, False] and ids[0].event_id.startswith("sha256:")
    # an event webhook's id is its body's own (signed)
    assert verify("zendesk", BODY, sign("zendesk", BODY, NOW)) == "evt_1"


def test_a_hubspot_retry_of_the_same_events_stores_nothing_new(ws: Workspace) -> None:
    """HubSpot retries the same array, signed again with a new timestamp: the key is the
    events' sorted eventIds, not the signed bytes."""
    events = [
        {"eventId": 1779, "subscriptionType": "contact.propertyChange", "objectId": 123},
        {"eventId": 1778, "subscriptionType": "contact.creation", "objectId": 124},
    ]
    body = json.dumps(events).encode()
    later = NOW + timedelta(minutes=2)
    first = receive(ws, "hubspot", delivery("hubspot", body, sign("hubspot", body, NOW)), NOW)
    retry = delivery("hubspot", body, sign("hubspot", body, later))
    again = receive(ws, "hubspot", retry, later)
    assert (first.new, again.new) == (True, False) and first.event_id == again.event_id
    # the same events in another order are the same delivery; one event is its own id
    swapped = json.dumps(events[::-1]).encode()
    assert verify("hubspot", swapped, sign("hubspot", swapped, NOW)) == first.event_id
    one = json.dumps(events[:1]).encode()
    assert verify("hubspot", one, sign("hubspot", one, NOW)) == "1779"


def test_a_proxied_hubspot_request_verifies_under_the_public_url() -> None:
    body = b'[{"eventId": 1}]'
    headers = {k.lower(): v for k, v in sign("hubspot", body, NOW).items()}
    seen = "http://10.0.0.5:8000/hooks/"  # what the server sees behind the proxy
    verifier = VERIFIERS["hubspot"]
    with pytest.raises(WebhookRejected):
        verifier.verify(SECRETS["hubspot"], Delivery("POST", seen, headers, body), NOW)
    proxied = Delivery("POST", seen, headers, body, public_url=HOOK_URL)
    assert verifier.verify(SECRETS["hubspot"], proxied, NOW).event_id == "1"


def test_a_repeat_inside_one_batch_is_stored_once(ws: Workspace) -> None:
    from cxpulse.sources.webhook_events import store_many
    from cxpulse.sources.webhook_events import verify as check

    d = delivery("stripe", BODY, sign("stripe", BODY, NOW))
    checked = check(ws, "stripe", d, NOW)
    answers = store_many(ws, [(checked, d), (checked, d)], NOW)
    assert [a.new for a in answers] == [True, False]
    assert len(stored_events(ws, "stripe")) == 1
