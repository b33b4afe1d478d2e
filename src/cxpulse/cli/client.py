"""Ask a running ``cxpulse serve`` over its JSON API: what ``--via URL`` of the CLI uses.

While the server runs it holds the DuckDB workspace file (DuckDB lets one process open it), so
``cxpulse metric`` and ``cxpulse scorecard`` cannot open it; with ``--via`` they fetch the same
result from the server and print it the same way. The API token comes from ``CXPULSE_TOKEN``
(a token with the read scope). Standard library only: the CLI needs nothing more.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from datetime import date
from typing import Any
from urllib.error import HTTPError, URLError
from urllib.parse import quote, urlencode
from urllib.request import Request, urlopen

import pandas as pd

from cxpulse.errors import ConfigError, CxpulseError, QueryError, WorkspaceError
from cxpulse.metrics.scorecard import Scorecard, ScorecardRow

TOKEN_ENV = "CXPULSE_TOKEN"
TIMEOUT_SECONDS = 300.0  # a first, uncached metric on a large workspace takes a while


def get_json(base: str, path: str, params: Sequence[tuple[str, str]] = ()) -> Any:
    """GET ``base + path`` with the token of ``CXPULSE_TOKEN``; server errors become cxpulse
    errors carrying the server's own message."""
    token = os.environ.get(TOKEN_ENV, "").strip()
    if not token:
        raise ConfigError(
            f"--via needs an API token in {TOKEN_ENV} (create one with `cxpulse token create "
            "NAME` while the server is stopped, or POST /api/v1/tokens as an admin)"
        )
    if not base.startswith(("http://", "https://")):
        raise ConfigError(f"--via takes the server's URL, e.g. http://127.0.0.1:8000, not {base}")
    url = base.rstrip("/") + path + (f"?{urlencode(list(params))}" if params else "")
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    request = Request(url, headers=headers)
    try:
        with urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # http(s) only, checked above
            return json.load(response)
    except HTTPError as exc:
        raise _error(base, exc) from None
    except (URLError, TimeoutError, ConnectionError) as exc:
        reason = getattr(exc, "reason", exc)
        raise WorkspaceError(f"cannot reach the cxpulse server at {base}: {reason}") from None


def _error(base: str, exc: HTTPError) -> CxpulseError:
    try:
        body = json.loads(exc.read() or b"{}")
    except ValueError:
        body = {}
    said = ": ".join(str(body[k]) for k in ("error", "detail") if body.get(k)) or exc.reason
    if exc.code in (401, 403):
        return ConfigError(f"{base} refused the token in {TOKEN_ENV} ({exc.code}, {said})")
    return QueryError(f"{base} answered {exc.code}: {said}")


def metric(
    base: str,
    name: str,
    *,
    by: str = "month",
    segments: Sequence[str] = (),
    variant: str | None = None,
    start: str | None = None,
    end: str | None = None,
    filters: Sequence[str] = (),
    compare: str = "previous",
) -> pd.DataFrame:
    """What ``Workspace.metric`` returns, computed by the server at ``base``."""
    params = [("by", by), ("compare", compare)]
    params += [("segment", s) for s in segments] + [("filter", f) for f in filters]
    params += [(k, v) for k, v in (("variant", variant), ("from", start), ("to", end)) if v]
    body = get_json(base, f"/api/v1/metrics/{quote(name, safe='')}", params)
    return pd.DataFrame(body["rows"])


def scorecard(base: str, *, by: str = "month", as_of: str | None = None) -> Scorecard:
    """The scorecard the server at ``base`` computes (its clock decides the default day)."""
    params = [("by", by)] + ([("as_of", as_of)] if as_of else [])
    body = get_json(base, "/api/v1/scorecard", params)
    fields = set(ScorecardRow.__dataclass_fields__)
    rows = [ScorecardRow(**{k: v for k, v in r.items() if k in fields}) for r in body["rows"]]
    return Scorecard(body["by"], date.fromisoformat(body["as_of"]), rows)
