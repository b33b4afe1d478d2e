"""The metric engine on a real DuckDB workspace: periods, zones, segments, changes, variants."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pandas as pd
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

import cxpulse
from cxpulse import Workspace
from cxpulse.errors import QueryError, UnknownMetricError
from cxpulse.metrics import engine
from cxpulse.schema import SURVEY_SENDER
from tests.conftest import add_rows
from tests.metrics.test_buckets import edges, response_rows


def nps_rows(scores: list[int], when: datetime, **extra: object) -> list[dict[str, object]]:
    return [{"score": s, "responded_at": when, **extra} for s in scores]


def test_published_ten_scores_give_nps_minus_10_in_their_month(ws: Workspace) -> None:
    add_rows(
        ws, "survey_responses", nps_rows([3, 4, 5, 6, 8, 8, 8, 9, 10, 10], datetime(2025, 5, 10))
    )
    df = ws.metric("nps")
    assert df[["period", "value", "n"]].to_dict("records") == [
        {"period": "2025-05", "value": pytest.approx(-10), "n": 10}
    ]
    assert df["definition"].iloc[0].startswith("nps (default): NPS = 100 x")


def test_periods_follow_the_workspace_time_zone_across_dst(ws: Workspace) -> None:
    add_rows(
        ws,
        "survey_responses",
        [
            # 23:30 UTC on 31 Jan is 00:30 on 1 Feb in Paris (UTC+1)
            {"score": 10, "responded_at": datetime(2025, 1, 31, 23, 30)},
            # 22:30 UTC on 30 June is 00:30 on 1 July in Paris (UTC+2, summer time)
            {"score": 10, "responded_at": datetime(2025, 6, 30, 22, 30)},
            # 22:30 UTC on 30 June 2025 (summer) vs 22:30 UTC on 31 Oct (winter: 23:30 local)
            {"score": 0, "responded_at": datetime(2025, 10, 31, 22, 30)},
        ],
    )
    assert list(ws.metric("nps")["period"]) == ["2025-02", "2025-07", "2025-10"]
    ws.set_setting("timezone", "UTC")
    assert list(ws.metric("nps")["period"]) == ["2025-01", "2025-06", "2025-10"]


def test_every_grain_labels_its_periods(ws: Workspace) -> None:
    add_rows(ws, "survey_responses", nps_rows([9], datetime(2025, 12, 31, 12)))
    labels = {
        by: ws.metric("nps", by=by)["period"].iloc[0]
        for by in ("day", "week", "month", "quarter", "year", "all")
    }
    assert labels == {
        "day": "2025-12-31",
        "week": "2026-W01",
        "month": "2025-12",
        "quarter": "2025-Q4",
        "year": "2025",
        "all": "all",
    }


def test_change_and_significance_against_the_previous_period(ws: Workspace) -> None:
    add_rows(ws, "survey_responses", nps_rows([0] * 60, datetime(2025, 3, 5)))
    add_rows(ws, "survey_responses", nps_rows([10] * 60, datetime(2025, 4, 5)))
    add_rows(ws, "survey_responses", nps_rows([10] * 30 + [9] * 31, datetime(2025, 5, 5)))
    add_rows(ws, "survey_responses", nps_rows([10] * 5, datetime(2025, 7, 5)))
    df = ws.metric("nps").set_index("period")
    assert pd.isna(df.loc["2025-03", "change"])
    assert df.loc["2025-04", "change"] == pytest.approx(200)
    assert bool(df.loc["2025-04", "significant"])
    assert df.loc["2025-05", "change"] == pytest.approx(0)
    assert not df.loc["2025-05", "significant"]
    # June is empty, so July has no previous period to compare with
    assert pd.isna(df.loc["2025-07", "change"]) and not df.loc["2025-07", "significant"]
    assert bool(df.loc["2025-07", "low_n"]) and not df.loc["2025-05", "low_n"]


def test_change_on_the_same_period_a_year_before(ws: Workspace) -> None:
    add_rows(ws, "survey_responses", nps_rows([0] * 40, datetime(2025, 1, 10)))  # NPS -100
    add_rows(ws, "survey_responses", nps_rows([10] * 40, datetime(2025, 12, 10)))  # 100
    add_rows(ws, "survey_responses", nps_rows([10] * 20 + [0] * 20, datetime(2026, 1, 10)))  # 0
    yearly = ws.metric("nps", start="2026-01-01", compare="year").set_index("period")
    assert list(yearly.index) == ["2026-01"]  # the year before is read, not shown
    assert yearly.loc["2026-01", "change"] == pytest.approx(100)  # 0 against -100
    assert bool(yearly.loc["2026-01", "significant"])
    monthly = ws.metric("nps", start="2026-01-01").set_index("period")
    assert monthly.loc["2026-01", "change"] == pytest.approx(-100)  # 0 against December's 100
    quarters = ws.metric("nps", by="quarter", compare="year").set_index("period")
    assert quarters.loc["2026-Q1", "change"] == pytest.approx(100)
    assert pd.isna(quarters.loc["2025-Q4", "change"])  # nothing a year before


def test_a_period_the_range_cuts_is_partial_and_not_compared(ws: Workspace) -> None:
    add_rows(ws, "survey_responses", nps_rows([10] * 10, datetime(2025, 3, 20)))
    add_rows(ws, "survey_responses", nps_rows([0] * 10, datetime(2025, 4, 2)))  # before start
    add_rows(ws, "survey_responses", nps_rows([10] * 10, datetime(2025, 4, 20)))
    add_rows(ws, "survey_responses", nps_rows([0] * 10, datetime(2025, 5, 5)))
    rows = ws.metric("nps", start="2025-04-15", as_of="2026-01-01").set_index("period")
    april, may = rows.loc["2025-04"], rows.loc["2025-05"]
    assert (april["n"], april["value"]) == (10, 100.0)  # cut at start
    assert bool(april["partial"]) and not bool(may["partial"])
    # half of April against all of March, or all of May against half of April, is no change
    assert pd.isna(april["change"]) and pd.isna(may["change"])
    assert not april["significant"] and not may["significant"]
    cut = ws.metric("nps", end="2025-05-10", as_of="2026-01-01").set_index("period")
    assert bool(cut.loc["2025-05", "partial"]) and pd.isna(cut.loc["2025-05", "change"])
    assert not bool(cut.loc["2025-04", "partial"])


def test_the_running_period_is_partial_until_it_is_over(ws: Workspace) -> None:
    add_rows(ws, "survey_responses", nps_rows([10] * 40, datetime(2025, 3, 20)))
    add_rows(ws, "survey_responses", nps_rows([0] * 3, datetime(2025, 4, 2)))
    running = ws.metric("nps", as_of="2025-04-07").set_index("period")
    assert bool(running.loc["2025-04", "partial"]) and pd.isna(running.loc["2025-04", "change"])
    assert not bool(running.loc["2025-03", "partial"])
    # the last day of April is still running on April 30; on May 1 April is over
    assert bool(ws.metric("nps", as_of="2025-04-30").iloc[-1]["partial"])
    over = ws.metric("nps", as_of="2025-05-01").iloc[-1]
    assert not bool(over["partial"]) and over["change"] == pytest.approx(-200)


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    first=st.sampled_from(["2025-02-01", "2025-03-01", "2025-04-01", "2025-05-01"]),
    compare=st.sampled_from(["previous", "year"]),
)
def test_a_range_on_period_boundaries_is_a_slice_of_the_whole_history(
    ws: Workspace, first: str, compare: str
) -> None:
    if not ws.table("survey_responses").count().execute():
        for month, scores in enumerate([[0, 9], [10] * 3, [5, 10, 10], [9, 9, 1], [2] * 4], 1):
            for year in (2024, 2025):
                add_rows(ws, "survey_responses", nps_rows(scores, datetime(year, month, 9)))
    whole = ws.metric("nps", compare=compare)
    part = ws.metric("nps", start=first, compare=compare)
    kept = whole[whole["period_start"] >= datetime.fromisoformat(first).date()]
    cols = ["period", "value", "n", "change", "significant"]
    pd.testing.assert_frame_equal(
        part[cols].reset_index(drop=True), kept[cols].reset_index(drop=True)
    )


def test_segments_from_the_table_and_from_customers(ws: Workspace) -> None:
    add_rows(
        ws,
        "customers",
        [
            {"customer_id": "A", "segment": "smb", "language": "fr"},
            {"customer_id": "B", "segment": "enterprise", "language": "en"},
        ],
    )
    when = datetime(2025, 5, 5)
    add_rows(
        ws,
        "survey_responses",
        nps_rows([10, 10], when, customer_id="A", touchpoint="support", language="en")
        + nps_rows([0], when, customer_id="B", touchpoint="support")
        + nps_rows([0], when, customer_id=None, touchpoint="onboarding"),
    )
    by_seg = ws.metric("nps", segment="segment").set_index("segment")
    assert by_seg.loc["smb", "value"] == 100 and by_seg.loc["enterprise", "value"] == -100
    assert by_seg.loc["(none)", "n"] == 1  # answers without a customer are kept, not hidden
    both = ws.metric("nps", segment=["touchpoint", "segment"])
    assert len(both) == 3
    # the response's own language first; customer.language forces the customer's
    own = ws.metric("nps", segment="language").set_index("language")
    assert own.loc["en", "n"] == 2 and own.loc["(none)", "n"] == 2
    theirs = ws.metric("nps", segment="customer.language").set_index("customer.language")
    assert theirs.loc["fr", "n"] == 2 and theirs.loc["en", "n"] == 1


def test_filters_and_an_inclusive_date_range(ws: Workspace) -> None:
    add_rows(
        ws,
        "survey_responses",
        nps_rows([10], datetime(2025, 1, 1, 0, 30), touchpoint="support")
        + nps_rows([0], datetime(2025, 1, 31, 21), touchpoint="support")
        + nps_rows([0], datetime(2025, 1, 31, 23, 30), touchpoint="support")  # Feb in Paris
        + nps_rows([0], datetime(2025, 1, 15), touchpoint="delivery"),
    )
    df = ws.metric("nps", start="2025-01-01", end="2025-01-31", filters={"touchpoint": "support"})
    assert df[["period", "n", "value"]].to_dict("records") == [
        {"period": "2025-01", "n": 2, "value": 0.0}
    ]
    several = ws.metric("nps", by="all", filters={"touchpoint": ["support", "delivery"]})
    assert several["n"].iloc[0] == 4


def test_nps_account_variant_averages_each_account_first(ws: Workspace) -> None:
    add_rows(
        ws,
        "customers",
        [
            {"customer_id": "a1", "account_id": "ACME"},
            {"customer_id": "a2", "account_id": "ACME"},
            {"customer_id": "solo"},
        ],
    )
    when = datetime(2025, 5, 5)
    add_rows(
        ws,
        "survey_responses",
        nps_rows([10], when, customer_id="a1")
        + nps_rows([7], when, customer_id="a2")
        + nps_rows([3], when, customer_id="solo"),
    )
    df = ws.metric("nps", variant="account")
    # ACME averages 8.5 (passive), solo is a detractor: NPS over 2 accounts = -50
    assert df["value"].iloc[0] == pytest.approx(-50) and df["n"].iloc[0] == 2


def test_csat_and_ces_variants_and_polarity(ws: Workspace) -> None:
    when = datetime(2025, 5, 5)
    csat = [
        {"question_type": "csat", "score": s, "scale_min": 1, "scale_max": 5, "responded_at": when}
        for s in (5, 4, 3, 2, 1, 5)
    ]
    ces = [
        {
            "question_type": "ces",
            "score": s,
            "scale_min": 1,
            "scale_max": 7,
            "polarity": "high_is_hard",
            "responded_at": when,
        }
        for s in (1, 2, 7)
    ]
    unanswered = [
        {
            "question_type": "csat",
            "score": None,
            "scale_min": 1,
            "scale_max": 5,
            "responded_at": when,
        }
    ]
    add_rows(ws, "survey_responses", csat + ces + unanswered)
    assert ws.metric("csat")["value"].iloc[0] == pytest.approx(50)
    assert ws.metric("csat")["n"].iloc[0] == 6
    assert ws.metric("csat", variant="top1")["value"].iloc[0] == pytest.approx(200 / 6)
    assert ws.metric("csat", variant="mean")["value"].iloc[0] == pytest.approx(20 / 6)
    assert ws.metric("ces")["value"].iloc[0] == pytest.approx(200 / 3)
    assert ws.metric("ces", variant="mean")["value"].iloc[0] == pytest.approx(14 / 3)  # 7, 6, 1
    # three answers 7, 6, 1: the t interval would reach far past both ends of the 1-7 scale
    mean = ws.metric("ces", variant="mean").iloc[0]
    assert (mean["ci_low"], mean["ci_high"]) == (1.0, 7.0)


def test_a_mean_over_mixed_scales_is_refused(ws: Workspace) -> None:
    when = datetime(2025, 5, 5)
    add_rows(
        ws,
        "survey_responses",
        [
            {
                "question_type": "ces",
                "score": 5,
                "scale_min": 1,
                "scale_max": 5,
                "polarity": "high_is_easy",
                "responded_at": when,
            },
            {
                "question_type": "ces",
                "score": 7,
                "scale_min": 1,
                "scale_max": 7,
                "polarity": "high_is_easy",
                "responded_at": when,
            },
        ],
    )
    with pytest.raises(QueryError, match="different scales.*--filter scale_max=7"):
        ws.metric("ces", variant="mean")
    assert ws.metric("ces", variant="mean", filters={"scale_max": "7"})["value"].iloc[0] == 7
    assert ws.metric("ces")["value"].iloc[0] == 100  # boxes per scale are fine


def test_response_rate_counts_delivered_invitations_answered(ws: Workspace) -> None:
    sent = datetime(2025, 5, 5)
    add_rows(
        ws,
        "survey_invitations",
        [
            {"invitation_id": "i1", "sent_at": sent},
            {"invitation_id": "i2", "sent_at": sent, "delivered": None},  # not recorded
            {"invitation_id": "i3", "sent_at": sent},
            {"invitation_id": "i4", "sent_at": sent, "delivered": False},
            # cxpulse's own: waiting in the outbox (not sent), unless answered; then sent
            {"invitation_id": "o1", "sent_at": sent, "source": SURVEY_SENDER, "delivered": None},
            {"invitation_id": "o2", "sent_at": sent, "source": SURVEY_SENDER, "delivered": None},
            {"invitation_id": "o3", "sent_at": sent, "source": SURVEY_SENDER, "delivered": True},
        ],
    )
    add_rows(
        ws,
        "survey_responses",
        [
            {"invitation_id": "i1", "score": 9, "responded_at": sent},
            {"invitation_id": "i1", "score": None, "question_type": "text", "responded_at": sent},
            {"invitation_id": "o2", "score": 3, "responded_at": sent},  # the link went out
        ],
    )
    df = ws.metric("response_rate")  # i1, i2, i3 (unknown is delivered), o2, o3
    assert df["n"].iloc[0] == 5 and df["value"].iloc[0] == pytest.approx(100 * 2 / 5)


def test_empty_workspace_gives_an_empty_frame(ws: Workspace) -> None:
    df = ws.metric("nps", segment="touchpoint")
    assert df.empty and "touchpoint" in df.columns and "value" in df.columns


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"name": "nsp"}, UnknownMetricError, "unknown metric 'nsp'; the metrics are: .*csat"),
        ({"name": "nps", "variant": "x"}, UnknownMetricError, "no variant 'x'"),
        ({"name": "nps", "by": "fortnight"}, QueryError, "use one of: day, week"),
        (
            {"name": "nps", "segment": "colour"},
            QueryError,
            "cannot be split or filtered by 'colour'",
        ),
        ({"name": "nps", "start": "31/12/2025"}, QueryError, "write it as YYYY-MM-DD"),
        ({"name": "nps", "start": "2025-02-01", "end": "2025-01-01"}, QueryError, "ends"),
        ({"name": "nps", "filters": {"score": "high"}}, QueryError, "does not fit"),
        ({"name": "nps", "compare": "last_week"}, QueryError, "previous or year"),
    ],
)
def test_bad_queries_get_clear_errors(ws: Workspace, kwargs, error, message) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(error, match=message):
        ws.metric(**kwargs)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(scores=st.lists(st.integers(0, 10), min_size=1, max_size=60))
def test_engine_agrees_with_the_notebook_api(ws: Workspace, scores: list[int]) -> None:
    ws.store.con.truncate_table("survey_responses")
    add_rows(ws, "survey_responses", nps_rows(scores, datetime(2025, 5, 5)))
    row = ws.metric("nps", by="all").iloc[0]
    quick = cxpulse.nps(scores)
    assert (row["value"], row["ci_low"], row["ci_high"], row["n"]) == pytest.approx(
        (quick.value, quick.ci_low, quick.ci_high, quick.n)
    )


# -- several metrics read together -------------------------------------------------------------
@st.composite
def invitation_rows(draw: st.DrawFn, zone: str) -> list[dict[str, object]]:
    anchors = edges(zone)
    return [
        {
            "invitation_id": f"inv{i}",
            "sent_at": draw(st.sampled_from(anchors))
            + timedelta(seconds=draw(st.integers(-3 * 3600, 3 * 3600))),
            "touchpoint": draw(st.sampled_from(["checkout", "support", None])),
            "delivered": draw(st.sampled_from([True, False, None])),
            "source": draw(st.sampled_from(["test", SURVEY_SENDER])),
        }
        for i in range(draw(st.integers(0, 25)))
    ]


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
    phases=[p for p in Phase if p != Phase.explain],
)
@given(data=st.data(), zone=st.sampled_from(["Europe/Paris", "Asia/Kathmandu", "UTC"]))
def test_metrics_read_together_are_each_metric_read_alone(
    ws: Workspace, data: st.DataObject, zone: str
) -> None:
    """compute_many stacks the survey metrics in one query: same frames as one compute each,
    whatever the zone, periods, segments, range, comparison and variants."""
    ws.set_setting("timezone", zone)
    invitations = data.draw(invitation_rows(zone))
    responses = data.draw(response_rows(zone))
    ids = [str(i["invitation_id"]) for i in invitations]
    for r in responses:  # some answers reply to an invitation, some to none
        r["invitation_id"] = data.draw(st.sampled_from([None, *ids]))
    add_rows(ws, "survey_invitations", invitations)
    add_rows(ws, "survey_responses", responses)
    names = data.draw(
        st.lists(st.sampled_from(["nps", "csat", "ces", "response_rate"]), min_size=1, unique=True)
    )
    variants = {"nps": data.draw(st.sampled_from(["default", "wald"]))}
    variants["csat"] = data.draw(st.sampled_from(["default", "mean", "top1"]))
    day = st.none() | st.dates(date(2024, 12, 1), date(2026, 1, 31))
    start, end = data.draw(day), data.draw(day)
    if start and end and end < start:
        start, end = end, start
    asked = {
        "by": data.draw(st.sampled_from(["day", "week", "month", "quarter", "year", "all"])),
        "segment": data.draw(st.sampled_from([None, "touchpoint"])),
        "start": start,
        "end": end,
        "compare": data.draw(st.sampled_from(["previous", "year"])),
        "as_of": date(2025, 11, 15),
    }
    alone: dict[str, pd.DataFrame] = {}
    refused = False
    for name in names:
        try:
            alone[name] = engine.compute(ws, name, variant=variants.get(name), **asked)
        except QueryError:  # e.g. a CSAT mean over answers on different scales
            refused = True
    if refused:  # read together, the same refusal: never a frame that mixes scales
        with pytest.raises(QueryError):
            engine.compute_many(ws, names, variants=variants, **asked)
        return
    together = engine.compute_many(ws, names, variants=variants, **asked)
    assert list(together) == names
    for name in names:
        pd.testing.assert_frame_equal(together[name], alone[name])
