"""The Google Business Profile connector against a local v4 reviews API: reviews and replies
into mentions, incremental by updateTime, a kill mid-sync, quotas and an expired token."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from cxpulse import Workspace
from cxpulse.cli.app import app
from cxpulse.errors import ConfigError, SourceAuthError
from cxpulse.sources import CONNECTORS, add_source, get_source, sync_source
from cxpulse.sources.definitions import save_state
from cxpulse.sources.google_reviews import GoogleReviews, original
from cxpulse.sources.secrets import reference
from tests.sources import google_reviews_server as gs
from tests.sources.vendor_server import kill_mid_sync

Account = tuple[gs.Google, str]


@pytest.fixture
def google() -> Iterator[Account]:
    account = gs.Google(page_size=2)  # pages of two, to page with a few reviews
    for n in range(1, 6):
        account.put(gs.review(n, day=n))
    with gs.serve(account) as url:
        yield account, url


@pytest.fixture
def ws(tmp_path: Path, google: Account, monkeypatch: pytest.MonkeyPatch) -> Workspace:
    monkeypatch.setenv("GOOGLE_TOKEN", gs.TOKEN)
    ws = Workspace.init(tmp_path / "ws.duckdb")
    options: dict[str, str | None] = {
        "account": gs.ACCOUNT,
        "location": gs.LOCATION,
        "base_url": google[1],
    }
    add_source(ws, "google_reviews", "gbp", options, reference(env="GOOGLE_TOKEN"), gs.now())
    return ws


def sync(ws: Workspace, **kw: Any) -> Any:
    return sync_source(ws, "gbp", now=gs.now(), sleep=lambda _: None, **kw)


def mentions(ws: Workspace) -> dict[str, dict[str, Any]]:
    return {r["mention_id"]: r for r in ws.store.table("mentions").to_pyarrow().to_pylist()}


def test_google_reviews_is_a_registered_connector() -> None:
    assert CONNECTORS.builtins().get("google_reviews") is GoogleReviews


def test_a_full_sync_pages_by_token_and_maps_reviews_and_replies(
    ws: Workspace, google: Account
) -> None:
    account, _ = google
    account.put(gs.review(3, day=3, updated=6, reviewReply=gs.reply(6)))
    report = sync(ws)
    assert report.pages == 3 and report.new == {"mentions": 5}
    asked = [account.asked(i) for i in range(len(account.requests))]
    assert [a.get("pageToken") for a in asked] == [None, gs.page_token(2), gs.page_token(4)]
    assert all(a["pageSize"] == "50" and a["orderBy"] == "updateTime desc" for a in asked)
    rows = mentions(ws)
    three = rows[gs.review_id(3)]
    assert (three["platform"], three["rating"], three["text"]) == ("google", 4.0, "Review 3.")
    assert (three["author"], three["source"]) == ("Reviewer 3", "gbp")
    assert three["posted_at"] == datetime(2026, 3, 3, 9, 0, 0, 45123)  # nanoseconds cut
    assert three["responded_at"] == datetime(2026, 3, 6, 15, 0)
    assert rows[gs.review_id(1)]["responded_at"] is None
    # the newest updateTime (6 March) less the 30-day reply window
    assert get_source(ws, "gbp").cursor["reviews"] == {"since": "2026-02-04T09:00:00.045123Z"}


def test_the_next_sync_stops_at_the_cursor_and_writes_new_and_edited_reviews(
    ws: Workspace, google: Account
) -> None:
    account, _ = google
    for n in (11, 12, 13, 14):  # January: older than the next sync's cursor
        account.put(gs.review(n) | {"updateTime": f"2026-01-{n:02d}T09:00:00Z"})
    sync(ws)
    assert len(mentions(ws)) == 9
    account.requests.clear()
    account.put(gs.review(2, day=2, updated=9, starRating="FIVE", comment="Better now."))
    account.put(gs.review(6, day=8))
    account.remove(4)  # gone from Google: the API does not say so
    report = sync(ws)
    assert report.new == {"mentions": 1} and report.updated == {"mentions": 1}
    # [2 (9 Mar), 6 (8 Mar)] [5, 3] [1, 14 January]: older than the cursor, the pass ends
    assert len(account.requests) == 3
    rows = mentions(ws)
    assert (rows[gs.review_id(2)]["rating"], rows[gs.review_id(2)]["text"]) == (5.0, "Better now.")
    assert gs.review_id(4) in rows
    assert sync(ws).rows == 0  # nothing new: the window is read again, nothing written


def test_a_full_sync_reads_everything_again_and_duplicates_nothing(ws: Workspace) -> None:
    sync(ws)
    before = mentions(ws)
    report = sync(ws, full=True)
    assert report.pages == 3 and report.rows == 0
    assert mentions(ws) == before


def test_a_sync_killed_mid_way_resumes_at_its_page_token_with_nothing_lost_or_duplicated(
    ws: Workspace, google: Account
) -> None:
    """A real `kill -9` of `cxpulse sources sync` while it waits for the third page: two
    pages and their page token are committed; the next sync asks for that token and ends
    with every review once."""
    account, _ = google
    account.put(gs.review(6, day=6))
    location = ws.store.location
    ws.close()
    kill_mid_sync(account, location, "gbp", {"GOOGLE_TOKEN": gs.TOKEN}, at=3)

    ws = Workspace.open(location)
    assert sorted(mentions(ws)) == sorted(gs.review_id(n) for n in (3, 4, 5, 6))
    assert get_source(ws, "gbp").cursor["reviews"]["token"] == gs.page_token(4)
    account.requests.clear()
    sync(ws)
    assert account.asked(0)["pageToken"] == gs.page_token(4)
    assert sorted(mentions(ws)) == sorted(gs.review_id(n) for n in range(1, 7))
    assert ws.store.table("mentions").count().execute() == 6


def test_a_page_token_google_no_longer_accepts_restarts_the_pass_from_the_newest(
    ws: Workspace, google: Account
) -> None:
    account, _ = google
    stale = {"reviews": {"since": None, "token": "c3RhbGU=", "newest": gs.ts(5)}}
    save_state(ws, "gbp", cursor=stale)
    report = sync(ws)
    assert account.asked(0)["pageToken"] == "c3RhbGU=" and "pageToken" not in account.asked(1)
    assert report.new == {"mentions": 5}
    assert get_source(ws, "gbp").cursor["reviews"] == {"since": "2026-02-03T09:00:00.045123Z"}


def test_a_429_storm_backs_off_exponentially(ws: Workspace, google: Account) -> None:
    account, _ = google
    account.throttle = 5  # RESOURCE_EXHAUSTED without Retry-After: double the wait
    waits: list[float] = []
    report = sync_source(ws, "gbp", now=gs.now(), sleep=waits.append)
    assert waits == [1, 2, 4, 8, 16]
    assert report.new == {"mentions": 5} and report.waits == 5


def test_an_expired_token_is_one_line_saying_to_refresh_it(ws: Workspace, google: Account) -> None:
    account, _ = google
    account.token = "ya29.a0-the-next-hour"  # the stored one expired
    with pytest.raises(SourceAuthError) as caught:
        sync(ws)
    message = str(caught.value)
    assert "\n" not in message and gs.TOKEN not in message
    assert message.startswith("source 'gbp': the vendor refused its token (401")
    assert "the environment variable GOOGLE_TOKEN holds a current OAuth access token" in message
    assert "expire after an hour: refresh it" in message
    assert get_source(ws, "gbp").last_error == message


def test_unknown_fields_are_ignored_missing_ones_empty_and_a_review_without_a_date_reported(
    ws: Workspace, google: Account
) -> None:
    account, _ = google
    bare = gs.review(6, day=6, starRating="STAR_RATING_UNSPECIFIED", reviewMediaItems=[{}])
    del bare["comment"], bare["reviewer"]
    account.put(bare)
    account.put({k: v for k, v in gs.review(7, day=7).items() if k != "createTime"})
    report = sync(ws)
    rows = mentions(ws)
    six = rows[gs.review_id(6)]
    assert (six["rating"], six["text"], six["author"]) == (None, None, None)
    assert gs.review_id(7) not in rows
    assert report.skipped_rows == [
        {"table": "mentions", "id": gs.review_id(7),
         "reason": "posted_at: required; this cell is empty"}
    ]  # fmt: skip


def test_a_review_google_translated_keeps_what_the_reviewer_wrote(
    ws: Workspace, google: Account
) -> None:
    account, _ = google
    account.put(gs.review(6, day=6, comment="(Translated by Google) Very good welcome\n\n"
                                            "(Original)\nTrès bon accueil"))  # fmt: skip
    account.put(gs.review(7, day=7, comment="Muy rico\n\n(Translated by Google)\nVery tasty"))
    sync(ws)
    rows = mentions(ws)
    assert rows[gs.review_id(6)]["text"] == "Très bon accueil"
    assert rows[gs.review_id(7)]["text"] == "Muy rico"
    assert rows[gs.review_id(6)]["language"] is None  # the API does not give it


@given(
    written=st.text(min_size=1).filter(lambda t: "(Original)" not in t and "(Translated" not in t),
    translated=st.text().filter(lambda t: "(Original)" not in t and "(Translated" not in t),
)
def test_the_original_is_kept_whichever_order_google_puts_the_parts_in(
    written: str, translated: str
) -> None:
    want = written.strip() or None
    assert original(f"(Translated by Google) {translated}\n\n(Original)\n{written}") == want
    assert original(f"{written}\n\n(Translated by Google)\n{translated}") == (
        want or translated.strip() or None
    )
    assert original(written) == want


def test_ids_given_as_resource_names_are_read_and_others_refused(ws: Workspace) -> None:
    checked = GoogleReviews.check({"account": "accounts/123", "location": "locations/456/"})
    assert (checked["account"], checked["location"]) == ("123", "456")
    with pytest.raises(ConfigError, match="--location is the id Google gives it"):
        GoogleReviews.check({"account": "123", "location": "4 5?6"})
    with pytest.raises(ConfigError, match="needs --account, --location"):
        GoogleReviews.check({})


def test_cli_sources_add_google_reviews_then_sync(
    tmp_path: Path, google: Account, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, url = google
    db = str(tmp_path / "cli.duckdb")
    Workspace.init(db).close()
    monkeypatch.setenv("GOOGLE_TOKEN", gs.TOKEN)
    runner = CliRunner()
    added = runner.invoke(app, ["sources", "add", "google_reviews", "gbp", "--account",
                                f"accounts/{gs.ACCOUNT}", "--location", gs.LOCATION,
                                "--token-env", "GOOGLE_TOKEN", "--base-url", url,
                                "-w", db])  # fmt: skip
    assert added.exit_code == 0, added.stdout + added.stderr
    synced = runner.invoke(app, ["sources", "sync", "gbp", "-w", db])
    assert synced.exit_code == 0, synced.stdout + synced.stderr
    assert "mentions: 5 new" in synced.stdout
    monkeypatch.setenv("GOOGLE_TOKEN", "expired")
    refused = runner.invoke(app, ["sources", "sync", "gbp", "-w", db])
    assert refused.exit_code != 0 and "Traceback" not in refused.stdout + refused.stderr
    assert "refresh it" in refused.stdout + refused.stderr
