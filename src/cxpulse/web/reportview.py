"""What a report's page view receives (:class:`Shown`), and how it renders it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import Request
from fastapi.responses import Response

from cxpulse.reports import Params, Report
from cxpulse.web.render import page
from cxpulse.web.security import Principal
from cxpulse.web.state import WebState


@dataclass(frozen=True)
class Shown:
    """A report's page being made: the request, who asks, the server's state, the report, its
    parsed parameters, its data and the path of its JSON twin."""

    request: Request
    principal: Principal
    state: WebState
    report: type[Report]
    params: Params
    data: dict[str, Any]
    twin: str

    def render(
        self, twin_query: str, /, *, json_url: str | None = None, **context: Any
    ) -> Response:
        """The report's template with its data, linking to its twin with ``twin_query``
        (positional: a template may take a ``query`` of its own)."""
        return page(
            self.request,
            self.report.template,
            self.principal,
            data=self.data,
            json_url=json_url or (f"{self.twin}?{twin_query}" if twin_query else self.twin),
            **context,
        )
