"""Every CLI command end to end on a temporary workspace (Typer's runner, real DuckDB)."""

from __future__ import annotations

import inspect
import json
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cxpulse import Workspace
from cxpulse.cli.app import COMMANDS, app, load
from tests.conftest import add_rows

runner = CliRunner()


def invoke(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), env=env)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def filled(tmp_path: Path) -> Path:
    path = tmp_path / "ws.duckdb"
    with Workspace.init(path, timezone="Europe/Paris") as ws:
        rows = [
            {"score": s, "responded_at": datetime(2025, 4, 10), "touchpoint": "support"}
            for s in [10] * 40 + [0] * 10
        ]
        rows += [
            {"score": s, "responded_at": datetime(2025, 5, 10), "touchpoint": "delivery"}
            for s in [3, 4, 5, 6, 8, 8, 8, 9, 10, 10]
        ]
        add_rows(ws, "survey_responses", rows)
    return path


def test_init_creates_a_workspace_with_its_time_zone(tmp_path: Path) -> None:
    path = tmp_path / "new.duckdb"
    code, out, _ = invoke("init", str(path), "--timezone", "Europe/Paris")
    assert code == 0 and "Workspace ready" in out and "Europe/Paris" in out
    code, out, _ = invoke("config", "show", "-w", str(path))
    assert 'timezone = "Europe/Paris"' in out


def test_workspace_comes_from_the_environment(filled: Path) -> None:
    code, out, _ = invoke(
        "metric", "nps", "--format", "json", env={"CXPULSE_WORKSPACE": str(filled)}
    )
    assert code == 0
    rows = json.loads(out)
    assert [r["period"] for r in rows] == ["2025-04", "2025-05"]
    assert rows[1]["value"] == pytest.approx(-10)
    assert rows[1]["change"] == pytest.approx(-70)
    assert rows[1]["significant"] is True and rows[1]["low_n"] is True


def test_metric_table_csv_segments_filters_and_range(filled: Path) -> None:
    code, out, _ = invoke("metric", "nps", "-w", str(filled), "--segment", "touchpoint")
    assert code == 0 and "support" in out and "delivery" in out and "few answers" in out
    code, out, _ = invoke(
        "metric",
        "nps",
        "-w",
        str(filled),
        "--format",
        "csv",
        "--filter",
        "touchpoint=delivery",
        "--from",
        "2025-05-01",
        "--to",
        "2025-05-31",
        "--variant",
        "wald",
    )
    lines = out.strip().splitlines()
    assert code == 0 and lines[0].startswith("period,period_start,value,ci_low,ci_high,n")
    assert len(lines) == 2 and ",10," in lines[1] and "nps (wald)" in lines[1]


def test_scorecard_prints_last_and_previous_period(filled: Path) -> None:
    code, out, _ = invoke("scorecard", "-w", str(filled), "--as-of", "2025-06-15")
    assert code == 0
    assert "nps" in out and "2025-05" in out and "-10.0" in out and "Bain" in out
    code, out, _ = invoke("scorecard", "-w", str(filled), "--as-of", "2025-06-15", "-f", "json")
    card = json.loads(out)
    nps = next(r for r in card["rows"] if r["metric"] == "nps")
    assert nps["previous_period"] == "2025-04" and nps["previous"] == pytest.approx(60)
    assert nps["target"] == 50 and "Bain" in nps["benchmark_source"]


def test_metrics_lists_every_definition_and_variant() -> None:
    code, out, _ = invoke("metrics", "--format", "json")
    rows = json.loads(out)
    assert code == 0
    names = {(r["metric"], r["variant"]) for r in rows}
    assert {
        ("nps", "default"),
        ("nps", "wald"),
        ("nps", "account"),
        ("csat", "zendesk"),
        ("ces", "nes"),
        ("response_rate", "default"),
    } <= names
    code, out, _ = invoke("metrics")
    assert code == 0 and "adjusted Wald" in out


