"""The customers behind a drop and what they pay, and the negatives-churn link: known answers
on hand-made DuckDB workspaces, and the demo's planted outage and churn link."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import pandas as pd
import pytest

from cxpulse import Workspace
from cxpulse.churn.scoring import write_scores
from cxpulse.demo import create_demo
from cxpulse.errors import QueryError
from cxpulse.insights.cost import customers_behind, negatives_link
from tests.conftest import add_rows

OCT, NOV = datetime(2025, 10, 8, 10), datetime(2025, 11, 12, 10)


Row = dict[str, object]


def csat(
    customer: str | None, score: int, when: datetime = NOV, touchpoint: str = "delivery"
) -> Row:
    return {"customer_id": customer, "score": score, "responded_at": when,
            "touchpoint": touchpoint, "question_type": "csat", "scale_max": 5}  # fmt: skip


def sub(customer: str, price: float, period: str = "month", end: datetime | None = None) -> Row:
    return {"customer_id": customer, "started_at": datetime(2025, 1, 1), "ended_at": end,
            "price": price, "billing_period": period}  # fmt: skip


@pytest.fixture
def shop(ws: Workspace) -> Workspace:
    """A pays 100 a month, B 1,200 a year (100 a month), C 50 a month until 20 November,
    D nothing. In November on delivery: A answers 2 and 5, B 1, C 3, D 2, someone anonymous 1;
    E answers 1 on support (another segment). In October A answered 2 on delivery."""
    add_rows(ws, "customers", [{"customer_id": c} for c in "ABCDE"])
    add_rows(ws, "subscriptions", [sub("A", 100), sub("B", 1200, "year"),
                                   sub("C", 50, end=datetime(2025, 11, 20))])  # fmt: skip
    add_rows(ws, "survey_responses", [
        csat("A", 2), csat("A", 5), csat("B", 1), csat("C", 3), csat("D", 2), csat(None, 1),
        csat("E", 1, touchpoint="support"), csat("A", 2, OCT), csat("B", 5, OCT),
    ])  # fmt: skip
    return ws


def test_the_customers_behind_a_csat_drop_in_a_segment_and_their_mrr(shop: Workspace) -> None:
    cost = customers_behind(shop, "csat", "2025-11", dimension="touchpoint", value="delivery")
    assert (cost.customers, cost.unhappy, cost.anonymous) == (4, 4, 1)  # A, B, C, D
    assert (cost.previous_period, cost.previous_customers) == ("2025-10", 1)
    assert (cost.paying, cost.mrr) == (2, 200.0)  # A and B; C left on 20 November
    assert (cost.lost_customers, cost.lost_mrr) == (1, 50.0)
    # nobody scored yet: the risk is unknown, not 0
    assert not cost.scored and cost.expected_loss is None and cost.high_risk_customers is None
    assert [c.customer_id for c in cost.top[:2]] == ["A", "B"]  # by MRR, then unhappy answers
    assert cost.top[0].unhappy == 1 and cost.top[0].total == 2
    assert cost.headline("en") == (
        "In 2025-11 (touchpoint: delivery), 4 customers gave 4 dissatisfied CSAT answers "
        "(1 customer in 2025-10); they pay 200 MRR, and 1 left during the period (50 MRR "
        "lost); their churn risk is unknown: no churn model has been fitted (run `cxpulse "
        "churn score`)."
    )
    assert cost.headline("fr").startswith(
        "En 2025-11 (point de contact\u202f: delivery), 4 clients ont donné 4 réponses CSAT "
        "insatisfaites"
    )
    assert "aucun modèle de churn n'a été ajusté" in cost.headline("fr")
    # the whole of November: E's answer on support counts too
    everyone = customers_behind(shop, "csat", "2025-11")
    assert everyone.customers == 5 and everyone.dimension is None


def test_a_customer_attribute_is_named_in_plain_words(shop: Workspace) -> None:
    shop.store.con.raw_sql("UPDATE customers SET segment = 'smb' WHERE customer_id IN ('A', 'D')")
    cost = customers_behind(shop, "csat", "2025-11", dimension="customer.segment", value="smb")
    assert cost.customers == 2  # A and D
    assert cost.headline("en").startswith("In 2025-11 (customer segment: smb), 2 customers gave")
    assert cost.headline("fr").startswith("En 2025-11 (segment client\u202f: smb), 2 clients")


def test_a_run_computes_every_customers_mrr_once_with_the_same_costs(shop: Workspace) -> None:
    """Inside a sharing block (an insights run) the findings of one period share one read of
    every customer's MRR: the same costs as each computed on its own."""
    asked = [{}, {"dimension": "touchpoint", "value": "delivery"},
             {"dimension": "touchpoint", "value": "support"}]  # fmt: skip
    alone = [customers_behind(shop, "csat", "2025-11", **a) for a in asked]
    with shop.sharing():
        together = [customers_behind(shop, "csat", "2025-11", **a) for a in asked]
        kept = [k for k in shop._shared or {} if k[0] == "customer balances"]
    assert together == alone
    assert kept == [("customer balances", "month", date(2025, 11, 1), date(2025, 11, 30))]


