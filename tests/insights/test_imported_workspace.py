"""Insights on a workspace a CX lead imported from their own tools' exports, all through the
CLI on a real DuckDB file: `cxpulse import` of a billing tool's CSVs (semicolons, European
decimals, day-first dates), a survey tool's Excel file and a helpdesk's CSV, each in its own
column names and with bad rows; then `insights`, `forecast`, `annotate` + `impact` and
`digests preview`. The data plan (:mod:`tests.insights.exports`) plants one change: CSAT at
the delivery touchpoint drops in October 2025, with late and damaged parcels in the comments.
"""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cxpulse.cli.app import app
from tests.insights.exports import EVERYDAY, LATE_PARCEL, write_exports

pytestmark = pytest.mark.slow  # about a minute: five imports and seven CLI runs on a workspace

runner = CliRunner()
AS_OF = "2026-01-15"

# each export's columns as the user maps them (--map THEIRS=OURS)
MAPS = {
    "customers": {"Client ID": "customer_id", "Date d'inscription": "created_at",
                  "Pays": "country", "Langue": "language"},
    "subscriptions": {"Abonnement": "subscription_id", "Client": "customer_id",
                      "Formule": "plan", "Prix mensuel": "price",
                      "Périodicité": "billing_period", "Début": "started_at", "Fin": "ended_at"},
    "survey_responses": {"Response ID": "response_id", "Respondent": "customer_id",
                         "Submitted": "responded_at", "Question": "question_type",
                         "Out of": "scale_max", "Lowest": "scale_min", "Verbatim": "comment",
                         "Lang": "language", "Journey step": "touchpoint"},
    "tickets": {"Ticket #": "ticket_id", "Requester": "customer_id", "Created": "created_at",
                "First response": "first_reply_at", "Solved": "solved_at", "Via": "channel",
                "Group": "team", "Type": "category", "Escalated?": "escalated"},
}  # fmt: skip


