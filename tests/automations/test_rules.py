"""Rule files, conditions, actions, once-per-cause and the dry run on a real workspace."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import ibis
import pytest

from cxpulse import Workspace
from cxpulse.automations import dry_run, get_case, rule_from_dict, run_rules, runs
from cxpulse.automations.cases import cases
from cxpulse.errors import ConfigError
from cxpulse.store.migrations import CHURN_SCORES_SCHEMA, CHURN_SCORES_TABLE
from tests.automations.helpers import CSAT_LOW, DETRACTOR, PROMOTER, T0, people, rule
from tests.conftest import add_rows


def nps(ws: Workspace, customer: str, score: int, hours: float) -> None:
    add_rows(ws, "survey_responses", [{"customer_id": customer, "score": score,
                                       "responded_at": T0 + timedelta(hours=hours)}])  # fmt: skip


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("name: x\nwhen: {response: angry}\nthen: [{tag: a}]", "field 'when.response'"),
        ("name: x\nwhen: {churn_risk_above: 3}\nthen: [{tag: a}]", "field 'when.churn_risk_above'"),
        ("name: x\nwhen: {response: promoter}\nthen: []", "field 'then'"),
        ("name: x\nwhen: {response: promoter}\nthen: [{webhook: {url: ftp://x}}]",
         "field 'then[0].webhook.url'"),
        ("name: x\nwhen: {response: promoter}\nthen: [{case: {assign: [{plan: a}]}}]",
         "field 'then[0].case.assign[0].plan'"),
        ("when: {response: promoter}\nthen: [{tag: a}]", "field 'name'"),
        ("name: x\nwhen: {response: promoter}\nthen: [{email: {}}]", "field 'then[0].email'"),
    ],
)  # fmt: skip
def test_bad_rules_name_the_file_and_the_field(tmp_path: Path, text: str, expected: str) -> None:
    from cxpulse.automations import load_rule

    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=re.escape(expected)) as err:
        load_rule(path)
    assert str(path) in str(err.value)


def test_detractor_opens_one_case_per_cause_with_assignment(ws: Workspace, tmp_path: Path) -> None:
    people(ws)
    rule(ws, tmp_path, DETRACTOR)
    nps(ws, "bob", 3, 1)
    nps(ws, "carl", 5, 2)
    nps(ws, "dora", 0, 3)
    nps(ws, "alice", 6, 4)
    nps(ws, "bob", 9, 5)  # a promoter: not this rule
    first = run_rules(ws, T0 + timedelta(hours=6))
    assert sorted(f.customer_id for f in first.fired) == ["alice", "bob", "carl", "dora"]
    owners = {r.customer_id: (r.owner, r.team) for r in cases(ws).itertuples()}
    assert owners == {"bob": ("ana", "cx"), "carl": ("ben", "cx"), "dora": ("kim", "key-accounts"),
                      "alice": ("camille", "cx-fr")}  # fmt: skip
    all_ = cases(ws)
    case = get_case(ws, all_[all_.customer_id == "bob"].case_id.iloc[0])
    assert case["sla_due_at"] == case["opened_at"] + timedelta(hours=24)
    assert case["cause_score"] == 3 and case["state"] == "open"
    tags = ws.store.table("customer_tags").execute()
    assert sorted(tags.customer_id) == ["alice", "bob", "carl", "dora"]

    # again, later: the same causes never fire twice; every firing is recorded
    assert run_rules(ws, T0 + timedelta(hours=7)).fired == []
    assert len(cases(ws)) == 4 and len(runs(ws)) == 4
    outbox = ws.store.table("automation_outbox").execute()
    assert len(outbox) == 4 and set(outbox.status) == {"pending"}


def test_csat_ces_and_old_causes(ws: Workspace, tmp_path: Path) -> None:
    people(ws)
    rule(ws, tmp_path, CSAT_LOW)
    csat = {"question_type": "csat", "scale_min": 1, "scale_max": 5, "customer_id": "bob"}
    add_rows(ws, "survey_responses", [
        {**csat, "score": 3, "responded_at": T0 + timedelta(hours=1)},
        {**csat, "score": 4, "responded_at": T0 + timedelta(hours=1)},
        {**csat, "score": 1, "responded_at": T0 - timedelta(days=3)},  # before the rule
    ])  # fmt: skip
    assert [f.customer_id for f in run_rules(ws, T0 + timedelta(hours=2)).fired] == ["bob"]
    ces = rule_from_dict({"name": "hard", "when": {"response": "ces_hard"}, "then": [{"tag": "h"}]})
    add_rows(ws, "survey_responses", [
        {"question_type": "ces", "scale_min": 1, "scale_max": 7, "polarity": "high_is_hard",
         "customer_id": "carl", "score": 6, "responded_at": T0},
        {"question_type": "ces", "scale_min": 1, "scale_max": 7, "polarity": "high_is_easy",
         "customer_id": "bob", "score": 6, "responded_at": T0},
    ])  # fmt: skip
    assert list(dry_run(ws, ces, T0 + timedelta(hours=1)).customer_id) == ["carl"]


def test_dry_run_shows_90_days_without_acting(ws: Workspace, tmp_path: Path) -> None:
    people(ws)
    nps(ws, "bob", 2, -24 * 30)
    nps(ws, "carl", 4, -24 * 100)  # beyond 90 days
    rule(ws, tmp_path, DETRACTOR)
    hits = dry_run(ws, "detractor-case", T0)
    assert list(hits.customer_id) == ["bob"] and not hits.already_fired.any()
    assert cases(ws).empty and runs(ws).empty
    assert ws.store.table("automation_outbox").count().execute() == 0
    with pytest.raises(ConfigError, match="rules list"):
        dry_run(ws, "nope", T0)


def test_fourth_negative_interaction_churn_risk_and_mentions(ws: Workspace, tmp_path: Path) -> None:
    people(ws)
    add_rows(ws, "tickets", [
        {"ticket_id": f"N{i}", "customer_id": "bob", "escalated": True,
         "created_at": T0 + timedelta(days=i * 20)}
        for i in range(5)
    ])  # fmt: skip
    fourth = rule_from_dict({"name": "neg", "when": {"negative_interactions": 4},
                             "then": [{"tag": "unhappy"}]})  # fmt: skip
    hits = dry_run(ws, fourth, T0 + timedelta(days=100))
    assert list(hits.cause) == ["N3"]  # the 4th within 90 days fires; the 5th does not again

    risky = rule_from_dict({"name": "risk", "when": {"churn_risk_above": 0.7},
                            "then": [{"tag": "at-risk"}]})  # fmt: skip
    scores = [{"customer_id": c, "as_of": T0, "risk": r, "model": "m", "top_reasons": "",
               "scored_at": T0} for c, r in (("bob", 0.9), ("carl", 0.2))]  # fmt: skip
    ws.store.con.insert(
        CHURN_SCORES_TABLE, ibis.memtable(scores, schema=ibis.schema(CHURN_SCORES_SCHEMA))
    )
    assert list(dry_run(ws, risky, T0 + timedelta(hours=1)).cause) == ["bob@2025-06"]

    loud = rule_from_dict({"name": "m", "when": {"mention_sentiment_below": -0.3},
                           "then": [{"tag": "loud"}]})  # fmt: skip
    add_rows(ws, "mentions", [
        {"platform": "x", "customer_id": "carl", "posted_at": T0, "sentiment": -0.8},
        {"platform": "x", "customer_id": "bob", "posted_at": T0, "sentiment": 0.5},
    ])  # fmt: skip
    assert list(dry_run(ws, loud, T0 + timedelta(hours=1)).customer_id) == ["carl"]


def test_promoter_review_request_needs_the_link(ws: Workspace, tmp_path: Path) -> None:
    people(ws)
    rule(ws, tmp_path, PROMOTER)
    nps(ws, "bob", 10, 1)
    with pytest.raises(ConfigError, match="review_url_trustpilot"):
        run_rules(ws, T0 + timedelta(hours=2))
    assert runs(ws).empty  # nothing half-done