def test_stored_churn_scores_give_the_revenue_at_risk(shop: Workspace) -> None:
    write_scores(
        shop,
        pd.DataFrame({"customer_id": ["A", "B"], "as_of": pd.Timestamp("2025-12-01"),
                      "risk": [0.5, 0.1], "model": "gbm", "top_reasons": ""}),
    )  # fmt: skip
    shop.save_settings(type(shop.settings)(**{**shop.settings.__dict__, "currency": "EUR"}))
    cost = customers_behind(shop, "csat", "2025-11", dimension="touchpoint", value="delivery")
    assert cost.scored and cost.scores_as_of == "2025-12-01"
    assert (cost.high_risk_customers, cost.high_risk_mrr) == (1, 100.0)  # A, risk >= 30 %
    assert cost.expected_loss == pytest.approx(0.5 * 100 + 0.1 * 100)
    assert [(c.customer_id, c.expected_loss) for c in cost.top[:2]] == [("A", 50.0), ("B", 10.0)]
    assert cost.top[2].risk is None  # C and D were not scored
    assert cost.headline("en").endswith(
        "; 1 of them (€100 MRR) at high churn risk (≥ 30%, scored 2025-12-01); expected MRR "
        "loss: €60."
    )
    assert cost.headline("fr") == (
        "En 2025-11 (point de contact\u202f: delivery), 4 clients ont donné 4 réponses CSAT "
        "insatisfaites (1 client en 2025-10)\u202f; leur MRR est de 200\u00a0€, et 1 est parti "
        "dans la période (MRR perdu\u00a0: 50\u00a0€)\u202f; 1 d'entre eux (100\u00a0€ de MRR) à "
        "risque de churn élevé (≥\u202f30\u202f%, évalué au 2025-12-01)\u202f; perte de MRR "
        "attendue\u00a0: 60\u00a0€."
    )
    out = cost.to_dict()
    json.dumps(out, allow_nan=False)  # JSON-ready: no NaN, no numpy, no dates
    assert out["top"][2]["risk"] is None and out["headline"]["fr"] == cost.headline("fr")


def test_nps_detractors_are_answers_of_six_or_less(ws: Workspace) -> None:
    add_rows(ws, "survey_responses", [
        {"customer_id": c, "score": s, "responded_at": NOV} for c, s in
        (("A", 6), ("B", 7), ("C", 0), ("D", 9))
    ])  # fmt: skip
    cost = customers_behind(ws, "nps", "2025-11")
    assert (cost.customers, {c.customer_id for c in cost.top}) == (2, {"A", "C"})
    assert "2 customers gave 2 NPS detractor answers (0 customers in 2025-10)" in cost.headline()
    assert cost.mrr == 0 and cost.paying == 0  # no subscriptions at all


def test_support_metrics_count_the_unhappy_tickets_they_count(ws: Workspace) -> None:
    def ticket(customer: str, channel: str = "email", replied: bool = True, **more: object) -> Row:
        reply = datetime(2025, 11, 12, 15) if replied else None
        return {"customer_id": customer, "channel": channel, "created_at": NOV,
                "first_reply_at": reply, **more}  # fmt: skip

    add_rows(ws, "tickets", [
        ticket("A", escalated=True), ticket("A"), ticket("B", sentiment=-0.8),
        ticket("C", replied=False, escalated=True),  # not answered: first response time skips it
        ticket("D", channel="chat", escalated=True),
    ])  # fmt: skip
    add_rows(ws, "subscriptions", [sub("A", 30)])
    cost = customers_behind(ws, "first_response_time", "2025-11", dimension="channel",
                            value="email")  # fmt: skip
    assert (cost.customers, cost.unhappy) == (2, 2)
    assert {(c.customer_id, c.unhappy, c.total) for c in cost.top} == {("A", 1, 2), ("B", 1, 1)}
    assert cost.mrr == 30.0
    assert cost.headline().startswith(
        "In 2025-11 (channel: email), 2 customers had 2 unhappy tickets (0 customers in 2025-10)"
    )
    assert "2 clients ont eu 2 tickets mécontents" in cost.headline("fr")


def test_the_default_period_is_the_last_complete_one(shop: Workspace) -> None:
    assert customers_behind(shop, "csat", as_of="2025-12-05").period == "2025-11"
    assert customers_behind(shop, "csat", as_of="2025-11-30").period == "2025-10"
    assert customers_behind(shop, "csat", date(2025, 11, 17)).period == "2025-11"
    # asked for explicitly, an unfinished period says its counts are only so far
    ongoing = customers_behind(shop, "csat", "2025-11", as_of="2025-11-20")
    assert ongoing.partial and ongoing.headline().startswith("In 2025-11 so far, 5 customers")
    assert ongoing.headline("fr").startswith("En 2025-11 (en cours), 5 clients")
    assert not customers_behind(shop, "csat", "2025-11", as_of="2025-12-01").partial


def test_a_mean_variant_counts_the_unhappy_answers_of_its_metric(shop: Workspace) -> None:
    mean = customers_behind(shop, "csat", "2025-11", variant="mean")
    assert mean.variant == "default" and mean.customers == 5  # the top-two-box definition