def invoke(*args: str) -> str:
    result = runner.invoke(app, list(args))
    text = result.stdout + result.stderr
    assert "Traceback" not in text and "a bug in cxpulse" not in text, text
    assert result.exit_code == 0, text
    return result.stdout


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The workspace built from the exports, and what each import printed."""
    folder = tmp_path_factory.mktemp("imported")
    files = write_exports(folder / "exports")
    db = str(folder / "ws.duckdb")
    invoke("init", db, "--timezone", "Europe/Paris")
    invoke("config", "set", "currency", "EUR", "-w", db)
    printed = {"db": db}
    exports = {"customers": files.customers, "subscriptions": files.subscriptions,
               "survey_responses": files.surveys, "tickets": files.tickets}  # fmt: skip
    for table, path in exports.items():
        maps = [
            arg for theirs, ours in MAPS[table].items() for arg in ("--map", f"{theirs}={ours}")
        ]
        rejects = folder / f"{table}.rejects.csv"
        printed[table] = invoke("import", str(path), "-t", table, *maps, "--on-error", "skip",
                                "--rejects", str(rejects), "-w", db)  # fmt: skip
        printed[f"{table}.rejects"] = (
            rejects.read_text(encoding="utf-8") if rejects.exists() else ""
        )
    return printed


def test_the_exports_import_and_their_bad_rows_are_set_aside(imported: dict[str, str]) -> None:
    assert "600 rows read, 600 new" in imported["customers"]
    assert "dates read day first" in imported["customers"]
    assert "600 rows read, 600 new" in imported["subscriptions"]  # "1 290,50" read as 1290.5
    assert (
        "6,002 rows read, 6,000 new, 0 updated, 0 unchanged, 2 rejected"
        in (imported["survey_responses"])
    )
    rejected = list(csv.DictReader(imported["survey_responses.rejects"].splitlines()))
    assert [r["Response ID"] for r in rejected] == ["R999998", "R999999"]
    assert "not a date" in rejected[0]["reason"] and "within scale_min" in rejected[1]["reason"]
    assert "2,401 rows read, 2,400 new, 0 updated, 0 unchanged, 1 rejected" in imported["tickets"]


def insights(db: str, period: str, lang: str = "en") -> dict[str, object]:
    out = invoke("insights", "--period", period, "--format", "json", "--lang", lang,
                 "--as-of", AS_OF, "-w", db)  # fmt: skip
    data: dict[str, object] = json.loads(out)
    return data


def test_insights_find_the_planted_drop_in_its_segment_with_its_theme(
    imported: dict[str, str],
) -> None:
    data = insights(imported["db"], "2025-10")
    findings = data["findings"]
    assert isinstance(findings, list) and findings
    first = findings[0]
    assert (first["metric"], first["segment"]) == ("csat", {"dimension": "touchpoint",
                                                             "value": "Delivery"})  # fmt: skip
    assert first["change"] < -30 and first["q_value"] < 0.001
    themes = {t["theme"]: t for t in first["why"]["themes"]}
    assert themes["delivery"]["rose"] and themes["delivery"]["labels"]["fr"] == "Livraison"
    planted = {q for quotes in LATE_PARCEL.values() for q in quotes}
    assert set(themes["delivery"]["quotes"]) <= planted
    assert set(themes["delivery"]["quotes_by_language"]["fr"]) <= set(LATE_PARCEL["fr"])
    # the whole CSAT drop comes from delivery: its decomposition by touchpoint says so
    overall = next(f for f in findings if f["metric"] == "csat" and f["segment"] is None)
    by_touchpoint = next(e for e in overall["evidence"] if e["dimension"] == "touchpoint")
    assert by_touchpoint["segments"][0]["segment"] == "Delivery"
    assert by_touchpoint["segments"][0]["contribution"] < -15

    # what is not planted is not claimed: no other touchpoint, no other metric, no other
    # theme than the parcels' (late parcels also read as waiting), no churn link
    for f in findings:
        assert f["metric"] == "csat", f["headline"]
        assert f["segment"] is None or f["segment"]["value"] != "Support", f["headline"]
        assert f["segment"] is None or f["segment"]["value"] != "Onboarding", f["headline"]
        risen = {t["theme"] for t in (f["why"] or {}).get("themes", ())}
        assert risen <= {"delivery", "wait_time"}, f["headline"]
        quotes = {q for t in (f["why"] or {}).get("themes", ()) for q in t["quotes"]}
        assert not quotes & {q for qs in EVERYDAY.values() for q in qs}
    assert data["negatives_link"] is None  # churn does not depend on tickets in this plan
    # every sentence names segments in plain words, never by column key
    lines = [line["text"] for f in findings for line in f["evidence_lines"]]
    assert "(touchpoint: Delivery), per answer" in lines[0]
    assert not [line for line in lines if "customer." in line or " = " in line]

    fr = insights(imported["db"], "2025-10", "fr")
    assert fr["findings"][0]["headline"].startswith(  # type: ignore[index]
        "Satisfaction client (CSAT) (point de contact\u202f: Delivery)\u202f: baisse de "
    )


def test_a_quiet_month_has_no_finding(imported: dict[str, str]) -> None:
    data = insights(imported["db"], "2025-08")
    assert data["tests"] and data["findings"] == []
    assert data["headline"].startswith("No significant change in 2025-08 against 2025-07")


def test_forecasts_use_the_history_there_is(imported: dict[str, str]) -> None:
    db = imported["db"]
    out = invoke("forecast", "mrr", "--end", "2025-12-31", "--periods", "3", "-w", db)
    assert "Monthly recurring revenue forecast for January 2026: €" in out
    result = runner.invoke(app, ["forecast", "csat", "--end", "2025-12-31", "-w", db])
    assert result.exit_code == 1  # twelve months of answers: too few for a monthly model
    assert "needs at least 14 complete months without a gap; there are 12" in result.stderr
    out = invoke("forecast", "csat", "--by", "week", "--end", "2025-12-28", "--periods", "4",
                 "-w", db)  # fmt: skip
    assert "Customer satisfaction (CSAT) forecast for 2026-W01" in out


def test_an_annotated_event_and_its_impact(imported: dict[str, str], tmp_path: Path) -> None:
    db = str(tmp_path / "ws.duckdb")
    shutil.copy(imported["db"], db)
    out = invoke("annotate", "2025-10-01", "Carrier switch", "--until", "2025-10-31",
                 "--tag", "outage", "-w", db)  # fmt: skip
    assert out.startswith("Annotation 1: Carrier switch (2025-10-01 to 2025-10-31)")
    data = json.loads(invoke("impact", "Carrier switch", "-f", "json", "--as-of", AS_OF, "-w", db))
    assert data["headline"]["en"].endswith("(worse: CSAT).")
    changed = {m["metric"] for m in data["metrics"] if m.get("significant")}
    assert changed == {"csat"}


def test_the_digest_preview_tells_the_delivery_drop(
    imported: dict[str, str], tmp_path: Path
) -> None:
    db = str(tmp_path / "ws.duckdb")
    shutil.copy(imported["db"], db)
    digest = tmp_path / "digest.yaml"
    digest.write_text("name: monthly-cx\nschedule: {every: month}\nlanguage: fr\n"
                      "recipients: [ana@acme.test]\n", encoding="utf-8")  # fmt: skip
    now = "2025-11-02T09:00"
    invoke("digests", "add", str(digest), "-w", db, "--now", now)
    page = tmp_path / "preview.html"
    out = invoke("digests", "preview", "monthly-cx", "--to", str(page), "--now", now, "-w", db)
    assert "monthly-cx\u00a0: synthèse CX 2025-10, 4 charts" in out
    assert page.read_text(encoding="utf-8").count('src="data:image/png;base64,') == 4
    text = invoke("digests", "preview", "monthly-cx", "--text", "--now", now, "-w", db)
    assert "Satisfaction client (CSAT) (point de contact\u202f: Delivery)\u202f: baisse de" in text
    # the theme names its segment in plain words, as the change does
    assert (
        "«\u202fLivraison\u202f» en hausse dans les commentaires des réponses CSAT "
        "insatisfaites (point de contact\u202f: Delivery)" in text
    )
    assert "(segment client\u202f: mid_market)" in text and "customer." not in text
