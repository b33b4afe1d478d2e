"""The survey widget on another site: a page served from another origin embeds the script
tag, the visitor answers in the pop-up, and the answer is in the workspace."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from fastapi import FastAPI

from cxpulse import Workspace
from cxpulse.surveys.store import add_survey
from cxpulse.web.state import WebState
from tests.surveys.helpers import write
from tests.web.browser.conftest import Tab
from tests.web.conftest import NOW, LiveServer, free_port

# a widget survey for anonymous visitors of the checkout pages, shown at once
CHECKOUT = """
id: checkout-ces
touchpoint: purchase
channel: widget
widget: {pages: ["/checkout/*"], delay_seconds: 0}
audience: {email_consent: false}
questions:
  - {id: effort, type: ces, points: 7, polarity: high_is_easy,
     text: {en: "Was checkout easy?", fr: "Le paiement était-il simple ?"},
     follow_up: [{scores: 1-3, text: {en: "What got in the way?", fr: "Qu'est-ce qui a gêné ?"}}]}
"""
SHOP_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Shop · checkout</title>
<link rel="icon" href="data:,"></head>
<body><h1>Pay for your order</h1>
<script src="{cxpulse}/widget.js" data-site="shop" async></script>
</body></html>
"""


class Shop:
    """Another site: a tiny HTTP server on its own port (so its own origin)."""

    def __init__(self, cxpulse_url: str) -> None:
        body = SHOP_PAGE.format(cxpulse=cxpulse_url).encode()

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.port = free_port()
        self.origin = f"http://localhost:{self.port}"
        self.httpd = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> Shop:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def shop(web_ws: Workspace, tmp_path: Path, server: LiveServer) -> Iterator[Shop]:
    with Shop(server.url) as site:
        # the server is already up: write through its lock, as a request would
        with server_state(server).workspace() as ws:
            add_survey(ws, write(tmp_path, "checkout", CHECKOUT), NOW)
            ws.set_setting("widget_origins", site.origin)
        yield site


def server_state(server: LiveServer) -> WebState:
    app: FastAPI = server.server.config.app
    state: WebState = app.state.cx
    return state


def test_a_visitor_answers_through_the_widget_on_another_site(
    shop: Shop, server: LiveServer, tab: Tab
) -> None:
    assert shop.origin.split(":")[-1] != server.url.split(":")[-1]
    page = tab.page
    page.goto(f"{shop.origin}/checkout/pay")
    widget = page.wait_for_selector("#cxpulse-widget")
    assert widget is not None
    assert page.locator("#cxpulse-widget [data-cx=text]").inner_text() == "Was checkout easy?"
    page.click("#cxpulse-widget button[data-score='2']")
    follow_up = page.locator("#cxpulse-widget [data-cx=follow-up]")
    follow_up.wait_for(state="visible")
    assert follow_up.inner_text() == "What got in the way?"
    page.fill("#cxpulse-widget textarea[data-cx=comment]", "The card form <b>froze</b>.")
    tab.shot("widget")
    page.click("#cxpulse-widget button[data-cx=send]")
    page.wait_for_selector("#cxpulse-widget [data-cx=thanks]")

    with server_state(server).workspace() as ws:
        r = ws.table("survey_responses")
        rows = r.filter(r.survey_id == "checkout-ces").execute()
    assert len(rows) == 1
    row = rows.iloc[0]
    assert (row.question_id, int(row.score), row.comment) == (
        "effort",
        2,
        "The card form <b>froze</b>.",
    )
    assert row.channel == "web"
