"""Report fixtures: the web tests' small demo workspace (built once per session, copied per
test), the app over it at the web tests' fixed "now", and a library context at that date."""

from __future__ import annotations

from datetime import date

import pytest

from cxpulse import Workspace
from cxpulse.reports import Direct
from tests.web import conftest as web

# the web tests' fixtures, found by name
_track_states = web._track_states
demo_file, web_ws, app, anon, client_for = (
    web.demo_file,
    web.web_ws,
    web.app,
    web.anon,
    web.client_for,
)

TODAY = date(2026, 11, 2)  # NOW in the demo's zone (Europe/Paris)


@pytest.fixture
def ctx(web_ws: Workspace) -> Direct:
    return Direct(web_ws, TODAY)
