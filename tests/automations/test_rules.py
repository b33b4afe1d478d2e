"""Rule files, conditions, actions, once-per-cause and the dry run on a real workspace."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import ibis
import pytest

from cxpulse import Workspace
from cxpulse.automations import add_rule, dry_run, get_case, move, rule_from_dict, run_rules, runs
from cxpulse.automations.cases import cases
from cxpulse.errors import ConfigError
from cxpulse.schema import CHURN_SCORES_SCHEMA, CHURN_SCORES_TABLE
from cxpulse.text.annotate import score_workspace
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
        ("name: x\nwhen: {response: promoter}\nthen: [{sms: {}}]", "field 'then[0].sms'"),
        ("name: x\nwhen: {response: promoter}\nthen: [{email: {to: bob}}]",
         "field 'then[0].email.to'"),
        ("name: x\nwhen: {response: promoter}\n"
         "then: [{email: {to: a@b.c, subject: 'Hi {nobody}', text: x}}]",
         "field 'then[0].email.subject.en': unknown placeholder {nobody}"),
        ("name: x\nwhen: {metric: {name: nope, below: 1}}\nthen: [{case: {}}]",
         "field 'when.metric.name'"),
        ("name: x\nwhen: {metric: {name: nps, below: 1, above: 2}}\nthen: [{case: {}}]",
         "field 'when.metric.below'"),
        ("name: x\nwhen: {metric: {name: nps, below: 10}}\nthen: [{tag: a}]",
         "field 'then[0].tag': a metric condition is about a group"),
        ("name: x\nwhen: {event: ''}\nthen: [{tag: a}]", "field 'when.event'"),
        ("name: x\nwhen: {response: detractor}\nthen: [{case: {sla_hour: 4}}]",
         "field 'then[0].case.sla_hour': unknown option; case takes sla_hours, assign"),
        ("name: x\nwhen: {response: promoter}\nthen: [{webhook: {url: 'https://x', fromat: 1}}]",
         "field 'then[0].webhook.fromat'"),
        ("name: x\nwhen: {response: promoter}\nthen: [{tagg: a}]",
         "field 'then[0].tagg': unknown action"),
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
        # an imported review has no sentiment of its own: cxpulse's score of its text counts
        {"platform": "trustpilot", "customer_id": "dana", "posted_at": T0,
         "text": "Terrible service, awful, never again"},
    ])  # fmt: skip
    assert list(dry_run(ws, loud, T0 + timedelta(hours=1)).customer_id) == ["carl"]
    score_workspace(ws, ["mentions"])
    assert sorted(dry_run(ws, loud, T0 + timedelta(hours=1)).customer_id) == ["carl", "dana"]


def test_promoter_review_request_needs_the_link(ws: Workspace, tmp_path: Path) -> None:
    people(ws)
    with pytest.raises(ConfigError, match=r"then\[0\].review_request.*review_url_trustpilot"):
        rule(ws, tmp_path, PROMOTER)  # refused when added, not at every firing
    ws.set_setting("review_url_trustpilot", "https://www.trustpilot.com/evaluate/acme.test")
    rule(ws, tmp_path, PROMOTER)
    ws.set_setting("review_url_trustpilot", "")  # emptied later: the firing says why it skipped
    nps(ws, "bob", 10, 1)
    (fired,) = run_rules(ws, T0 + timedelta(hours=2)).fired
    assert fired.done == [
        "review request skipped: review_url_trustpilot is not set",
        "tag promoter",
    ]
    assert ws.store.table("automation_outbox").count().execute() == 0


METRIC_WATCH = """
name: nps-drop
when: {metric: {name: nps, below: 0, by: month, segment: touchpoint, min_n: 5}}
then:
  - case: {sla_hours: 48, assign: [{team: cx-leads}]}
  - email: {to: cx-leads@acme.test, subject: "NPS {value} for {segment} in {period}",
            text: "{metric} fell under {bound} ({rule})"}
