"""One insights run with its evidence (themes and quotes, cost, events, the negatives link)
on hand-built DuckDB workspaces and on the demo company."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from itertools import cycle, islice
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cxpulse import Workspace
from cxpulse.demo.workspace import DEMO_TAXONOMY, create_demo
from cxpulse.insights.annotations import add_annotation
from cxpulse.insights.cost import negatives_link
from cxpulse.insights.run import InsightsRun, first_line, insights, selective_level
from cxpulse.insights.themes import new_clusters, theme_tests
from cxpulse.metrics import mix
from tests.conftest import add_rows
from tests.insights.test_themes import LATE, NOV, OCT, PRICE, answers

AUTHOR, NOW = "lead@example.com", datetime(2025, 12, 1)
OTHER = ["The mug handle broke off after one wash.", "Your podcast is boring."]


def plant_outage(ws: Workspace) -> Workspace:
    """NPS: October 40 commenting detractors (half on price) and 60 promoters; November 70
    detractors, 16 of them on late parcels (planted), and 10 promoters: a large drop whose
    new complaints are about delivery. CSAT holds steady. Each answer is a customer's; a
    carrier outage is noted from 3 to 20 November."""
    ws.set_setting("theme_taxonomy", DEMO_TAXONOMY)
    before = list(islice(cycle(PRICE), 20)) + list(islice(cycle(OTHER), 20))
    after = list(islice(cycle(PRICE), 20)) + LATE + list(islice(cycle(OTHER), 34))
    rows = answers(OCT, before, 3) + answers(NOV, after, 2)
    rows += answers(OCT, ["Fast delivery, great parcel."] * 60, 10)
    rows += answers(NOV, ["Fast delivery, great parcel."] * 10, 9)
    steady = {"question_type": "csat", "scale_min": 1, "scale_max": 5}  # tested, not selected
    for month in (OCT, NOV):
        rows += answers(month, [None] * 80, 5, **steady) + answers(month, [None] * 20, 2, **steady)
    for i, row in enumerate(rows):
        row["customer_id"] = f"C{i % 150}"
    add_rows(ws, "customers", [{"customer_id": f"C{i}"} for i in range(150)])
    add_rows(ws, "survey_responses", rows)
    add_annotation(
        ws,
        "2025-11-03",
        "Carrier outage",
        until="2025-11-20",
        tags=["outage"],
        author=AUTHOR,
        now=NOW,
    )
    add_annotation(ws, "2025-09-01", "Summer sale", tags=["promo"], author=AUTHOR, now=NOW)
    return ws


@pytest.fixture
def shop(ws: Workspace) -> Workspace:
    return plant_outage(ws)


def test_a_planted_drop_gets_its_theme_quotes_cost_and_event(shop: Workspace) -> None:
    run = insights(shop, period="2025-11", metrics=["nps"], as_of="2025-12-15")
    top = run.findings[0]
    assert (top.finding.metric, top.finding.segment, top.finding.better) == ("nps", None, False)
    ev = top.evidence
    assert [t.theme for t in ev.themes] == ["delivery"] and ev.tested_themes >= 2
    assert ev.themes[0].basis == "answers" and ev.themes[0].level == run.theme_level
    assert ev.themes[0].quotes_in("en")[0] == "My parcel arrived two weeks late."
    assert ev.cost is not None and ev.cost.customers > 0 and ev.cost.period == "2025-11"
    assert [a.label for a in ev.events] == ["Carrier outage"]  # the sale is not in November
    parts = [part for part, _ in ev.lines("en")]
    assert parts[:2] == ["why", "quote"] and "cost" in parts and parts[-1] == "event"
    assert first_line(top, "fr") == ev.themes[0].headline("fr")
    assert ev.lines("fr")[1] == ("quote", "«\u202fMy parcel arrived two weeks late.\u202f»")
    data = run.to_dict("fr")
    json.dumps(data, allow_nan=False)
    assert data["findings"][0]["why"]["themes"][0]["theme"] == "delivery"
    assert data["findings"][0]["evidence_lines"][-1]["text"].startswith("du 2025-11-03 au")
    assert data["method"]["themes"]["rule"] == "benjamini_bogomolov_2014"
    m, r = run.changes.tests, len(run.changes.findings)
    assert data["method"]["intervals"] == {
        "rule": "benjamini_yekutieli_2005_fcr", "level": pytest.approx(1 - 0.05 * r / m),
    }  # fmt: skip
    assert data["findings"][0]["interval_level"] == pytest.approx(1 - 0.05 * r / m)
    assert data["events"][0]["label"] == "Carrier outage"


def test_themes_are_controlled_at_the_selective_level(shop: Workspace) -> None:
    run = insights(shop, period="2025-11", metrics=["nps", "csat"], as_of="2025-12-15")
    r, m = len(run.changes.findings), run.changes.tests
    assert 0 < r < m  # segments without enough answers were tested and not selected
    assert run.theme_level == pytest.approx(0.05 * r / m)
    for f in run.findings:
        assert all(t.level == run.theme_level and t.q <= run.theme_level for t in f.evidence.themes)
    assert run.to_dict()["method"]["themes"] == {
        "rule": "benjamini_bogomolov_2014", "selected": r, "families": m,
        "level": pytest.approx(0.05 * r / m),
    }  # fmt: skip


@given(q=st.floats(0.001, 0.5), r=st.integers(0, 500), m=st.integers(1, 500))
def test_the_selective_level_is_never_above_q(q: float, r: int, m: int) -> None:
    level = selective_level(q, r, m)
    if r == 0:
        assert level is None
    else:
        assert level is not None and 0 < level <= q


def test_no_drop_no_evidence_and_a_workspace_without_tickets_has_no_link(ws: Workspace) -> None:
    rows = answers(OCT, [None] * 60, 10) + answers(NOV, [None] * 60, 10)
    add_rows(ws, "survey_responses", rows)
    run = insights(ws, period="2025-11", metrics=["nps"], as_of="2025-12-15")
    assert run.findings == [] and run.link is None and run.theme_level is None
    assert run.headline().startswith("No significant change in 2025-11")


def tickets(channel: str, hours: float, count: int, when: datetime) -> list[dict[str, object]]:
    return [
        {"channel": channel, "created_at": when, "first_reply_at": when + timedelta(hours=hours)}
        for _ in range(count)
    ]


def test_a_median_moved_by_its_mix_alone_is_an_untested_mix_finding(ws: Workspace) -> None:
    oct_, nov = datetime(2025, 10, 8, 10), datetime(2025, 11, 12, 10)
    add_rows(ws, "tickets", tickets("chat", 1 / 60, 50, oct_) + tickets("email", 10, 50, oct_))
    add_rows(ws, "tickets", tickets("chat", 1 / 60, 70, nov) + tickets("email", 12, 30, nov))
    run = insights(ws, period="2025-11", metrics=["first_response_time"], as_of="2025-12-15")
    (only,) = run.findings
    f = only.finding
    assert (f.kind, f.q_value, f.p_value, f.tags) == ("mix", None, None, ("untested",))
    assert f.headline("en").startswith(
        "First response time (not tested: a quantile): Mix shift: the total fell only because "
        "the channel mix changed"
    )
    assert f.headline("fr").startswith("Délai de première réponse (non testé\u202f: un quantile)")
    assert run.headline().endswith("And 1 untested mix shift.")
    assert run.to_dict()["findings"][0]["q_value"] is None


def assert_evidence_as_per_finding(ws: Workspace, run: InsightsRun) -> int:
    """The themes, quotes and new clusters of a run (each metric's comments read once, every
    segment selected in memory) are those :func:`theme_tests` and :func:`new_clusters` give
    for each finding alone (its segment selected by the query). Returns the findings checked."""
    win, checked = run.changes.window, 0
    for f in run.findings:
        ev, seg = f.evidence, f.finding.segment
        where = {} if seg is None else {seg.dimension: seg.value}
        if ev.tested_themes:
            assert run.theme_level is not None
            alone = theme_tests(
                ws, f.finding.metric, period_start=win.first, grain=win.grain, segment=where,
                q=run.theme_level, basis="answers",
            )  # fmt: skip
            rose = sorted((s for s in alone if s.rose), key=lambda s: (-s.change, s.p, s.theme))
            assert ev.tested_themes == len(alone)
            assert [t.to_dict() for t in ev.themes] == [t.to_dict() for t in rose]
            checked += 1
        if ev.clusters:
            alone_clusters = new_clusters(
                ws, f.finding.metric, period_start=win.first, grain=win.grain, segment=where
            )
            assert [c.to_dict() for c in ev.clusters] == [c.to_dict() for c in alone_clusters]
    return checked


def test_a_run_reads_the_comments_once_and_finds_what_each_finding_alone_finds(
    ws: Workspace,
) -> None:
    """NPS falls on the delivery touchpoint only, with late parcels and a cluster of
    unthemed complaints about a podcast; the customers' plan and the answers' language are
    dimensions too (``language`` is also a column of the comments read)."""
    ws.set_setting("theme_taxonomy", DEMO_TAXONOMY)
    podcast = [f"Your podcast episode {i} about llamas was boring." for i in range(14)]
    rows: list[dict[str, Any]] = []
    for touchpoint, late in (("delivery", LATE), ("web", [])):
        before = list(islice(cycle(PRICE), 20)) + list(islice(cycle(OTHER), 20))
        after = list(islice(cycle(PRICE), 20)) + late + (podcast if late else [])
        after += list(islice(cycle(OTHER), 20))
        happy = "Fast delivery, great parcel."
        for month, bad, good in ((OCT, before, 60), (NOV, after, 10 if late else 60)):
            extra = {"touchpoint": touchpoint}
            rows += answers(month, bad, 2, **extra) + answers(month, [happy] * good, 10, **extra)
    for i, row in enumerate(rows):
        row["customer_id"] = f"C{i % 40}"
        row["language"] = "fr" if i % 5 == 0 else "en"
    plans = [{"customer_id": f"C{i}", "plan": "pro" if i % 2 else "basic"} for i in range(40)]
    add_rows(ws, "customers", plans)
    add_rows(ws, "survey_responses", rows)
    run = insights(ws, period="2025-11", metrics=["nps"], as_of="2025-12-15")
    segments = [f.finding.segment for f in run.findings if f.evidence.tested_themes]
    assert any(s is not None and s.value == "delivery" for s in segments)
    assert any(f.evidence.clusters for f in run.findings)
    assert assert_evidence_as_per_finding(ws, run) >= 3


# -- the demo company ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    path = Path(tmp_path_factory.mktemp("demo")) / "demo.duckdb"
    with create_demo(path, scale=0.02, seed=7, end=date(2026, 1, 1)) as ws:
        yield ws


def test_demo_november_outage_is_found_with_delivery_themes_and_quotes(demo: Workspace) -> None:
    run = insights(demo, period="2025-11", as_of="2026-01-01")
    top = run.findings[0]
    assert top.finding.metric == "csat" and top.finding.better is False
    assert top.finding.segment is not None and top.finding.segment.value == "delivery"
    assert top.evidence.themes[0].theme == "delivery" and top.evidence.themes[0].quotes
    assert top.evidence.cost is not None and top.evidence.cost.customers > 50
    assert run.link is not None and run.link.threshold == 4
    # the link as it stood when November ended, not on the run's day
    assert run.link == negatives_link(demo, as_of=date(2025, 12, 1))
    assert run.link != negatives_link(demo, as_of=date(2026, 1, 1))
    json.dumps(run.to_dict("fr"), allow_nan=False)
    assert assert_evidence_as_per_finding(demo, run) >= 3


def test_demo_first_response_time_mix_is_flagged_untested(demo: Workspace) -> None:
    """The demo's office customers phone more; when the channel mix moves the median against
    every channel's own times, the run says so (seed 7: May 2025, among others)."""
    shift = mix.decompose(demo, "first_response_time", date(2025, 5, 1))
    assert shift is not None and shift.flag == "opposite"
    run = insights(demo, period="2025-05", metrics=["first_response_time"], as_of="2026-01-01")
    assert [f.finding.kind for f in run.findings] == ["mix"]
    assert "channel mix" in run.findings[0].finding.headline("en")


