"""The Trustpilot connector against a local Trustpilot API: service reviews and replies into
mentions, the re-read reply window, a kill mid-sync, rate limits and a refused key."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from cxpulse import Workspace
from cxpulse.cli.app import app
from cxpulse.errors import ConfigError, SourceAuthError
from cxpulse.sources import CONNECTORS, add_source, get_source, sync_source
from cxpulse.sources.secrets import reference
from cxpulse.sources.trustpilot import Trustpilot
from tests.sources import trustpilot_server as tp
from tests.sources.vendor_server import kill_mid_sync

Account = tuple[tp.Trustpilot, str]


@pytest.fixture
def trustpilot() -> Iterator[Account]:
    account = tp.Trustpilot(per_page_cap=2)  # pages of two, to page with a few reviews
    for n in range(1, 6):
        account.put(tp.review(n, day=n))
    with tp.serve(account) as url:
        yield account, url


@pytest.fixture
def ws(tmp_path: Path, trustpilot: Account, monkeypatch: pytest.MonkeyPatch) -> Workspace:
    monkeypatch.setenv("TRUSTPILOT_KEY", tp.KEY)
    ws = Workspace.init(tmp_path / "ws.duckdb")
    options: dict[str, str | None] = {"business_unit_id": tp.UNIT, "base_url": trustpilot[1]}
    add_source(ws, "trustpilot", "reviews", options, reference(env="TRUSTPILOT_KEY"), tp.now())
    return ws


def sync(ws: Workspace, **kw: Any) -> Any:
    return sync_source(ws, "reviews", now=tp.now(), sleep=lambda _: None, **kw)


def mentions(ws: Workspace) -> dict[str, dict[str, Any]]:
    return {r["mention_id"]: r for r in ws.store.table("mentions").to_pyarrow().to_pylist()}


def test_trustpilot_is_a_registered_connector() -> None:
    assert CONNECTORS.builtins().get("trustpilot") is Trustpilot


def test_a_full_sync_pages_newest_first_and_maps_reviews_and_replies(
    ws: Workspace, trustpilot: Account
) -> None:
    account, _ = trustpilot
    account.put(tp.review(3, day=3, companyReply=tp.reply(4)))
    report = sync(ws)
    assert report.pages == 3 and report.new == {"mentions": 5}
    asked = [account.asked(i) for i in range(len(account.requests))]
    assert [a["page"] for a in asked] == ["1", "2", "3"]
    assert all(a["perPage"] == "100" and a["orderBy"] == "createdat.desc" for a in asked)
    rows = mentions(ws)
    three = rows[tp.review_id(3)]
    assert (three["platform"], three["rating"], three["language"]) == ("trustpilot", 4.0, "en")
    assert three["text"] == "Title 3\n\nReview 3 text."
    assert (three["author"], three["source"]) == ("Consumer 3", "reviews")
    assert three["posted_at"] == datetime(2026, 3, 3, 9, 0)
    assert three["responded_at"] == datetime(2026, 3, 4, 15, 0)  # the reply: response time
    assert three["url"] == f"https://www.trustpilot.com/reviews/{tp.review_id(3)}"
    assert rows[tp.review_id(1)]["responded_at"] is None
    cursor = get_source(ws, "reviews").cursor["reviews"]
    assert cursor == {"since": "2026-02-03T09:00:00Z"}  # newest (5 March) - 30 days


def test_the_next_sync_reads_down_to_the_reply_window_and_picks_up_late_replies(
    ws: Workspace, trustpilot: Account
) -> None:
    account, _ = trustpilot
    for n in (11, 12, 13):  # January: before the reply window of the next syncs
        account.put(tp.review(n, day=n - 10) | {"createdAt": f"2026-01-{n - 10:02d}T09:00:00Z"})
    sync(ws)
    assert len(mentions(ws)) == 8
    account.requests.clear()
    account.put(tp.review(2, day=2, companyReply=tp.reply(9)))  # a late reply
    account.put(tp.review(6, day=8))  # a new review
    account.remove(4)  # removed on Trustpilot: not reported by the API
    report = sync(ws)
    assert report.new == {"mentions": 1} and report.updated == {"mentions": 1}
    # pages [8, 5] [3, 2] [1, 13 January]: the first review older than the window ends it
    assert [account.asked(i)["page"] for i in range(len(account.requests))] == ["1", "2", "3"]
    rows = mentions(ws)
    assert rows[tp.review_id(2)]["responded_at"] == datetime(2026, 3, 9, 15, 0)
    assert tp.review_id(4) in rows  # Trustpilot says nothing of removed reviews
    assert get_source(ws, "reviews").cursor["reviews"]["since"] == "2026-02-06T09:00:00Z"


def test_a_shorter_reply_window_reads_fewer_pages_again(ws: Workspace, trustpilot: Account) -> None:
    account, url = trustpilot
    options: dict[str, str | None] = {"business_unit_id": tp.UNIT, "base_url": url,
                                      "reply_window_days": "2"}  # fmt: skip
    add_source(ws, "trustpilot", "short", options, reference(env="TRUSTPILOT_KEY"), tp.now())
    sync_source(ws, "short", now=tp.now(), sleep=lambda _: None)
    assert get_source(ws, "short").cursor["reviews"] == {"since": "2026-03-03T09:00:00Z"}
    account.requests.clear()
    sync_source(ws, "short", now=tp.now(), sleep=lambda _: None)
    assert len(account.requests) == 2  # [5, 4] [3, 2 (older than 3 March)]: done
    with pytest.raises(ConfigError, match="--reply-window-days takes 0 to 365 days"):
        add_source(ws, "trustpilot", "bad", options | {"reply_window_days": "a week"},
                   reference(env="TRUSTPILOT_KEY"), tp.now())  # fmt: skip


def test_a_full_sync_reads_everything_again_and_duplicates_nothing(ws: Workspace) -> None:
    sync(ws)
    before = mentions(ws)
    report = sync(ws, full=True)
    assert report.pages == 3 and report.rows == 0
    assert mentions(ws) == before


def test_a_review_imported_from_the_business_download_and_synced_is_one_row(
    ws: Workspace, tmp_path: Path
) -> None:
    export = tmp_path / "reviews.csv"
    export.write_text(
        "Review Id,Review Created (UTC),Review Title,Review Content,Review Stars,"
        "Review Language,Reference Id,Review Username\n"
        f"{tp.review_id(1)},2026-03-01 09:00:00,Title 1,Review 1 text.,2,en,C000042,Consumer 1\n"
    )
    ws.import_file(export, "mentions", preset="trustpilot")
    sync(ws)
    rows = mentions(ws)
    assert len(rows) == 5
    one = rows[tp.review_id(1)]
    assert (one["platform"], one["customer_id"]) == ("trustpilot", "C000042")  # kept
    assert one["source"] == "reviews"


def test_a_reference_id_becomes_the_customer(ws: Workspace, trustpilot: Account) -> None:
    account, _ = trustpilot
    account.put(tp.review(5, day=5, referenceId="C000077", referralEmail="c77@example.com"))
    sync(ws)
    rows = mentions(ws)
    assert rows[tp.review_id(5)]["customer_id"] == "C000077"
    assert rows[tp.review_id(4)]["customer_id"] is None


def test_a_sync_killed_mid_way_resumes_at_its_page_with_nothing_lost_or_duplicated(
    ws: Workspace, trustpilot: Account
) -> None:
    """A real `kill -9` of `cxpulse sources sync` while it waits for the third page: two
    pages and the cursor (page 2 of this pass) are committed; the next sync asks for page 3
    and ends with every review once."""
    account, _ = trustpilot
    account.put(tp.review(6, day=6))
    location = ws.store.location
    ws.close()
    kill_mid_sync(account, location, "reviews", {"TRUSTPILOT_KEY": tp.KEY}, at=3)

    ws = Workspace.open(location)
    assert sorted(mentions(ws)) == [tp.review_id(n) for n in (3, 4, 5, 6)]
    assert get_source(ws, "reviews").cursor["reviews"]["page"] == 2
    account.requests.clear()
    sync(ws)
    assert account.asked(0)["page"] == "3"
    assert sorted(mentions(ws)) == [tp.review_id(n) for n in range(1, 7)]
    assert ws.store.table("mentions").count().execute() == 6


def test_a_429_storm_backs_off_exponentially(ws: Workspace, trustpilot: Account) -> None:
    account, _ = trustpilot
    account.throttle = 5  # no Retry-After: double the wait each time
    waits: list[float] = []
    report = sync_source(ws, "reviews", now=tp.now(), sleep=waits.append)
    assert waits == [1, 2, 4, 8, 16]
    assert report.new == {"mentions": 5} and report.waits == 5


def test_a_refused_key_is_one_line_naming_the_source_and_the_variable(
    ws: Workspace, trustpilot: Account
) -> None:
    account, _ = trustpilot
    account.key = "rotated"
    with pytest.raises(SourceAuthError) as caught:
        sync(ws)
    message = str(caught.value)
    assert "\n" not in message and tp.KEY not in message
    assert message.startswith("source 'reviews': the vendor refused its token (401")
    assert "the environment variable TRUSTPILOT_KEY holds a valid Trustpilot API key" in message
    assert get_source(ws, "reviews").last_error == message


def test_unknown_fields_are_ignored_missing_ones_empty_and_a_review_without_a_date_reported(
    ws: Workspace, trustpilot: Account
) -> None:
    account, _ = trustpilot
    bare = tp.review(6, day=6, shinyNewField={"nested": True})
    for gone in ("language", "consumer", "title"):
        del bare[gone]
    account.put(bare)
    account.put({k: v for k, v in tp.review(7, day=7).items() if k != "createdAt"})
    report = sync(ws)
    rows = mentions(ws)
    six = rows[tp.review_id(6)]
    assert (six["language"], six["author"], six["text"]) == (None, None, "Review 6 text.")
    assert tp.review_id(7) not in rows
    assert report.skipped_rows == [
        {"table": "mentions", "id": tp.review_id(7),
         "reason": "posted_at: required; this cell is empty"}
    ]  # fmt: skip


def test_a_business_unit_id_that_is_not_one_is_refused(ws: Workspace) -> None:
    with pytest.raises(ConfigError, match="--business-unit-id is the id Trustpilot gives"):
        add_source(ws, "trustpilot", "other", {"business_unit_id": "evil.example/#"},
                   reference(env="TRUSTPILOT_KEY"), tp.now())  # fmt: skip


def test_cli_sources_add_trustpilot_then_sync(
    tmp_path: Path, trustpilot: Account, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, url = trustpilot
    db = str(tmp_path / "cli.duckdb")
    Workspace.init(db).close()
    monkeypatch.setenv("TRUSTPILOT_KEY", tp.KEY)
    runner = CliRunner()
    added = runner.invoke(app, ["sources", "add", "trustpilot", "reviews", "--business-unit-id",
                                tp.UNIT, "--token-env", "TRUSTPILOT_KEY", "--base-url", url,
                                "-w", db])  # fmt: skip
    assert added.exit_code == 0, added.stdout + added.stderr
    synced = runner.invoke(app, ["sources", "sync", "reviews", "-w", db])
    assert synced.exit_code == 0, synced.stdout + synced.stderr
    assert "mentions: 5 new" in synced.stdout
    with Workspace.open(db) as ws:
        assert ws.store.table("mentions").count().execute() == 5
