"""What every request handler shares: the workspace (behind one lock), the clock, the cache.

DuckDB's Python connection is not safe to use from several threads at once, while FastAPI runs
plain handlers in a thread pool: writes (and short reads) go through
:meth:`WebState.workspace`, which serialises them. Long reads (the metric computations behind
:meth:`WebState.cached`) run on :meth:`WebState.reader`: a DuckDB cursor of the same database
per thread, so a page computing for a minute on a cold cache does not stop log-ins, survey
answers or other pages (DuckDB isolates them: each query sees committed data).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from fastapi import Request

from cxpulse.reports.context import local_today
from cxpulse.settings import Settings
from cxpulse.surveys.intake import ResponseIntake
from cxpulse.surveys.offer_budget import OfferBudget
from cxpulse.web.cache import ResultCache
from cxpulse.web.hook_writes import hook_writer
from cxpulse.web.login_throttle import LoginThrottle
from cxpulse.web.ratelimit import RateLimiter
from cxpulse.web.viewers import InFlight

if TYPE_CHECKING:
    from cxpulse.sources.webhook_events import Checked, Received
    from cxpulse.sources.webhooks import Delivery
    from cxpulse.store.group_commit import GroupCommit
    from cxpulse.workspace import Workspace


@dataclass
class WebState:
    ws: Workspace
    clock: Callable[[], datetime]
    # one background thread recomputes stale slow results (see cache.py)
    refresher: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(1, thread_name_prefix="cxpulse-refresh")
    )
    cache: ResultCache = field(init=False)
    # public endpoints: 20 requests per second per address, bursts of 60
    public_limiter: RateLimiter = field(default_factory=lambda: RateLimiter(20.0, 60))
    # failed log-ins: per address, per account, per known browser (login_throttle.py)
    login_throttle: LoginThrottle = field(default_factory=LoginThrottle)
    # widget offers per client address and per embedding site, per minute and per day
    widget_budget: OfferBudget = field(default_factory=OfferBudget)
    lock: threading.RLock = field(default_factory=threading.RLock)
    # the requests being answered: the warm-up waits for a quiet moment (viewers.py)
    in_flight: InFlight = field(default_factory=InFlight)
    # the local date the default pages were last warmed for (warmup.keep_warm)
    warmed_for: date | None = None
    _local: threading.local = field(default_factory=threading.local)

    @contextmanager
    def workspace(self) -> Iterator[Workspace]:
        with self.lock:
            yield self.ws

    @contextmanager
    def reader(self) -> Iterator[Workspace]:
        """A workspace for reading only, private to this thread (DuckDB); other backends
        fall back to the shared, locked one."""
        if self.ws.store.backend != "duckdb":
            with self.workspace() as shared:
                yield shared
            return
        ws: Workspace | None = getattr(self._local, "ws", None)
        if ws is None:
            with self.lock:  # cursor() itself uses the shared connection
                store = self.ws.store.thread_reader()
            ws = type(self.ws)(store, self.ws.settings)
            ws.kinds = self.ws.kinds  # the server's registries: a channel it was given parses
            self._local.ws = ws
        ws.settings = self.ws.settings  # a setting changed through the server applies at once
        yield ws

    def cached(self, key: Hashable, compute: Callable[[Workspace], Any]) -> Any:
        def run() -> Any:
            with self.reader() as ws:
                return compute(ws)

        return self.cache.get_or_compute(key, run)

    intake: ResponseIntake = field(init=False)
    hooks: GroupCommit[tuple[Checked, Delivery], Received] = field(init=False)

    def __post_init__(self) -> None:
        self.cache = ResultCache(refresher=self.refresher)
        # survey answers from the public endpoints, written in batches (group commit)
        self.intake = ResponseIntake(self.workspace, self.now)
        # vendors' webhooks, verified by each request, written in batches (hook_writes.py)
        self.hooks = hook_writer(self.workspace, self.now)

    def now(self) -> datetime:
        return self.clock()

    # -- what a report reads through (cxpulse.reports.context.ReportContext) -------------
    @property
    def settings(self) -> Settings:
        return self.ws.settings

    def today(self) -> date:
        """The server's clock, not the machine's (tests and demos run at a fixed "now"), as
        a date in the workspace's time zone."""
        return local_today(self.ws.settings, self.now())

    def memo(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        return self.cache.get_or_compute(key, compute)


async def get_state(request: Request) -> WebState:
    # async, like every quick dependency: FastAPI runs a plain one in its thread pool, a
    # thread hop per request that the survey answer endpoint felt under load
    state: WebState = request.app.state.cx
    return state
