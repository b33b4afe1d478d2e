"""The /customers pages: search, the timeline with escaped customer texts (agents see only their
own cases), erasure for admins."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from fastapi.testclient import TestClient

from cxpulse import Workspace
from cxpulse.customers import find_customers
from tests.conftest import add_rows
from tests.web.conftest import csrf
from tests.web.test_api_customers import cases_of_two_owners

SCRIPT = '<script>alert("x")</script> the parcel & the box'


def test_customer_pages_need_login(anon: TestClient) -> None:
    for path in ("/customers", "/customers/C000001"):
        response = anon.get(path, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"].startswith("/login")


def test_search_lists_matches_with_their_json_twin(
    client_for: Callable[[str], TestClient], web_ws: Workspace
) -> None:
    html = client_for("agent").get("/customers", params={"q": "faure"}).text
    rows, total = find_customers(web_ws, "faure", limit=50)
    for cid in rows.customer_id:
        assert f'data-customer="{cid}"' in html
    assert f"{total} " in html
    assert 'href="/api/v1/customers?q=faure&amp;offset=0&amp;limit=50"' in html
    everyone = client_for("agent").get("/customers").text
    assert "offset=50" in everyone  # more than one page of customers: a link to the next


def test_timeline_escapes_customer_text(
    client_for: Callable[[str], TestClient], web_ws: Workspace
) -> None:
    add_rows(web_ws, "survey_responses", [{
        "response_id": "XSS-1", "customer_id": "C000001", "score": 2, "comment": SCRIPT,
        "responded_at": datetime(2026, 10, 30, 9), "touchpoint": "delivery",
    }])  # fmt: skip
    response = client_for("agent").get("/customers/C000001")
    assert response.status_code == 200
    html = response.text
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; the parcel &amp; the box" in html
    assert 'data-kind="response"' in html and "NPS 2/10 (delivery)" in html
    assert 'href="/api/v1/customers/C000001"' in html
    assert "/erase" not in html  # agents cannot erase
    only = client_for("agent").get("/customers/C000001", params={"kind": "response"}).text
    assert 'data-kind="signup"' not in only and 'data-kind="response"' in only
    assert client_for("agent").get("/customers/NOBODY").status_code == 404


def test_admins_erase_from_the_page_after_typing_the_id(
    client_for: Callable[[str], TestClient], web_ws: Workspace
) -> None:
    admin = client_for("admin")
    page = admin.get("/customers/C000001").text
    assert 'action="/customers/C000001/erase"' in page and "/export" in page
    token = csrf(admin)
    wrong = admin.post("/customers/C000001/erase", data={"csrf_token": token, "confirm": "C0"})
    assert wrong.status_code == 400 and "to confirm" in wrong.json()["detail"]
    assert find_customers(web_ws, "C000001")[1] == 1
    done = admin.post("/customers/C000001/erase", data={"csrf_token": token, "confirm": "C000001"},
                      follow_redirects=False)  # fmt: skip
    assert done.status_code == 303 and done.headers["location"] == "/customers?erased=C000001"
    assert find_customers(web_ws, "C000001")[1] == 0
    agent = client_for("agent")
    refused = agent.post("/customers/C000002/erase",
                         data={"csrf_token": csrf(agent), "confirm": "C000002"})  # fmt: skip
    assert refused.status_code == 403


def test_agents_see_only_their_own_cases_on_the_timeline_page(
    client_for: Callable[[str], TestClient], web_ws: Workspace
) -> None:
    cid, ids = cases_of_two_owners(web_ws)
    agent = client_for("agent").get(f"/customers/{cid}", params={"kind": "case"}).text
    assert f"Case {ids['agent']} opened" in agent and "Agent note: called back" in agent
    assert ids["kim"] not in agent
    assert "Kim follow-up" not in agent and "key-accounts" not in agent and "refund" not in agent
    analyst = client_for("analyst").get(f"/customers/{cid}", params={"kind": "case"}).text
    assert f"Case {ids['agent']} opened" in analyst and f"Case {ids['kim']} opened" in analyst
    assert "Kim note: refund agreed" in analyst
