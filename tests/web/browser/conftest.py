"""Browser fixtures: Debian's headless Chromium driven by Playwright (never a downloaded
browser), one per test session, against a real uvicorn server per test.

Every page a test opens is watched: a console error, an uncaught exception or a failed request
(a missing script, a Content-Security-Policy refusal) fails the test at teardown. Screenshots
go to ``test-output/browser/`` under the repository (git-ignored); the path is printed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from fastapi import FastAPI

from tests.web.conftest import PASSWORD, LiveServer

if TYPE_CHECKING:
    from playwright.sync_api import Browser, ConsoleMessage, Page

TIMEOUT_MS = 15_000


@pytest.fixture(scope="session")
def shots(request: pytest.FixtureRequest) -> Path:
    folder = request.config.rootpath / "test-output" / "browser"
    folder.mkdir(parents=True, exist_ok=True)
    print(f"\nbrowser screenshots: {folder}")
    return folder


@dataclass
class Tab:
    """One browser tab on the live server, with what went wrong on its pages."""

    page: Page
    base: str
    shots: Path
    problems: list[str] = field(default_factory=list)

    def goto(self, path: str) -> Page:
        response = self.page.goto(self.base + path)
        assert response is not None and response.ok, f"{path}: {response and response.status}"
        return self.page

    def login(self, user: str, password: str = PASSWORD) -> Page:
        self.goto("/")  # anything behind the login sends there
        assert re.search(r"/login", self.page.url), self.page.url
        self.page.fill("input[name=username]", user)
        self.page.fill("input[name=password]", password)
        with self.page.expect_navigation():
            self.page.click("form[action='/login'] button[type=submit]")
        assert "/login" not in self.page.url, self.page.inner_text("main")
        return self.page

    def logout(self) -> None:
        with self.page.expect_navigation():
            self.page.click("form.logout button[type=submit]")
        assert self.page.url.endswith("/login")

    def expected(self, pattern: str) -> None:
        """The problems matching ``pattern`` were the point of the step (a 401 for a wrong
        password); there must have been at least one."""
        matching = [p for p in self.problems if re.search(pattern, p)]
        assert matching, f"expected a problem matching {pattern!r}, got {self.problems}"
        self.problems = [p for p in self.problems if p not in matching]

    def shot(self, name: str) -> Path:
        path = self.shots / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def watch(self, page: Page) -> None:
        def console(msg: ConsoleMessage) -> None:
            if msg.type == "error":
                self.problems.append(f"console error on {page.url}: {msg.text}")

        page.on("console", console)
        page.on("pageerror", lambda exc: self.problems.append(f"exception on {page.url}: {exc}"))
        page.on(
            "requestfailed",
            lambda req: self.problems.append(f"request failed: {req.url} ({req.failure})"),
        )


@pytest.fixture
def server(app: FastAPI) -> Iterator[LiveServer]:
    with LiveServer(app) as live:
        yield live
    # a background cache refresh may still be inside DuckDB: it holds the workspace lock, so
    # taking the lock waits for it before the workspace is closed under it
    with app.state.cx.workspace():
        pass


@pytest.fixture
def tab(browser: Browser, server: LiveServer, shots: Path) -> Iterator[Tab]:
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, locale="en-GB", timezone_id="Europe/Paris"
    )
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    tab = Tab(page, server.url, shots)
    tab.watch(page)
    yield tab
    context.close()
    assert not tab.problems, "\n".join(tab.problems)