def test_tables_documents_the_columns() -> None:
    code, out, _ = invoke("tables", "survey_responses")
    assert code == 0 and "response_id" in out and "polarity" in out
    code, out, _ = invoke("tables", "-f", "json")
    assert {r["table"] for r in json.loads(out)} >= {"customers", "web_events", "loyalty_ledger"}
    assert "cases" not in {r["table"] for r in json.loads(out)}


def test_tables_all_documents_the_operational_tables_too() -> None:
    code, out, _ = invoke("tables", "--all", "-f", "json")
    groups = {r["table"]: r["group"] for r in json.loads(out)}
    assert code == 0 and groups["customers"] == "canonical"
    assert groups["cases"] == groups["survey_widget_offers"] == "operational"
    code, out, _ = invoke("tables", "automation_outbox")
    assert code == 0 and "(operational)" in out and "next_attempt_at" in out


def test_config_set_changes_a_setting(filled: Path) -> None:
    code, _, _ = invoke("config", "set", "targets.nps", "40", "-w", str(filled))
    assert code == 0
    code, out, _ = invoke("config", "show", "-w", str(filled))
    assert '"nps": 40.0' in out
    assert invoke("config", "set", "confidence", "0.9", "-w", str(filled))[0] == 0
    code, out, _ = invoke("scorecard", "-w", str(filled), "--as-of", "2025-06-15")
    assert "90 % CI" in out and "significant change at 90 %" in out and "95 %" not in out
    code, out, _ = invoke("metric", "nps", "-w", str(filled), "--compare", "year")
    assert "90 % interval" in out and "change on a year before" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["metric", "nsp"], "unknown metric 'nsp'"),
        (["metric", "nps", "--by", "fortnight"], "unknown period 'fortnight'"),
        (["metric", "nps", "--filter", "touchpoint"], "--filter takes column=value"),
        (["config", "set", "timezone", "Mars/Olympus"], "unknown time zone"),
        (["tables", "tickts"], "no canonical table 'tickts'"),
    ],
)
def test_user_mistakes_are_one_message_and_exit_1(
    filled: Path, args: list[str], message: str
) -> None:
    code, out, err = invoke(*args, "-w", str(filled)) if args[0] != "tables" else invoke(*args)
    assert code == 1, out
    assert message in err and "Traceback" not in err + out


def test_messages_with_brackets_print_whole(tmp_path: Path) -> None:
    """Rich markup once swallowed "[spark]" and "[postgres]" from install hints: every message
    is printed as written."""
    where = tmp_path / "[postgres]" / "ws.duckdb"
    code, _, err = invoke("metric", "nps", "-w", str(where))
    assert code == 1 and f"no workspace at {where}" in err
    Workspace.init(tmp_path / "w.duckdb").close()
    code, _, err = invoke("metric", "nps[spark]", "-w", str(tmp_path / "w.duckdb"))
    assert code == 1 and "unknown metric 'nps[spark]'" in err
    proc = subprocess.run(
        [sys.executable, "-m", "cxpulse", "metric", "nps", "-w", str(where)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 1 and "[postgres]" in proc.stderr


def test_via_without_a_token_or_a_server_is_one_message(free_port_url: str) -> None:
    code, _, err = invoke("metric", "nps", "--via", free_port_url, env={"CXPULSE_TOKEN": ""})
    assert code == 1 and "--via needs an API token in CXPULSE_TOKEN" in err
    code, _, err = invoke("scorecard", "--via", free_port_url, env={"CXPULSE_TOKEN": "t"})
    assert code == 1 and f"cannot reach the cxpulse server at {free_port_url}" in err
    code, _, err = invoke("metric", "nps", "--via", "localhost:8000", env={"CXPULSE_TOKEN": "t"})
    assert code == 1 and "--via takes the server's URL" in err


@pytest.fixture
def free_port_url() -> str:
    from tests.web.conftest import free_port

    return f"http://127.0.0.1:{free_port()}"  # nothing listens there


def test_a_missing_workspace_is_explained(tmp_path: Path) -> None:
    code, _, err = invoke("metric", "nps", "-w", str(tmp_path / "nope.duckdb"))
    assert code == 1 and "no workspace at" in err and "cxpulse init" in err


@pytest.mark.parametrize(
    "command", ["init", "import", "metric", "metrics", "scorecard", "demo", "tables", "config"]
)
def test_every_command_has_help(command: str) -> None:
    code, out, _ = invoke(command, "--help")
    assert code == 0 and "Usage" in out


def test_help_lists_every_command_with_the_first_paragraph_of_its_help() -> None:
    """`cxpulse --help` shows the summaries of :data:`COMMANDS` without importing the command
    modules: each summary must still be what the command's own help says, and no module may
    register a command the table does not list (it would be missing from --help)."""
    code, out, _ = invoke("--help")
    assert code == 0
    for name, lazy in COMMANDS.items():
        if lazy is None:
            continue
        assert f" {name} " in out, name
        real = load(lazy.module)[name]
        first = inspect.cleandoc(real.short_help or real.help or "").split("\n\n")[0]
        assert first == lazy.summary, f"update the summary of {name!r} in cli.app.COMMANDS"
    for module in {lazy.module for lazy in COMMANDS.values() if lazy}:
        for name in load(module):
            entry = COMMANDS.get(name)
            assert entry is not None and entry.module == module, f"add {name!r} to COMMANDS"


def _imported(*args: str, cwd: Path | None = None) -> set[str]:
    """The modules a `cxpulse` process imports, from Python's -X importtime log."""
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "cxpulse", *args],
        capture_output=True, text=True, check=False, cwd=cwd,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-2000:]
    lines = [ln for ln in proc.stderr.splitlines() if ln.startswith("import time:")]
    return {ln.rsplit("|", 1)[1].strip() for ln in lines[1:]}  # the first line is the header


