"""Vendor review exports (Trustpilot, G2) into mentions with a preset, and the ``constants``
option of import_file underneath."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import pytest

from cxpulse import Workspace
from cxpulse.errors import ConfigError, ImportRejected
from cxpulse.ingest import import_file
from cxpulse.ingest.presets import (
    G2,
    PRESETS,
    TRUSTPILOT,
    Preset,
    get_preset,
    import_with_preset,
)
from cxpulse.settings import Settings
from cxpulse.store import Store

from .conftest import records, write_csv

# The columns of a Trustpilot Business service-reviews download, in its order.
TRUSTPILOT_CSV = (
    "Review Id,Review Created (UTC),Review Consumer User Id,Review Title,Review Content,"
    "Review Stars,Source Of Review,Review Language,Domain URL,Webshop Name,Business Unit Id,"
    "Company Reply Date (UTC),Reference Id,Review Username\n"
    '64f1a2b3c4d5e6f7a8b9c0d1,2025-07-01 08:30:00,u1,Great,"Fast, friendly.",5,Organic,en,'
    "www.example.com,Example,bu1,2025-07-01 10:00:00,C000042,Camille D.\n"
    "64f1a2b3c4d5e6f7a8b9c0d2,2025-07-02T22:15:00Z,u2,Late,Parcel late again,2,"
    "Invitation,fr,www.example.com,Example,bu1,,,Jean M.\n"
)


def test_trustpilot_export_into_mentions(store: Store, paris: Settings, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "reviews.csv", TRUSTPILOT_CSV)
    report = import_with_preset(store, paris, "trustpilot", path, "mentions")
    assert (report.rows_new, report.rows_rejected) == (2, 0)
    assert "Review Title" in report.ignored_columns and "Domain URL" in report.ignored_columns
    first, second = records(store, "mentions")
    assert first["platform"] == second["platform"] == "trustpilot"
    assert first["mention_id"] == "64f1a2b3c4d5e6f7a8b9c0d1" and first["rating"] == 5
    # "(UTC)" in the header: read as UTC although the workspace is in Paris
    assert first["posted_at"] == datetime(2025, 7, 1, 8, 30)
    assert first["responded_at"] == datetime(2025, 7, 1, 10, 0)
    assert (first["customer_id"], first["author"], first["text"]) == (
        "C000042",
        "Camille D.",
        "Fast, friendly.",
    )
    assert second["posted_at"] == datetime(2025, 7, 2, 22, 15) and second["responded_at"] is None
    again = import_with_preset(store, paris, "trustpilot", path)
    assert (again.rows_new, again.rows_unchanged) == (0, 2)  # idempotent by review id


def test_g2_export_and_a_map_that_overrides_the_preset(
    store: Store, paris: Settings, tmp_path: Path
) -> None:
    path = write_csv(
        tmp_path / "g2.csv",
        "ID,Title,Star Rating,Review,Reviewer Name,Submitted At,Public URL\n"
        "812345,Solid tool,4.5,Does the job,Ana P.,2025-06-03 14:00,https://g2.com/r/812345\n",
    )
    import_with_preset(store, paris, "G2", path, mapping={"Title": "text"})
    (row,) = records(store, "mentions")
    assert (row["platform"], row["mention_id"], row["rating"]) == ("g2", "812345", 4.5)
    assert row["text"] == "Solid tool" and row["url"] == "https://g2.com/r/812345"
    assert row["posted_at"] == datetime(2025, 6, 3, 12, 0)  # no zone given: workspace time


def test_a_missing_required_column_says_how_to_map_it(
    store: Store, paris: Settings, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "g2.csv", "ID,When,Star Rating\n1,2025-06-03,5\n")
    with pytest.raises(ImportRejected, match='(?s)no column "posted_at".*are: "ID", "When".*--map'):
        import_with_preset(store, paris, "g2", path)
    report = import_with_preset(store, paris, "g2", path, mapping={"When": "posted_at"})
    assert report.rows_new == 1


def test_preset_errors(store: Store, paris: Settings, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "r.csv", TRUSTPILOT_CSV)
    with pytest.raises(ConfigError, match="unknown import preset 'yelp'; presets: trustpilot, g2"):
        get_preset("yelp")
    with pytest.raises(ConfigError, match="imports into mentions, not tickets"):
        import_with_preset(store, paris, "trustpilot", path, "tickets")


def test_first_matching_header_wins_whatever_its_case() -> None:
    header = ["review id", "REVIEW CREATED (UTC)", "Review  Stars", "Rating"]
    assert TRUSTPILOT.mapping_for(header) == {
        "review id": "mention_id",
        "REVIEW CREATED (UTC)": "posted_at",
        "Review  Stars": "rating",
    }
    assert G2.mapping_for(["Stars", "Rating"]) == {"Stars": "rating"}
    assert TRUSTPILOT.confirmed and not G2.confirmed


def test_constants_fill_a_column_unless_the_file_is_mapped_to_it(
    store: Store, paris: Settings, tmp_path: Path
) -> None:
    path = write_csv(
        tmp_path / "m.csv",
        "mention_id,posted_at,Platform,Network\nm1,2025-01-01,ignored,instagram\n",
    )
    report = import_file(store, paris, "mentions", path, constants={"platform": "forum"})
    assert records(store, "mentions")[0]["platform"] == "forum"
    assert report.ignored_columns == ("Network",)  # "Platform" matched by name, then replaced
    import_file(
        store, paris, "mentions", path, mapping={"Network": "platform"}, constants={"platform": "x"}
    )
    assert records(store, "mentions")[0]["platform"] == "instagram"
    with pytest.raises(ConfigError, match="mentions has no column colour"):
        import_file(store, paris, "mentions", path, constants={"colour": "blue"})


# a throwaway vendor: what a new preset module holds
YELP = Preset(
    name="yelp",
    table="mentions",
    doc="a vendor made up for the test",
    columns={
        "mention_id": ("Review #",),
        "posted_at": ("Written On",),
        "rating": ("Stars Given",),
        "text": ("What They Said",),
    },
    constants={"platform": "yelp"},
    timezone="UTC",
)
YELP_CSV = "Review #,Written On,Stars Given,What They Said,Mood\ny1,2025-05-01 10:00,4,Nice,ok\n"


def test_a_preset_added_to_one_workspace_imports_there(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "yelp.csv", YELP_CSV)
    with (
        Workspace.init(tmp_path / "a.duckdb", timezone="Europe/Paris") as ws,
        Workspace.init(tmp_path / "b.duckdb") as other,
    ):
        ws.kinds[PRESETS].add(YELP)
        report = ws.import_file(path, "mentions", preset="Yelp")
        assert (report.rows_new, report.ignored_columns) == (1, ("Mood",))
        (row,) = records(ws.store, "mentions")
        assert (row["mention_id"], row["platform"], row["rating"], row["text"]) == (
            "y1",
            "yelp",
            4,
            "Nice",
        )
        assert row["posted_at"] == datetime(2025, 5, 1, 10)  # the preset's zone: UTC
        builtins = re.escape(", ".join(PRESETS.builtins().names()))
        with pytest.raises(ConfigError, match=f"presets: {builtins}, yelp$"):
            ws.import_file(path, "mentions", preset="nope")
        with pytest.raises(
            ConfigError, match=f"unknown import preset 'yelp'; presets: {builtins}$"
        ):
            other.import_file(path, "mentions", preset="yelp")
    assert "yelp" not in PRESETS.builtins()
