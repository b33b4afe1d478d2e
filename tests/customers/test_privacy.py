"""GDPR export and erasure: all of a customer's rows out; their person gone, the numbers kept."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import pytest

from cxpulse import Workspace
from cxpulse.accounts.audit import entries
from cxpulse.customers import CustomerNotFound, erase_customer, export_customer
from cxpulse.customers.privacy import PSEUDONYM_PREFIX, base_tables, customer_tables
from cxpulse.schema import AUTOMATION_SCHEMAS
from tests.conftest import add_rows
from tests.customers.helpers import COMMENT, EMAIL, alice

NOW = datetime(2026, 11, 2, 9, 30)
TRACES = ("alice", "Alice", EMAIL, "courier lost", "cookie-a", "Never again", "mobile")


def strings(ws: Workspace, skip: tuple[str, ...] = ("audit_log",)) -> dict[str, set[str]]:
    """Every text cell of every table, per table."""
    found: dict[str, set[str]] = {}
    for name in base_tables(ws):
        if name in skip:
            continue
        df = ws.store.table(name).execute()
        cells = {str(v) for col in df.columns if df[col].dtype == object for v in df[col].dropna()}
        found[name] = cells
    return found


def traces(ws: Workspace) -> dict[str, list[str]]:
    found = {t: sorted(c for c in cells if any(x in c for x in TRACES))
             for t, cells in strings(ws).items()}  # fmt: skip
    return {t: cells for t, cells in found.items() if cells}


def test_export_holds_every_row_about_the_customer(ws: Workspace) -> None:
    alice(ws)
    data = export_customer(ws, "alice")
    json.dumps(data)  # JSON-ready as it is
    counts = data["row_counts"]
    assert set(customer_tables(ws)) <= set(counts)
    assert counts["survey_responses"] == 2 and counts["customers"] == 1
    # the anonymous hits of her browser are hers too; bob's are not
    assert sorted(r["event_id"] for r in data["tables"]["web_events"]) == ["W1", "W2", "W3"]
    assert [n["text"] for n in data["tables"]["case_notes"]] == ["Called Alice on her mobile"]
    assert counts["automation_outbox"] == 1 and counts["text_annotations"] == 1
    assert counts["survey_events"] == counts["survey_decisions"] == 1
    assert data["customer"]["email"] == EMAIL
    row = data["tables"]["tickets"][0]
    assert row["first_reply_at"] is None  # a missing time is null, not 'NaT'
    with pytest.raises(CustomerNotFound):
        export_customer(ws, "carol")


def test_erasure_leaves_no_trace_of_the_person(ws: Workspace) -> None:
    alice(ws)
    assert traces(ws)  # the scan finds her before
    done = erase_customer(ws, "alice", "admin", NOW)
    assert traces(ws) == {}
    assert done.rows["survey_responses"] == 2 and done.rows["web_events"] == 3
    assert done.rows["case_notes"] == 1 and done.rows["automation_outbox"] == 1
    with pytest.raises(CustomerNotFound):
        export_customer(ws, "alice")
    customers = ws.table("customers").execute().set_index("customer_id")
    erased = [c for c in customers.index if c.startswith(PSEUDONYM_PREFIX)]
    assert len(erased) == 1
    row = customers.loc[erased[0]]
    assert row["name"] is None and row["email"] is None and not row["email_consent"]
    assert (row["segment"], row["plan"], row["country"]) == ("smb", "pro", "FR")
    # bob is untouched
    assert customers.loc["bob"]["email"] == "bob@example.com"
    bob = ws.table("web_events").filter(lambda t: t.customer_id == "bob").execute()
    assert bob.visitor_id.tolist() == ["cookie-b"]


def test_erasure_keeps_aggregates_and_empties_the_customer_s_own(ws: Workspace) -> None:
    alice(ws)
    everyone = ws.metric("nps", by="all")
    hers = ws.metric("nps", by="all", filters={"customer_id": "alice"})
    assert int(hers["n"].iloc[0]) == 2
    sessions = ws.metric("pages_per_session", by="all")
    erase_customer(ws, "alice", "admin", NOW)
    after = ws.metric("nps", by="all")
    assert (after["n"].tolist(), after["value"].tolist()) == (
        everyone["n"].tolist(), everyone["value"].tolist(),
    )  # fmt: skip
    assert ws.metric("nps", by="all", filters={"customer_id": "alice"}).empty
    assert ws.metric("pages_per_session", by="all")["value"].tolist() == sessions["value"].tolist()
    responses = ws.table("survey_responses").execute()
    assert responses.comment.isna().all() or COMMENT not in set(responses.comment.dropna())
    assert sorted(responses.score.tolist()) == [2, 9, 10]


def test_erasure_is_audited_and_all_or_nothing(ws: Workspace, monkeypatch: Any) -> None:
    alice(ws)
    before = strings(ws)

    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr("cxpulse.accounts.audit.record", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        erase_customer(ws, "alice", "admin", NOW)
    assert strings(ws) == before  # rolled back: nothing half-erased
    monkeypatch.undo()
    erase_customer(ws, "alice", "dpo@example.com", NOW)
    log = entries(ws, "alice")
    assert log.action.tolist() == ["customer.erase"] and log.actor.tolist() == ["dpo@example.com"]
    detail = json.loads(log.detail.iloc[0])
    assert detail["rows"]["customers"] == 1
    assert PSEUDONYM_PREFIX not in log.detail.iloc[0]  # the log never links the two ids
    with pytest.raises(CustomerNotFound):
        erase_customer(ws, "alice", "admin", NOW)


def test_erasure_binds_ids_and_rekeys_tags(ws: Workspace) -> None:
    """An id with quotes and a percent sign is data, not SQL; the tag id takes the pseudonym."""
    odd = "o'neil 100%"
    add_rows(ws, "customers", [{"customer_id": odd, "name": "Pat O'Neil", "email": "p@x.ie"}])
    add_rows(ws, "survey_responses", [{"customer_id": odd, "score": 3, "comment": "it's bad"}])
    ws.store.insert(
        "customer_tags",
        [{"tag_id": f"{odd}:vip", "customer_id": odd, "tag": "vip", "added_at": NOW, "rule": "r"}],
        schema=AUTOMATION_SCHEMAS["customer_tags"],
    )
    done = erase_customer(ws, odd, "admin", NOW)
    assert done.rows == {"customer_tags": 1, "customers": 1, "survey_responses": 1}
    (tag,) = ws.store.table("customer_tags").to_pyarrow().to_pylist()
    assert tag["tag_id"] == f"{tag['customer_id']}:vip"
    assert tag["customer_id"].startswith(PSEUDONYM_PREFIX)
    assert not any("neil" in c.lower() for cells in strings(ws).values() for c in cells)
