"""The web app's composition: one FastAPI app over one workspace.

``create_app`` is the only place that wires routers, error handlers, static files and the
in-process worker; every route calls library functions through :class:`WebState`.
"""

from __future__ import annotations

import gc
import logging
import sys
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from fastapi import Depends, FastAPI
from fastapi.staticfiles import StaticFiles

from cxpulse import __version__
from cxpulse.web import errors, openapi
from cxpulse.web.middleware import EdgeMiddleware
from cxpulse.web.queryparams import known_query_parameters
from cxpulse.web.state import WebState

if TYPE_CHECKING:
    from cxpulse.workspace import Workspace

log = logging.getLogger("cxpulse.web")


def _utc_now() -> datetime:
    from cxpulse.automations.worker import utc_now

    return utc_now()


def create_app(
    ws: Workspace,
    *,
    clock: Callable[[], datetime] = _utc_now,
    worker_interval: float | None = None,
    cache_ttl: float | None = None,
    warm: bool = False,
) -> FastAPI:
    """The app over ``ws``. ``worker_interval`` (seconds) runs the survey/automation worker in
    a thread of this process, as `cxpulse serve` does; ``None`` leaves it off (tests tick it).
    ``cache_ttl`` ages cached results: off on a DuckDB file (no other process can write it),
    5 minutes on other backends unless given. ``warm`` computes the default pages in the
    background at start-up and again after each change of the workspace's local date
    (`cxpulse serve` does)."""
    state = WebState(ws=ws, clock=clock)
    state.cache.ttl = cache_ttl if cache_ttl or ws.store.backend == "duckdb" else 300.0
    stop = threading.Event()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # What is alive now (the imported libraries: Ibis, pandas, scikit-learn, ...) lives as
        # long as the server: out of the collector's sight, a full collection no longer walks
        # it. Those walks paused every request for over 100 ms; with this the survey answer
        # endpoint's p99 fell from 125 to 21 ms (benchmarks/survey_endpoint_load.py). Garbage
        # is collected first, so none is kept for good; unfrozen when the app stops (tests
        # start many apps in one process).
        gc.collect()
        gc.freeze()
        # The survey answers' writer thread gives up the GIL at each DuckDB call and waits up
        # to the switch interval to get it back from the request loop; at the default 5 ms a
        # batch of answers took twice as long in the server as alone. At 1 ms the answer
        # endpoint went from 816 to 1,021 answers/s (benchmarks/survey_endpoint_load.py).
        sys.setswitchinterval(0.001)
        thread = None
        if worker_interval:
            thread = threading.Thread(
                target=_worker_loop, args=(state, worker_interval, stop), daemon=True
            )
            thread.start()
        if warm:
            from cxpulse.web import warmup

            # now, then after each change of the local date (every default page's key holds it)
            threading.Thread(
                target=warmup.keep_warm,
                args=(state, stop, warmup.DAY_CHECK_SECONDS),
                name="cxpulse-warm",
                daemon=True,
            ).start()
        yield
        gc.unfreeze()
        stop.set()
        state.intake.close()
        state.hooks.close()
        # wait for a running refresh: it is inside DuckDB, and the workspace closes next
        state.refresher.shutdown(wait=True, cancel_futures=True)
        if thread is not None:
            thread.join(timeout=worker_interval)

    app = FastAPI(
        title="cxpulse",
        version=__version__,
        summary="Customer-experience metrics, surveys and follow-up cases.",
        # FastAPI's own pages answer without login and load Swagger UI from a CDN: the
        # document and a server-rendered reference need a login instead (pages/apidocs.py)
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        lifespan=lifespan,
        # every /api/v1 route refuses query parameters it does not declare (queryparams.py)
        dependencies=[Depends(known_query_parameters)],
    )
    app.state.cx = state
    app.openapi = lambda: openapi.document(app)  # type: ignore[method-assign]
    errors.install(app)

    on_write = state.cache.invalidate
    if warm:  # refresh the first pages (their stored results) after a change, too
        from cxpulse.web import warmup

        on_write = warmup.after_writes(state)
    app.add_middleware(EdgeMiddleware, on_write=on_write, in_flight=state.in_flight)
    app.mount(
        "/static", StaticFiles(directory=str(Path(__file__).parent / "static")), name="static"
    )
    from cxpulse.reports import REPORTS
    from cxpulse.web import reports
    from cxpulse.web.routes import ROUTERS

    for router in ROUTERS:
        app.include_router(router)
    # the reports of this workspace's registry: their pages, JSON twins and navigation
    app.include_router(reports.router(ws.kinds[REPORTS]))
    app.state.nav = reports.nav(ws.kinds[REPORTS])
    return app


def _worker_loop(state: WebState, interval: float, stop: threading.Event) -> None:
    from cxpulse.automations.worker import run_once

    while not stop.is_set():
        try:
            # the lock is taken by each phase's store work and let go while a message is on
            # its way: a slow SMTP server or webhook receiver never holds up a page
            tick = run_once(state.ws, state.now(), hold=lambda: state.lock)
            # new annotations change the themes and sentiment the pages show
            if tick.surveys.invited or tick.rules.fired or tick.outbox.sent or tick.texts:
                state.cache.invalidate(soft=True)  # from outside: served while refreshed
            log.info(tick.summary())
        except Exception:  # the loop must outlive one bad tick; the next one retries
            log.exception("worker tick failed")
        stop.wait(interval)
