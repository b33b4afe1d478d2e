"""Group commit of survey answers: every acknowledged answer is stored, refusals stay per post."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import datetime, timedelta

import pytest

from cxpulse import Workspace
from cxpulse.surveys.intake import ResponseIntake
from cxpulse.surveys.links import ExpiredLink, InvalidAnswer, TamperedLink, sign
from cxpulse.surveys.store import link_secret
from tests.conftest import add_rows

NOW = datetime(2026, 3, 2, 10)


def _invite(ws: Workspace, n: int) -> list[str]:
    """n email invitations of a one-question NPS survey, returning their signed tokens."""
    import json

    import ibis

    from cxpulse.schema import (
        SURVEY_DEFINITIONS_TABLE,
        SURVEY_DELIVERIES_TABLE,
        SURVEY_OPERATIONAL_SCHEMAS,
    )
    from cxpulse.surveys.definition import survey_from_dict

    raw = {
        "id": "nps-rel",
        "touchpoint": "relationship",
        "trigger": {"every": "90 days"},
        "questions": [{"id": "q1", "type": "nps", "text": {"en": "Recommend us?"}}],
    }
    survey_from_dict(raw, source="test")
    ws.store.con.insert(
        SURVEY_DEFINITIONS_TABLE,
        ibis.memtable(
            [
                {
                    "survey_id": "nps-rel",
                    "definition": json.dumps(raw),
                    "active": True,
                    "added_at": NOW,
                }
            ],
            schema=ibis.schema(SURVEY_OPERATIONAL_SCHEMAS[SURVEY_DEFINITIONS_TABLE]),
        ),
    )
    schema_ = SURVEY_OPERATIONAL_SCHEMAS[SURVEY_DELIVERIES_TABLE]
    rows = []
    for i in range(n):
        row = {c: None for c in schema_}
        row.update(
            delivery_key=f"INV{i}:email", invitation_id=f"INV{i}", customer_id=f"C{i}",
            survey_id="nps-rel", language="en", created_at=NOW, status="sent",
            expires_at=NOW + timedelta(days=14),
        )  # fmt: skip
        rows.append({k: v for k, v in row.items() if k in schema_})
    ws.store.con.insert(SURVEY_DELIVERIES_TABLE, ibis.memtable(rows, schema=ibis.schema(schema_)))
    add_rows(ws, "customers", [{"customer_id": f"C{i}"} for i in range(n)])
    secret = link_secret(ws, NOW)
    return [sign(secret, f"INV{i}", NOW + timedelta(days=14)) for i in range(n)]


@pytest.fixture
def intake(ws: Workspace) -> Iterator[ResponseIntake]:
    lock = threading.Lock()

    @contextmanager
    def locked() -> Iterator[Workspace]:
        with lock:
            yield ws

    running = ResponseIntake(locked, lambda: NOW)
    yield running
    running.close()


def test_concurrent_posts_are_all_stored_in_few_batches(
    ws: Workspace, intake: ResponseIntake
) -> None:
    tokens = _invite(ws, 300)
    with ThreadPoolExecutor(32) as pool:
        ids = list(pool.map(lambda t: intake.record(t, {"q1": {"score": 9}}), tokens))
    assert sorted(i[0] for i in ids) == sorted(f"INV{i}:q1" for i in range(300))
    stored = ws.table("survey_responses").execute()
    assert len(stored) == 300 and set(stored["score"]) == {9}
    assert intake.answers == 300 and intake.batches < 300  # grouped under load


def test_a_refused_post_does_not_spoil_its_batch(ws: Workspace, intake: ResponseIntake) -> None:
    good, other = _invite(ws, 2)
    expired = sign(link_secret(ws, NOW), "INV1", NOW - timedelta(days=1))
    futures = [
        intake.submit(good, {"q1": {"score": 3}}),
        intake.submit(good[:-2] + "xx", {"q1": {"score": 3}}),
        intake.submit(other, {"q1": {"score": 11}}),
        intake.submit(expired, {"q1": {"score": 1}}),
    ]
    assert futures[0].result(30).response_ids == ["INV0:q1"]
    with pytest.raises(TamperedLink):
        futures[1].result(30)
    with pytest.raises(InvalidAnswer, match="score 11"):
        futures[2].result(30)
    with pytest.raises(ExpiredLink):
        futures[3].result(30)
    assert ws.table("survey_responses").count().execute() == 1


def test_a_comment_after_the_score_in_the_same_batch_keeps_both(
    ws: Workspace, intake: ResponseIntake
) -> None:
    (token,) = _invite(ws, 1)
    first = intake.submit(token, {"q1": {"score": 4}})
    second = intake.submit(token, {"q1": {"comment": "slow delivery"}})
    assert first.result(30).response_ids == second.result(30).response_ids == ["INV0:q1"]
    row = ws.table("survey_responses").execute().iloc[0]
    assert row["score"] == 4 and row["comment"] == "slow delivery"
    # what the thank-you page shows after the second post: both answers, merged
    assert second.result().view["answers"] == {"q1": {"score": 4, "comment": "slow delivery"}}


def test_close_writes_what_is_queued(ws: Workspace) -> None:
    tokens = _invite(ws, 50)
    running = ResponseIntake(lambda: _same(ws), lambda: NOW)
    futures = [running.submit(t, {"q1": {"score": 10}}) for t in tokens]
    running.close()
    assert all(f.done() for f in futures)
    assert ws.table("survey_responses").count().execute() == 50


@contextmanager
def _same(ws: Workspace) -> Iterator[Workspace]:
    yield ws


def test_a_closed_intake_starts_again_on_the_next_answer(ws: Workspace) -> None:
    first, second = _invite(ws, 2)
    running = ResponseIntake(lambda: _same(ws), lambda: NOW)
    assert running.record(first, {"q1": {"score": 10}}) == ["INV0:q1"]
    running.close()
    assert running.record(second, {"q1": {"score": 2}}, timeout=30) == ["INV1:q1"]
    running.close()
