"""An installed package extends every workspace through entry points, the CLI included."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb

PLUGIN = """
from cxpulse.ingest.presets import Preset

YELP = Preset(
    name="yelp",
    table="mentions",
    doc="Yelp for Business > Reviews > export",
    columns={"mention_id": ("Review ID",), "posted_at": ("Date",), "rating": ("Stars",),
             "text": ("Review",)},
    constants={"platform": "yelp"},
)
"""


def _cxpulse(site: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), *sys.path])}
    return subprocess.run(
        [sys.executable, "-m", "cxpulse", *args],
        capture_output=True, text=True, env=env, timeout=180, check=False,
    )  # fmt: skip


def test_a_preset_installed_as_a_plugin_imports_through_the_cli(tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    (site / "cx_yelp.py").write_text(PLUGIN, encoding="utf-8")
    info = site / "cx_yelp-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: cx-yelp\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text("[cxpulse.import_presets]\nyelp = cx_yelp:YELP\n")
    export = tmp_path / "yelp.csv"
    export.write_text(
        "Review ID,Date,Stars,Review\nr1,2026-11-02,5,Great tacos\nr2,2026-11-03,1,Cold food\n",
        encoding="utf-8",
    )
    ws = tmp_path / "ws.duckdb"
    assert _cxpulse(site, "init", str(ws)).returncode == 0

    done = _cxpulse(
        site, "import", str(export), "--table", "mentions", "--preset", "yelp", "-w", str(ws)
    )

    assert done.returncode == 0, done.stderr
    with duckdb.connect(str(ws), read_only=True) as con:
        rows = con.sql("SELECT mention_id, rating, platform FROM mentions ORDER BY 1").fetchall()
    assert rows == [("r1", 5.0, "yelp"), ("r2", 1.0, "yelp")]
    assert "yelp" in _cxpulse(site, "import", "--help").stdout
