"""Signed links: one response per invitation and question, tampered and expired links refused."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from cxpulse import Workspace
from cxpulse.surveys import InvalidLink, run_surveys
from cxpulse.surveys.links import (
    ExpiredLink,
    InvalidAnswer,
    Recorded,
    Submission,
    TamperedLink,
    UnknownInvitation,
    answer,
    respond,
    respond_many,
    sign,
    survey_for_token,
    verify,
)
from cxpulse.surveys.store import link_secret
from cxpulse.surveys.unsubscribe import unsubscribe, unsubscribe_language
from tests.conftest import add_rows
from tests.surveys.helpers import SUPPORT_CSAT
from tests.surveys.test_run import NOW, setup


@pytest.fixture
def token(ws: Workspace, tmp_path: Path) -> str:
    setup(ws, tmp_path, SUPPORT_CSAT)
    add_rows(ws, "tickets", [{"customer_id": "alice", "created_at": NOW - timedelta(days=2),
                              "solved_at": NOW - timedelta(hours=25)}])  # fmt: skip
    assert len(run_surveys(ws, NOW).invited) == 1
    inv = ws.table("survey_invitations").execute().invitation_id.iloc[0]
    return sign(link_secret(ws, NOW), inv, NOW + timedelta(days=14))


def test_secret_is_generated_once_and_kept(ws: Workspace) -> None:
    assert link_secret(ws, NOW) == link_secret(ws, NOW + timedelta(days=1))
    assert len(link_secret(ws, NOW)) == 32


def test_answering_twice_updates_and_a_late_comment_keeps_the_score(
    ws: Workspace, token: str
) -> None:
    answer(ws, token, "satisfaction", NOW, score=2)
    answer(ws, token, "satisfaction", NOW + timedelta(minutes=1), score=4)
    answer(ws, token, "satisfaction", NOW + timedelta(minutes=2), comment="Fast, merci")
    rows = ws.table("survey_responses").execute()
    assert len(rows) == 1
    row = rows.iloc[0]
    assert (row.score, row.comment, row.question_type, row.scale_max) == (
        4,
        "Fast, merci",
        "csat",
        5,
    )
    assert (row.language, row.touchpoint, row.channel) == ("fr", "support", "email")
    assert row.invitation_id and row.survey_id == "support-csat"
    answer(ws, token, "comment", NOW, comment="Rien")
    assert len(ws.table("survey_responses").execute()) == 2


def test_tampered_expired_and_out_of_scale_refused(ws: Workspace, token: str) -> None:
    inv, expiry, mac = token.split(".")
    for bad in (f"{inv}.{int(expiry) + 86400}.{mac}", f"INVother.{expiry}.{mac}", inv, ""):
        with pytest.raises(InvalidLink, match="not valid"):
            answer(ws, bad, "satisfaction", NOW, score=5)
    with pytest.raises(InvalidLink, match="expired"):
        answer(ws, token, "satisfaction", NOW + timedelta(days=15), score=5)
    with pytest.raises(InvalidLink, match="1-5"):
        answer(ws, token, "satisfaction", NOW, score=9)
    assert verify(link_secret(ws, NOW), token, NOW) == inv
    assert ws.table("survey_responses").count().execute() == 0


def test_a_proposed_score_is_checked_and_never_written(ws: Workspace, token: str) -> None:
    view = survey_for_token(ws, token, NOW, proposed={"satisfaction": {"score": 2}})
    assert view["answers"] == {}
    with pytest.raises(InvalidAnswer, match="1-5"):
        survey_for_token(ws, token, NOW, proposed={"satisfaction": {"score": 9}})
    assert unsubscribe_language(ws, token, NOW + timedelta(days=60)) == "fr"  # asks only
    assert ws.table("survey_responses").count().execute() == 0
    c = ws.table("customers")
    assert c.filter(c.customer_id == "alice").email_consent.execute().tolist() == [True]


def test_unsubscribe_sets_consent_false_even_after_expiry(ws: Workspace, token: str) -> None:
    assert unsubscribe(ws, token, NOW + timedelta(days=60)) == "alice"
    c = ws.table("customers")
    row = c.filter(c.customer_id == "alice").execute().iloc[0]
    assert not row.email_consent and row.email == "a@x.io"
    assert ws.table("customers").count().execute() == 5


def test_public_response_api_distinct_errors_and_atomic_answers(ws: Workspace, token: str) -> None:
    inv, expiry, mac = token.split(".")
    with pytest.raises(TamperedLink):
        respond(ws, f"{inv}.{int(expiry) + 1}.{mac}", {"satisfaction": {"score": 5}}, NOW)
    with pytest.raises(ExpiredLink):
        respond(ws, token, {"satisfaction": {"score": 5}}, NOW + timedelta(days=15))
    ghost = sign(link_secret(ws, NOW), "INVghost", NOW + timedelta(days=1))
    with pytest.raises(UnknownInvitation):
        respond(ws, ghost, {"satisfaction": {"score": 5}}, NOW)
    for bad, match in (
        ({"satisfaction": {"score": 5}, "nope": {"score": 1}}, "no question 'nope'"),
        ({"satisfaction": {"score": True}}, "1-5"),
        ({"satisfaction": {"score": "5"}}, "1-5"),
        ({"comment": {"score": 3}}, "not a scored question"),
        ({"satisfaction": {"stars": 3}}, "unknown answer field 'stars'"),
        ({"comment": {"choice": "x"}}, "does not take a choice"),
        ({}, "no answer given"),
    ):
        with pytest.raises(InvalidAnswer, match=match):
            respond(ws, token, bad, NOW)
    assert ws.table("survey_responses").count().execute() == 0  # nothing half-written
    ids = respond(ws, token, {"satisfaction": {"score": 2, "comment": "Lent"},
                              "comment": {"comment": "Rien"}}, NOW)  # fmt: skip
    assert len(ids) == 2
    view = survey_for_token(ws, token, NOW)
    assert view["answers"]["satisfaction"] == {"score": 2, "comment": "Lent"}
    assert view["language"] == "fr"
    assert view["questions"][0]["follow_up"][0] == {
        "scores": [1, 2],
        "text": "Qu'est-ce qui n'a pas été ?",
    }


def test_choice_answers_are_stored_in_english(ws: Workspace, tmp_path: Path) -> None:
    text = (
        SUPPORT_CSAT
        + """  - id: topic
    type: multiple_choice
    text: "What was it about?"
    choices: [{en: Billing, fr: Facturation}, {en: Delivery, fr: Livraison}]
