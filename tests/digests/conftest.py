"""Digest fixtures: the web tests' small demo (built once per session, copied per test) and
the real receivers of the automation tests (aiosmtpd, an HTTP server for webhooks); Chromium
is the session's one browser (tests/chromium.py)."""

from __future__ import annotations

from tests.automations.conftest import hooks  # noqa: F401
from tests.surveys.test_email import inbox  # noqa: F401
from tests.web import conftest as web

# the web tests' fixtures, found by name
demo_file, web_ws = web.demo_file, web.web_ws