def _heavy(imported: set[str], unwanted: set[str]) -> set[str]:
    return {m for m in imported if m in unwanted or m.split(".")[0] in unwanted}


NEVER_AT_START = {
    "sklearn",
    "lifelines",
    "statsmodels",
    "fastapi",
    "starlette",
    "uvicorn",
    "jinja2",
}
NEVER_AT_START |= {"cxpulse.web", "cxpulse.models", "cxpulse.churn", "cxpulse.demo"}


def test_help_imports_no_library() -> None:
    """Start-up: `cxpulse --help` needs Typer and Rich only (issue 16, point 6)."""
    library = {"scipy", "numpy", "pandas", "pyarrow", "ibis", "sqlglot", "duckdb"}
    library |= {"cxpulse.metrics", "cxpulse.store", "cxpulse.workspace", "cxpulse.schema"}
    imported = _imported("--help")
    assert "cxpulse.cli.app" in imported
    assert not _heavy(imported, NEVER_AT_START | library)


def test_a_metric_imports_no_model_and_no_web_app(filled: Path) -> None:
    """`cxpulse metric nps` loads the engine (Ibis, DuckDB, pandas), not the web app, the
    models, scikit-learn, lifelines, or SciPy (an NPS interval is a normal quantile)."""
    imported = _imported("metric", "nps", "-w", str(filled), "-f", "csv")
    assert "cxpulse.metrics.engine" in imported
    others = {"cxpulse.text", "cxpulse.reports", "cxpulse.surveys", "cxpulse.automations"}
    assert not _heavy(imported, NEVER_AT_START | others | {"scipy"})