# -- stored: the worker computes the default run, the API reads it ------------------------------
def test_the_worker_stores_the_default_run_and_an_import_makes_it_stale(tmp_path: Path) -> None:
    from cxpulse.automations import run_once
    from cxpulse.insights.run import _depends, stored_insights
    from cxpulse.store.results import stored

    with Workspace.init(tmp_path / "w.duckdb", timezone="Europe/Paris") as ws:
        plant_outage(ws)
        params = {"period": None, "by": None, "compare": "previous", "metrics": None,
                  "as_of": "2025-12-15"}  # fmt: skip

        def kept() -> Any:
            return stored(ws.store, "insights", params, _depends(ws))

        assert kept() is None
        run_once(ws, datetime(2025, 12, 15, 8, 0))  # the worker's tick, 9:00 in Paris
        found = kept()
        assert found is not None and set(found) == {"en", "fr"}
        assert found == stored_insights(ws, as_of="2025-12-15")  # read back, the same JSON
        fresh = insights(ws, as_of="2025-12-15").to_dict("fr")
        assert (found["fr"]["headline"], found["fr"]["period"]) == (
            fresh["headline"], fresh["period"])  # fmt: skip
        late = {"response_id": "late", "customer_id": "zz", "question_type": "nps", "score": 0,
                "scale_max": 10, "responded_at": datetime(2025, 10, 29, 12)}  # fmt: skip
        add_rows(ws, "survey_responses", [late])
        assert kept() is None  # the import dropped it: it read survey_responses
        run_once(ws, datetime(2025, 12, 15, 8, 16))  # after insights_refresh_minutes
        again = kept()
        assert again is not None and again["en"]["tests"] == found["en"]["tests"]


