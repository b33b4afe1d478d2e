"""``cxpulse pages``, ``cxpulse cx-index ...`` and ``cxpulse import --preset`` end to end."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cxpulse import Workspace
from cxpulse.cli.app import app
from tests.conftest import add_rows

runner = CliRunner()
T = datetime(2025, 3, 10, 9)


def invoke(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def site(tmp_path: Path) -> Path:
    path = tmp_path / "ws.duckdb"
    with Workspace.init(path, timezone="Europe/Paris") as ws:
        rows = []
        walks = [["/", "/shipping"]] * 40 + [["/", "/shipping", "/pay", "/"]] * 20
        walks += [["/", "/shop", "/pay", "/"]] * 60 + [["/odd"]] * 3  # exits: / 40 %, /odd 100 %
        for i, pages in enumerate(walks):
            rows += [
                {"visitor_id": f"V{i}", "occurred_at": T + timedelta(hours=i, minutes=k),
                 "event_type": "page_view", "page": page, "source": "test"}
                for k, page in enumerate(pages)
            ]  # fmt: skip
        add_rows(ws, "web_events", rows)
        add_rows(
            ws,
            "survey_responses",
            [
                {"question_type": "nps", "score": s, "responded_at": T + timedelta(days=d)}
                for s in (10, 9, 3)
                for d in (0, 31)
            ],
        )
    return path


def test_pages_flags_the_leaky_page_not_the_rare_one(site: Path) -> None:
    code, out, _ = invoke("pages", "-w", str(site))
    assert code == 0, out
    assert "Problem pages by exit rate" in out and "1 page flagged" in out
    shipping = next(line for line in out.splitlines() if "/shipping" in line)
    assert shipping.split()[1] == "1" and "/odd" in out  # rank 1 (after the table border)
    code, out, _ = invoke("pages", "-w", str(site), "--format", "json")
    report = json.loads(out)
    assert report["metric"] == "exit_rate" and report["pages"][0]["page"] == "/shipping"
    assert [p["page"] for p in report["pages"] if p["flagged"]] == ["/shipping"]
    code, out, _ = invoke("pages", "-w", str(site), "--rate", "bounce", "--variant", "single_page",
                          "--min-views", "1", "--margin", "0", "--format", "csv")  # fmt: skip
    assert code == 0 and out.splitlines()[1].split(",")[1] == "/odd"


def test_cx_index_show_weights_and_versions(site: Path) -> None:
    code, out, _ = invoke("cx-index", "show", "-w", str(site))
    assert code == 0 and "Weights v0 (cx4" in out and "No answers or tickets" in out
    code, out, _ = invoke(
        "cx-index", "set-weights", "--preset", "satisfaction_loyalty", "--weight", "nps=0.6",
        "--from", "2025-04-01", "--note", "board decision", "-w", str(site),
    )  # fmt: skip
    assert code == 0 and "Weights v1 (custom, from 2025-04-01)" in out
    code, out, _ = invoke("cx-index", "weights", "-w", str(site), "--format", "json")
    default, version = json.loads(out)
    assert default["version"] == 0 and default["preset"] == "cx4"
    assert version["note"] == "board decision" and version["weights"]["nps"] == pytest.approx(
        0.6 / 1.3
    )
    code, out, _ = invoke("cx-index", "show", "-w", str(site), "--format", "json")
    periods = json.loads(out)["periods"]
    assert [p["period"] for p in periods] == ["2025-03", "2025-04"]
    assert [p["weights_changed"] for p in periods] == [False, True]
    # only NPS has data (2 promoters, 1 detractor): the index is NPS 33.3 rescaled to 0-100;
    # March was under the built-in cx4 weights, which have no component with data
    assert [p["cx_index"] for p in periods] == pytest.approx([200 / 3, 200 / 3])
    assert [p["cx_index_then"] for p in periods] == [None, pytest.approx(200 / 3)]
    assert [p["weights_version"] for p in periods] == [0, 1]
    code, _, err = invoke("cx-index", "set-weights", "--weight", "speed=1", "-w", str(site))
    assert code == 1 and "unknown CX index component speed" in err
    code, _, err = invoke("cx-index", "set-weights", "--weight", "nps", "-w", str(site))
    assert code == 1 and "--weight takes component=number" in err


def test_import_with_a_preset(site: Path, tmp_path: Path) -> None:
    csv = tmp_path / "reviews.csv"
    csv.write_text(
        "Review Id,Review Created (UTC),Review Title,Review Content,Review Stars,Review Username\n"
        "r1,2025-03-01 10:00:00,Nice,Good coffee,5,Ana\n",
        encoding="utf-8",
    )
    code, out, _ = invoke(
        "import", str(csv), "--table", "mentions", "--preset", "trustpilot", "-w", str(site)
    )
    assert code == 0 and "1 new" in out and "ignored columns: Review Title" in out
    code, out, _ = invoke("metric", "mention_volume", "--segment", "platform", "-f", "json",
                          "-w", str(site))  # fmt: skip
    assert json.loads(out)[0]["platform"] == "trustpilot"
    code, _, err = invoke("import", str(csv), "--table", "tickets", "--preset", "trustpilot",
                          "-w", str(site))  # fmt: skip
    assert code == 1 and "imports into mentions, not tickets" in err


def test_a_new_preset_is_one_line_in_default(
    site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A built-in preset is its module plus one line in DEFAULT: the CLI takes it as it is."""
    from cxpulse.ingest import presets
    from tests.ingest.test_presets import YELP, YELP_CSV

    monkeypatch.setattr(presets.PRESETS, "default", (*presets.DEFAULT, YELP))
    monkeypatch.setattr(presets.PRESETS, "_builtins", None)  # as on a fresh start
    csv = tmp_path / "yelp.csv"
    csv.write_text(YELP_CSV, encoding="utf-8")
    code, out, _ = invoke("import", str(csv), "-t", "mentions", "--preset", "yelp", "-w", str(site))
    assert code == 0 and "1 new" in out and "ignored columns: Mood" in out
    with Workspace.open(site) as ws:
        mentions = ws.table("mentions")
        stored = mentions.filter(mentions.mention_id == "y1").platform.execute().tolist()
    assert stored == ["yelp"]
    code, _, err = invoke(
        "import", str(csv), "-t", "mentions", "--preset", "yellow", "-w", str(site)
    )
    assert code == 1 and "unknown import preset 'yellow'; presets: trustpilot, g2, " in err
    assert err.rstrip().endswith(", yelp")
    assert "Traceback" not in err