def test_the_installed_entry_point_runs(filled: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "cxpulse", "metric", "nps", "-w", str(filled), "-f", "csv"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("period,")
    proc = subprocess.run(
        [sys.executable, "-m", "cxpulse", "metric", "nope", "-w", str(filled)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 1 and "unknown metric" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_demo_builds_a_workspace_and_prints_its_scorecard(tmp_path: Path) -> None:
    path = tmp_path / "demo.duckdb"
    code, out, err = invoke("demo", "--path", str(path), "--scale", "0.005", "--end", "2026-11-01")
    assert code == 0, err
    assert "CX scorecard for 2026-10" in out
    for metric in ("nps", "csat", "ces", "response_rate"):
        assert metric in out
    assert "customers" in err and "web_events" in err
    code, out, _ = invoke("metric", "nps", "-w", str(path), "--by", "year", "-f", "json")
    assert code == 0 and {r["period"] for r in json.loads(out)} >= {"2025", "2026"}


def test_demo_takes_workspace_as_every_command_but_not_from_the_environment(
    tmp_path: Path, filled: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "named.duckdb"
    code, _, err = invoke("demo", "--workspace", str(path), "--scale", "0.005", "-f", "json")
    assert code == 0 and path.exists() and "Demo workspace" in err
    # CXPULSE_WORKSPACE names the user's own workspace: the demo goes to its default file
    monkeypatch.chdir(tmp_path)
    code, _, err = invoke(
        "demo", "--scale", "0.005", "-f", "json", env={"CXPULSE_WORKSPACE": str(filled)}
    )
    assert code == 0, err
    assert (tmp_path / "cxpulse-demo.duckdb").exists()
    with Workspace.open(filled) as ws:
        assert ws.counts()["customers"] == 0  # untouched


def test_demo_refuses_a_bad_scale(tmp_path: Path) -> None:
    code, _, err = invoke("demo", "--path", str(tmp_path / "d.duckdb"), "--scale", "0")
    assert code == 1 and "--scale must be above 0" in err


def test_import_reports_and_refuses_bad_rows(tmp_path: Path) -> None:
    path = tmp_path / "ws.duckdb"
    invoke("init", str(path))
    data = tmp_path / "nps.csv"
    rows = [
        "id;client;Note;Date;type",
        "R1;C1;9;31/12/2025 14:05;nps",
        "R2;C2;11;01/12/2025 09:00;nps",
    ]
    data.write_bytes(("\n".join(rows) + "\n").encode("cp1252"))
    mapping = [
        "-m",
        "id=response_id",
        "-m",
        "client=customer_id",
        "-m",
        "Note=score",
        "-m",
        "Date=responded_at",
        "-m",
        "type=question_type",
    ]
    code, _, err = invoke("import", str(data), "-t", "survey_responses", *mapping, "-w", str(path))
    assert code == 1
    assert "line 3, column \"Note\" (score): '11'" in err and "nothing was written" in err
    code, out, err = invoke(
        "import",
        str(data),
        "-t",
        "survey_responses",
        *mapping,
        "--on-error",
        "skip",
        "-w",
        str(path),
    )
    assert code == 0, err
    assert "1 new" in out and "1 rejected" in out
    assert (tmp_path / "nps.rejects.csv").exists()
    code, out, _ = invoke(
        "import",
        str(data),
        "-t",
        "survey_responses",
        *mapping,
        "--on-error",
        "skip",
        "-w",
        str(path),
    )
    assert "0 new" in out and "1 unchanged" in out
    code, _, err = invoke(
        "import", str(data), "-t", "survey_responses", "--on-error", "maybe", "-w", str(path)
    )
    assert code == 1 and "--on-error takes fail or skip" in err


def test_import_reads_the_raw_cdnow_log_with_options(tmp_path: Path) -> None:
    path = tmp_path / "ws.duckdb"
    invoke("init", str(path))
    cdnow = Path(__file__).parents[1] / "ingest" / "fixtures" / "cdnow_sample.txt"
    args = [
        "import", str(cdnow), "--table", "orders", "--separator", "whitespace", "--no-header",
        "--columns", "customer_id,ordered_at,quantity,amount", "--date-format", "%Y%m%d",
        "--generate-id", "-w", str(path),
    ]  # fmt: skip
    code, out, err = invoke(*args)
    assert code == 0, err
    assert "200 rows read, 200 new" in out and "ignored columns: quantity" in out
    code, out, _ = invoke(*args)
    assert "0 new, 0 updated, 200 unchanged" in out


def test_import_says_which_day_month_order_it_assumed(tmp_path: Path) -> None:
    path = tmp_path / "ws.duckdb"
    invoke("init", str(path))
    data = tmp_path / "orders.csv"
    data.write_text("order_id,ordered_at,amount\nO1,01/05/2026,3\n", encoding="utf-8")
    code, out, _ = invoke("import", str(data), "-t", "orders", "-w", str(path))
    assert code == 0
    assert "ordered_at: dates such as '01/05/2026' read day first (31/12/2025)" in out