"""


def test_a_metric_fires_once_per_complete_period_and_segment(ws: Workspace, tmp_path: Path) -> None:
    june = datetime(2025, 6, 10, 12)
    rows = [
        # delivery: 2 promoters, 4 detractors (NPS -33); support: 5 promoters (NPS 100)
        *({"customer_id": "bob", "touchpoint": "delivery", "score": s, "responded_at": june}
          for s in (10, 9, 2, 3, 4, 5)),
        *({"customer_id": "carl", "touchpoint": "support", "score": 10, "responded_at": june}
          for _ in range(5)),
        # faq: as bad as delivery, but 3 answers: under min_n, never fires
        *({"customer_id": "dora", "touchpoint": "faq", "score": 0, "responded_at": june}
          for _ in range(3)),
    ]  # fmt: skip
    add_rows(ws, "survey_responses", rows)
    people(ws)
    path = tmp_path / "watch.yaml"
    path.write_text(METRIC_WATCH, encoding="utf-8")
    add_rule(ws, path, datetime(2025, 6, 25))
    # 30 June 23:00 in Paris: June is not over, its NPS may still change
    assert run_rules(ws, datetime(2025, 6, 30, 21)).fired == []
    # 1 July 00:30 in Paris (22:30 UTC): June is complete
    (fired,) = run_rules(ws, datetime(2025, 6, 30, 22, 30)).fired
    assert fired.run_id == "nps-drop:nps|delivery|2025-06" and fired.customer_id == ""
    (case,) = cases(ws).itertuples()
    assert case.customer_id is None and case.team == "cx-leads"
    assert case.summary == "nps -33.3333 below 0 for delivery in 2025-06, n=6 (nps-drop)"
    (mail,) = ws.store.table("automation_outbox").execute().itertuples()
    assert (mail.kind, mail.target) == ("email", "cx-leads@acme.test")
    assert json.loads(mail.payload) == {
        "subject": "NPS -33.3333 for delivery in 2025-06",
        "text": "nps fell under 0.0 (nps-drop)",
    }
    assert run_rules(ws, datetime(2025, 7, 1, 9)).fired == []  # never twice for one period
    seen = dry_run(ws, "nps-drop", datetime(2025, 7, 2))
    assert list(seen.cause) == ["nps|delivery|2025-06"] and seen.already_fired.all()
    move(ws, case.case_id, "acknowledged", datetime(2025, 7, 2))
    move(ws, case.case_id, "contacted", datetime(2025, 7, 2))
    move(ws, case.case_id, "resolved", datetime(2025, 7, 3), root_cause="carrier")
    assert ws.store.table("survey_events").count().execute() == 0  # no customer to re-survey


def test_a_named_event_fires_and_emails_the_customer_in_their_language(
    ws: Workspace, tmp_path: Path
) -> None:
    from cxpulse.surveys.events import Event, record_events

    people(ws)
    text = """
name: trial-ended
when: {event: trial_expired}
then:
  - email:
      to: customer
      subject: {en: "Your trial ended", fr: "Votre essai est terminé"}
      text: {en: "Hello {customer_id}", fr: "Bonjour {customer_id}"}
"""
    path = tmp_path / "trial.yaml"
    path.write_text(text, encoding="utf-8")
    add_rule(ws, path, T0)
    at = (T0 + timedelta(hours=1)).replace(tzinfo=UTC)
    record_events(ws, [Event("trial_expired", "alice", at), Event("trial_expired", "bob", at),
                       Event("signed_up", "carl", at)])  # fmt: skip
    fired = run_rules(ws, T0 + timedelta(hours=2)).fired
    assert sorted(f.customer_id for f in fired) == ["alice", "bob"]
    mails = {r.target: json.loads(r.payload) for r in
             ws.store.table("automation_outbox").execute().itertuples()}  # fmt: skip
    assert mails == {
        "a@x.io": {"subject": "Votre essai est terminé", "text": "Bonjour alice"},
        "b@x.io": {"subject": "Your trial ended", "text": "Hello bob"},
    }


@pytest.mark.parametrize(
    ("when", "then", "expected"),
    [
        ({"metric": {"name": ["nps"], "below": 1}}, [{"case": {}}], "field 'when.metric.name'"),
        ({"metric": {"name": "nps", "below": 1, "variant": {"a": 1}}}, [{"case": {}}],
         "field 'when.metric.variant'"),
        ({"response": "promoter"}, [{"review_request": {"platform": ["g2"]}}],
         "field 'then[0].review_request.platform'"),
    ],
)  # fmt: skip
def test_a_list_or_mapping_where_a_name_belongs_is_named_not_a_crash(
    when: dict[str, object], then: list[object], expected: str
) -> None:
    """These raised TypeError (unhashable) from the lookup: a traceback, not the field."""
    with pytest.raises(ConfigError, match=re.escape(expected)):
        rule_from_dict({"name": "x", "when": when, "then": then}, "r.yaml")
