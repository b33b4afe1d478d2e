"""/api/v1/customers: search, timeline (agents: only their own cases), GDPR export and erasure
(admins only)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient

from cxpulse import Workspace
from cxpulse.accounts.audit import entries
from cxpulse.automations.cases import add_note, new_case, write_cases
from cxpulse.customers import customer_view, export_customer, find_customers
from tests.web.conftest import NOW
from tests.web.test_api_ingest import bearer, session_headers


def busy_customer(ws: Workspace) -> str:
    """The demo customer with the most NPS answers (so their erasure shows in a metric)."""
    t = ws.table("survey_responses")
    t = t.filter(t.question_type == "nps")
    top = (
        t.group_by("customer_id").aggregate(n=t.count()).order_by([t.count().desc(), "customer_id"])
    )
    return str(top.limit(1).execute().customer_id[0])


def test_customers_need_login_and_gdpr_needs_admin(
    anon: TestClient, client_for: Callable[[str], TestClient], web_ws: Workspace
) -> None:
    assert anon.get("/api/v1/customers").status_code == 401
    assert anon.get("/api/v1/customers/C000001").status_code == 401
    assert anon.post("/api/v1/customers/C000001/erase").status_code == 401
    agent = client_for("agent")
    assert agent.get("/api/v1/customers/C000001").status_code == 200
    assert agent.get("/api/v1/customers/C000001/export").status_code == 403
    analyst = client_for("analyst")
    refused = analyst.post("/api/v1/customers/C000001/erase", headers=session_headers(analyst))
    assert refused.status_code == 403
    read = bearer(web_ws, "read")
    assert anon.get("/api/v1/customers/C000001/export", headers=read).status_code == 403
    assert anon.get("/api/v1/customers", headers=bearer(web_ws, "ingest")).status_code == 403
    assert find_customers(web_ws, "C000001")[1] == 1


def test_search_pages_through_matches(
    client_for: Callable[[str], TestClient], web_ws: Workspace
) -> None:
    client = client_for("agent")
    first = client.get("/api/v1/customers", params={"q": "faure", "limit": 3}).json()
    rows, total = find_customers(web_ws, "faure", limit=3)
    assert first["total"] == total > 3
    assert [r["customer_id"] for r in first["rows"]] == rows.customer_id.tolist()
    assert all("faure" in (r["name"] + r["email"]).lower() for r in first["rows"])
    second = client.get("/api/v1/customers", params={"q": "FAURE", "limit": 3, "offset": 3}).json()
    assert not {r["customer_id"] for r in first["rows"]} & {
        r["customer_id"] for r in second["rows"]
    }
    assert client.get("/api/v1/customers", params={"limit": 0}).status_code == 422


def test_timeline_matches_the_library(
    client_for: Callable[[str], TestClient], web_ws: Workspace
) -> None:
    cid = busy_customer(web_ws)
    body = client_for("agent").get(f"/api/v1/customers/{cid}").json()
    view = customer_view(web_ws, cid)
    assert body["customer"]["customer_id"] == cid
    assert body["counts"] == view.counts and body["counts"]["response"] > 0
    assert [i["ref"] for i in body["items"]] == [i.ref for i in view.items]
    ats = [i["at"] for i in body["items"]]
    assert ats == sorted(ats)
    newest = client_for("agent").get(f"/api/v1/customers/{cid}", params={"newest_first": True})
    assert newest.json()["items"][0]["at"] == ats[-1]
    missing = client_for("agent").get("/api/v1/customers/NOBODY")
    assert missing.status_code == 404 and "no customer 'NOBODY'" in missing.json()["detail"]


def test_export_then_erase_keeps_the_numbers_and_drops_the_person(
    anon: TestClient, client_for: Callable[[str], TestClient], web_ws: Workspace
) -> None:
    cid = busy_customer(web_ws)
    admin = client_for("admin")
    exported = admin.get(f"/api/v1/customers/{cid}/export")
    assert exported.status_code == 200
    library = export_customer(web_ws, cid)["row_counts"]
    assert exported.json()["row_counts"] == {**library, "audit_log": 0}  # the export is logged
    assert exported.json()["customer"]["email"]
    nps_all = admin.get("/api/v1/metrics/nps", params={"by": "year"}).json()["rows"]
    mine = {"by": "all", "filter": f"customer_id={cid}"}
    before = admin.get("/api/v1/metrics/nps", params=mine).json()["rows"]
    assert before and before[0]["n"] > 0

    erased = admin.post(f"/api/v1/customers/{cid}/erase", headers=session_headers(admin))
    assert erased.status_code == 200, erased.text
    t = web_ws.table("survey_responses")
    assert t.filter(t.customer_id == cid).count().execute() == 0
    assert erased.json()["rows"]["survey_responses"] >= before[0]["n"]
    assert erased.json()["rows"]["customers"] == 1
    # the cache was dropped: this customer's answers are gone, the totals are the same
    assert admin.get("/api/v1/metrics/nps", params=mine).json()["rows"] == []
    after_all = admin.get("/api/v1/metrics/nps", params={"by": "year"}).json()["rows"]
    assert [(r["period"], r["n"], r["value"]) for r in after_all] == [
        (r["period"], r["n"], r["value"]) for r in nps_all
    ]
    assert admin.get(f"/api/v1/customers/{cid}").status_code == 404
    log = entries(web_ws, cid)
    assert sorted(log.action) == ["customer.erase", "customer.export"]
    assert set(log.actor) == {"admin"}
    assert admin.post("/api/v1/customers/NOBODY/erase",
                      headers=session_headers(admin)).status_code == 404  # fmt: skip


def cases_of_two_owners(ws: Workspace) -> tuple[str, dict[str, str]]:
    """A customer with one case owned by the user 'agent' and one owned by 'kim', each with a
    note; (customer id, {owner: case id})."""
    cid = "C000001"
    opened = NOW - timedelta(hours=5)
    mine = new_case("tl:1", "detractor-case", cid, opened, 24, owner="agent", team="cx",
                    summary="Agent follow-up")  # fmt: skip
    other = new_case("tl:2", "detractor-case", cid, opened, 24, owner="kim", team="key-accounts",
                     summary="Kim follow-up")  # fmt: skip
    write_cases(ws, [mine, other])
    add_note(ws, str(mine["case_id"]), "Agent note: called back", NOW - timedelta(hours=3))
    add_note(ws, str(other["case_id"]), "Kim note: refund agreed", NOW - timedelta(hours=2))
    return cid, {"agent": str(mine["case_id"]), "kim": str(other["case_id"])}


def case_items(body: dict[str, Any]) -> list[tuple[str, str]]:
    return [(i["title"], i["detail"]) for i in body["items"] if i["kind"] == "case"]


def test_agents_see_only_their_own_cases_on_the_timeline(
    client_for: Callable[[str], TestClient], web_ws: Workspace
) -> None:
    cid, ids = cases_of_two_owners(web_ws)
    agent = client_for("agent")
    mine = agent.get(f"/api/v1/customers/{cid}").json()
    titles = " ".join(t for t, _ in case_items(mine))
    assert ids["agent"] in titles and ids["kim"] not in titles
    assert ("Note on case " + ids["agent"], "Agent note: called back") in case_items(mine)
    # nothing of kim's case anywhere in the answer: summary, team, note
    text = agent.get(f"/api/v1/customers/{cid}").text
    assert "Kim follow-up" not in text and "key-accounts" not in text and "refund" not in text
    assert mine["counts"]["case"] == len(case_items(mine)) == 2  # opened, note

    analyst = client_for("analyst").get(f"/api/v1/customers/{cid}").json()
    titles = " ".join(t for t, _ in case_items(analyst))
    assert ids["agent"] in titles and ids["kim"] in titles
    assert ("Note on case " + ids["kim"], "Kim note: refund agreed") in case_items(analyst)
    assert analyst["counts"]["case"] == 4
    # each viewer keeps their own cached timeline
    assert agent.get(f"/api/v1/customers/{cid}").json() == mine