"""
    )
    setup(ws, tmp_path, text)
    add_rows(ws, "tickets", [{"customer_id": "alice", "created_at": NOW - timedelta(days=2),
                              "solved_at": NOW - timedelta(hours=25)}])  # fmt: skip
    run_surveys(ws, NOW, send=False)
    inv = ws.table("survey_invitations").execute().invitation_id.iloc[0]
    tok = sign(link_secret(ws, NOW), inv, NOW + timedelta(days=14))
    respond(ws, tok, {"topic": {"choice": ["Facturation", "Delivery"]}}, NOW)
    row = ws.table("survey_responses").execute().iloc[0]
    assert (row.question_type, row.comment) == ("choice", "Billing | Delivery")
    with pytest.raises(InvalidAnswer, match="'Colis' is not one of the choices"):
        respond(ws, tok, {"topic": {"choice": "Colis"}}, NOW)


def test_the_shelf_reads_an_edit_within_its_age_and_a_new_survey_at_once(
    ws: Workspace, tmp_path: Path
) -> None:
    from cxpulse.surveys.catalog import set_survey_active
    from cxpulse.surveys.store import SurveyShelf, add_survey
    from tests.surveys.helpers import RELATIONAL_NPS, write

    setup(ws, tmp_path, SUPPORT_CSAT)
    clock = [100.0]
    shelf = SurveyShelf(max_age=1.0, clock=lambda: clock[0])
    assert set(shelf.active(ws)) == {"support-csat"}
    add_survey(ws, write(tmp_path, "nps", RELATIONAL_NPS), NOW)
    assert set(shelf.active(ws)) == {"support-csat"}  # within a second: the parsed copy
    assert set(shelf.active(ws, ["relational-nps"])) == {"support-csat", "relational-nps"}
    set_survey_active(ws, "support-csat", False)
    clock[0] += 1.0
    assert set(shelf.active(ws)) == {"relational-nps"}  # a second later: read again


def test_a_batch_returns_what_each_customer_now_sees(ws: Workspace, token: str) -> None:
    answer(ws, token, "comment", NOW, comment="Rien")
    first, refused = respond_many(
        ws,
        [
            Submission(token, {"satisfaction": {"score": 2}}),
            Submission(token + "x", {"satisfaction": {"score": 2}}),
        ],
        NOW,
    )
    assert isinstance(refused, TamperedLink)
    assert isinstance(first, Recorded) and first.response_ids == [
        f"{first.view['invitation_id']}:satisfaction"
    ]
    assert first.view["language"] == "fr"
    assert first.view["answers"] == {
        "comment": {"score": None, "comment": "Rien"},  # given earlier, kept and shown
        "satisfaction": {"score": 2, "comment": None},
    }
    assert first.view == survey_for_token(ws, token, NOW)  # the page a reload would show