def test_the_worker_waits_between_runs_while_only_survey_answers_come_in(
    tmp_path: Path,
) -> None:
    """Every survey answer makes the stored run out of date: the worker runs it again at
    most every insights_refresh_minutes (15) for answers alone, at once when another table
    changed or on a new day (a new period), and the API computes meanwhile."""
    from cxpulse.automations import run_once
    from cxpulse.insights.run import _depends, stored_insights
    from cxpulse.store.results import stored

    t0 = datetime(2025, 12, 15, 8, 0)  # 9:00 in Paris

    def answer(i: int) -> None:
        add_rows(ws, "survey_responses", [{
            "response_id": f"new{i}", "customer_id": "C1", "question_type": "nps", "score": 9,
            "scale_max": 10, "responded_at": datetime(2025, 11, 3, 12, i)}])  # fmt: skip

    with Workspace.init(tmp_path / "w.duckdb", timezone="Europe/Paris") as ws:
        plant_outage(ws)
        params = {"period": None, "by": None, "compare": "previous", "metrics": None,
                  "as_of": "2025-12-15"}  # fmt: skip

        def kept() -> Any:
            return stored(ws.store, "insights", params, _depends(ws))

        assert run_once(ws, t0).insights and kept() is not None
        assert not run_once(ws, t0 + timedelta(minutes=1)).insights  # current: not run again
        answer(1)
        assert kept() is None
        for minutes in (2, 9, 14):  # answers alone: not before 15 minutes
            tick = run_once(ws, t0 + timedelta(minutes=minutes))
            assert not tick.insights and not tick.errors and kept() is None
        # meanwhile the API's reader computes on demand, with the new answer, and keeps nothing
        read = stored_insights(ws, as_of="2025-12-15", keep=False)
        assert read["en"]["period"] == "2025-10" and kept() is None  # the data ends on 3 Nov
        assert run_once(ws, t0 + timedelta(minutes=15)).insights and kept() is not None
        answer(2)
        add_rows(ws, "customers", [{"customer_id": "C999"}])  # another table the run reads
        assert run_once(ws, t0 + timedelta(minutes=16)).insights  # at once
        answer(3)
        assert not run_once(ws, t0 + timedelta(minutes=17)).insights
        # an answer that completes a month: a new period to look at, at once
        add_rows(ws, "survey_responses", [{
            "response_id": "dec", "customer_id": "C1", "question_type": "nps", "score": 9,
            "scale_max": 10, "responded_at": datetime(2025, 12, 2, 9)}])  # fmt: skip
        tick = run_once(ws, t0 + timedelta(minutes=18))
        assert tick.insights and kept()["en"]["period"] == "2025-11"
        # the next day is another run (the period may have ended): at once
        assert run_once(ws, t0 + timedelta(days=1)).insights
        ws.set_setting("insights_refresh_minutes", "0")
        answer(4)
        assert run_once(ws, t0 + timedelta(days=1, minutes=1)).insights  # 0: no waiting


def test_a_readers_run_is_not_kept_and_the_taxonomy_is_a_dependency(tmp_path: Path) -> None:
    from cxpulse.insights.run import _depends, stored_insights
    from cxpulse.store.results import stored

    with Workspace.init(tmp_path / "w.duckdb", timezone="Europe/Paris") as ws:
        plant_outage(ws)
        params = {"period": None, "by": None, "compare": "previous", "metrics": None,
                  "as_of": "2025-12-15"}  # fmt: skip
        read = stored_insights(ws, as_of="2025-12-15", keep=False)
        assert stored(ws.store, "insights", params, _depends(ws)) is None  # nothing kept
        assert stored_insights(ws, as_of="2025-12-15") == read  # kept this time
        assert stored(ws.store, "insights", params, _depends(ws)) == read
        from importlib.resources import files

        text = (files("cxpulse.demo") / "taxonomy.yaml").read_text(encoding="utf-8")
        taxonomy = tmp_path / "themes.yaml"
        taxonomy.write_text(text, encoding="utf-8")
        ws.set_setting("theme_taxonomy", str(taxonomy))
        before = _depends(ws)
        taxonomy.write_text(text + "\n# edited\n", encoding="utf-8")
        assert _depends(ws) != before  # an edited taxonomy is another run