def test_what_cannot_be_costed_says_why(shop: Workspace) -> None:
    with pytest.raises(QueryError, match="feedback and support metrics"):
        customers_behind(shop, "mrr", "2025-11")
    with pytest.raises(QueryError, match="dimension and its value"):
        customers_behind(shop, "csat", "2025-11", dimension="touchpoint")
    with pytest.raises(QueryError, match="2025-13"):
        customers_behind(shop, "csat", "2025-13")
    with pytest.raises(QueryError, match="between 0 and 1"):
        customers_behind(shop, "csat", "2025-11", high_risk=30)
    empty = customers_behind(shop, "csat", "2024-03")
    assert (empty.customers, empty.mrr, empty.top) == (0, 0.0, [])
    assert empty.headline() == (
        "In 2024-03, no customer gave any dissatisfied CSAT answers (0 customers in 2024-02)."
    )
    assert empty.headline("fr") == (
        "En 2024-03, aucun client n'a donné de réponse CSAT insatisfaite (0 client en 2024-02)."
    )


def test_no_tickets_no_link(ws: Workspace) -> None:
    assert negatives_link(ws) is None


def link_shop(ws: Workspace, churned: dict[int, int]) -> None:
    """40 customers with one calm ticket and 40 with one escalated ticket in January 2025,
    all subscribed since 2024; ``churned[k]`` of those with k negatives leave in February."""
    customers, subs, tickets = [], [], []
    for k in (0, 1):
        for i in range(40):
            c = f"{k}-{i}"
            end = datetime(2025, 2, 15) if i < churned[k] else None
            customers.append({"customer_id": c})
            subs.append({**sub(c, 10), "started_at": datetime(2024, 1, 1), "ended_at": end})
            tickets.append({"customer_id": c, "created_at": datetime(2025, 1, 10),
                            "escalated": bool(k)})  # fmt: skip
    add_rows(ws, "customers", customers)
    add_rows(ws, "subscriptions", subs)
    add_rows(ws, "tickets", tickets)


def test_no_link_is_stated_when_churn_does_not_rise_with_negatives(ws: Workspace) -> None:
    """Found on an imported workspace: churn fell from 4 % (no negatives) to 0 % (one), and
    the insights said "Customers with 1+ negative interactions churn at 0.0% vs 4.4%"."""
    link_shop(ws, {0: 4, 1: 0})
    assert negatives_link(ws, as_of="2025-12-31") is None


def test_a_link_that_may_be_chance_says_so(ws: Workspace) -> None:
    link_shop(ws, {0: 2, 1: 4})
    link = negatives_link(ws, as_of="2025-12-31")
    assert link is not None and link.threshold == 1 and not link.significant
    assert link.headline().endswith("(40 and 40 customers; not a significant difference at 95%).")
    assert link.headline("fr").endswith("(40 et 40 clients, écart non significatif à 95\u202f%).")


# -- on the demo company ----------------------------------------------------------------------
@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    path = Path(tmp_path_factory.mktemp("demo")) / "demo.duckdb"
    with create_demo(path, scale=0.02, seed=7, end=date(2026, 1, 1)) as ws:
        yield ws


def test_demo_churn_link_is_stated_at_four_negatives(demo: Workspace) -> None:
    """The demo plants: 4 negatives within 90 days make 60 % of customers cancel."""
    link = negatives_link(demo)
    assert link is not None and link.threshold == 4 and link.significant
    assert link.churn_rate_at > 40 and link.churn_rate_below < 20
    assert link.ci_low_at > link.ci_high_below
    assert link.customers_at + link.customers_below > 300
    assert link.headline().startswith(
        "Customers with 4+ negative interactions in 90 days churn at "
    )
    assert "Les clients ayant eu 4+ interactions négatives en 90 jours résilient à" in (
        link.headline("fr")
    )
    json.dumps(link.to_dict(), allow_nan=False)


def test_demo_outage_doubles_the_customers_behind_delivery_csat(demo: Workspace) -> None:
    cost = customers_behind(demo, "csat", "2025-11", dimension="touchpoint", value="delivery")
    assert cost.customers > 1.5 * cost.previous_customers > 0
    assert cost.paying > 0 and cost.mrr > 0
    json.dumps(cost.to_dict(), allow_nan=False)


def test_money_is_in_the_currency_every_subscription_carries_as_on_the_dashboard(
    shop: Workspace,
) -> None:
    # no currency setting: the dashboard showed "128 431 €" (the one code the subscriptions
    # carry) while the insights said "they pay 9,370 MRR"
    assert not shop.settings.currency
    shop.store.con.raw_sql("UPDATE subscriptions SET currency = 'EUR'")
    cost = customers_behind(shop, "csat", "2025-11", dimension="touchpoint", value="delivery")
    assert "they pay €200 MRR" in cost.headline("en")
    shop.store.con.raw_sql("UPDATE subscriptions SET currency = 'USD' WHERE customer_id = 'A'")
    mixed = customers_behind(shop, "csat", "2025-11", dimension="touchpoint", value="delivery")
    assert "they pay 200 MRR" in mixed.headline("en")  # two currencies: none is guessed
