"""What a report reads through: a workspace for reading, the local date, and a shared cache.

Reports take this narrow protocol, not the Workspace or the web app: the server's
:class:`cxpulse.web.state.WebState` answers it with its result cache, per-thread DuckDB
readers and injectable clock; :class:`Direct` answers it over one open workspace for the CLI,
a notebook or a digest. The cache keys a report uses are the same on both, so a page and its
JSON twin (and the warm-up) share entries.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, date, datetime
from typing import Any, Protocol

from cxpulse.settings import Settings
from cxpulse.workspace import Workspace


class ReportContext(Protocol):
    @property
    def settings(self) -> Settings: ...

    def today(self) -> date:
        """The workspace's local date now: the running period is partial until it ends."""
        ...

    def cached(self, key: Hashable, compute: Callable[[Workspace], Any]) -> Any:
        """``compute(ws)`` on a workspace for reading, kept under ``key``."""
        ...

    def memo(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        """``compute()`` kept under ``key`` (a whole report made of cached parts)."""
        ...

    def reader(self) -> AbstractContextManager[Workspace]:
        """The workspace the ``cached`` computations of this thread run on."""
        ...


def local_today(settings: Settings, now: datetime) -> date:
    """``now`` (naive UTC) as a date in the workspace's time zone."""
    return now.replace(tzinfo=UTC).astimezone(settings.zone).date()


class Direct:
    """A :class:`ReportContext` over one open workspace, remembering results for its own life
    (one CLI command): a report reading the same metric rows twice computes them once."""

    def __init__(self, ws: Workspace, today: date | None = None) -> None:
        self.ws = ws
        self._today = today
        self._memo: dict[Hashable, Any] = {}

    @property
    def settings(self) -> Settings:
        return self.ws.settings

    def today(self) -> date:
        if self._today is None:
            self._today = local_today(self.ws.settings, datetime.now(UTC).replace(tzinfo=None))
        return self._today

    def cached(self, key: Hashable, compute: Callable[[Workspace], Any]) -> Any:
        return self.memo(key, lambda: compute(self.ws))

    def memo(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]

    @contextmanager
    def _reader(self) -> Iterator[Workspace]:
        yield self.ws

    def reader(self) -> AbstractContextManager[Workspace]:
        return self._reader()
