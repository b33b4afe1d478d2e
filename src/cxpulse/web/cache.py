"""Results of expensive queries kept in memory between page views.

How the cache is invalidated:

- Every change of data the server makes marks every entry stale, by one of two calls. Which
  requests call which is decided in one place, :mod:`cxpulse.web.writes`; requests that change
  no data (log-in, log-out, the language switch, the survey editor's preview) call neither.
- :meth:`ResultCache.invalidate` (a *hard* invalidation): a change a user made and expects to
  see at once (an import through the API, a case update, a rule or survey change). A stale
  entry that was quick to compute (under ``slow_seconds``, a tenth of a second: the pages'
  target is 300 ms) is recomputed before it is returned, so the user sees their own change. A slower
  one, with a ``refresher`` (the server has one), is still served at once while one background
  recomputation replaces it; a request with ``Cache-Control: no-cache`` (:data:`FRESH`) has it
  recomputed in front of it instead, so an API client that must read its own write can.
- ``invalidate(purge=True)``: a customer's erasure. Every entry is dropped, and a computation
  that started before it is returned to its caller but not stored: nothing read before the
  erasure is served after it, not even while refreshed.
- ``invalidate(soft=True)`` (a *soft* invalidation): changes that stream in from outside (public
  survey answers, widget offers, worker ticks). Every entry, quick or slow, is served stale while
  one background recomputation replaces it: a survey answer arriving every second must not make
  every dashboard view recompute in front of the viewer. An entry made stale by a hard
  invalidation stays under the hard rule whatever soft ones follow.
- A result is only as fresh as the oldest value it was computed from: when a computation reads
  another cached entry that is served stale (a page whose metrics are refreshing), the result is
  stored as stale as that value, so the next view computes it again (or refreshes it in the
  background, by the rules above) instead of keeping the old numbers until the next write.
- A result computed while a write landed is stored as of the data version it started from:
  stale at once, never taken as fresh.
- Without a ``refresher`` every stale entry is recomputed before it is returned.
- Background refreshes run newest first: after an import every page a user opened goes
  stale, and the page being looked at now is refreshed before the ones viewed minutes ago (a
  refresh whose entry was made fresh meanwhile is skipped).
- One computation per key at a time: a request for a result another thread is computing (the
  warm-up, or another viewer) waits for it instead of computing it again. On a cold server the
  first page was computed twice at once, by the warm-up and by its first viewer, on the same
  two cores and with twice the memory.

``clock`` (seconds) times the computations (quick or slow) and ages entries. ``ttl`` (seconds)
also ages entries, for writes made by other processes (several servers on one
PostgreSQL workspace); it is off for the default DuckDB file, which no other process can write
while the server holds it. An entry past its age is treated as after a hard invalidation.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable, Hashable
from concurrent.futures import Executor
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

log = logging.getLogger("cxpulse.web")
MAX_ENTRIES = 5000
# Results quicker than this are recomputed in front of the viewer after a hard invalidation;
# slower ones are served while refreshed. The pages' target is 300 ms and a page reads two or
# three results (a metric page: its trend and its segments, 150-200 ms each at scale 1, made
# it 360 ms after a change at a quarter second); a page whose metrics take a second (support,
# loyalty at scale 1) would miss it after every change with no such bound.
SLOW_SECONDS = 0.1
# set for a request that asks for fresh results (`Cache-Control: no-cache`): whatever is stale
# is computed in front of it, so an API client reads its own writes
FRESH: ContextVar[bool] = ContextVar("cxpulse_fresh", default=False)


@dataclass(frozen=True, slots=True)
class _Entry:
    ready_at: float  # clock time the data it holds was read (the oldest input's, when nested)
    version: int  # the data version it was computed from (the oldest input's, when nested)
    value: Any
    cost: float  # seconds it took to compute


@dataclass(slots=True)
class _Inputs:
    """What one running computation has read from the cache so far: the oldest version and
    read time among them."""

    version: int
    ready_at: float = math.inf

    def add(self, version: int, ready_at: float) -> None:
        self.version = min(self.version, version)
        self.ready_at = min(self.ready_at, ready_at)


class ResultCache:
    def __init__(
        self,
        ttl: float | None = None,
        clock: Callable[[], float] = time.monotonic,
        refresher: Executor | None = None,
        slow_seconds: float = SLOW_SECONDS,
    ) -> None:
        self.ttl = ttl
        self.refresher = refresher
        self.slow_seconds = slow_seconds
        self._clock = clock
        self._entries: dict[Hashable, _Entry] = {}
        self._refreshing: set[Hashable] = set()
        # refreshes waiting for the refresher, oldest first (run newest first: _refresh_next)
        self._queued: dict[Hashable, Callable[[], Any]] = {}
        # keys being computed on a miss, each with the event set when it is stored (or failed)
        self._pending: dict[Hashable, threading.Event] = {}
        self._version = 0  # bumped by every invalidation
        self._hard_version = 0  # the version the last hard invalidation made
        self._purged_version = 0  # the version the last purge made: nothing older is stored
        self._lock = threading.Lock()
        self._local = threading.local()
        self.hits = 0
        self.stale_hits = 0
        self.misses = 0

    @property
    def version(self) -> int:
        return self._version

    def invalidate(self, *, soft: bool = False, purge: bool = False) -> None:
        """Mark every entry stale; ``soft`` for changes from outside, ``purge`` to drop every
        entry (an erasure; see the module doc)."""
        with self._lock:
            self._version += 1
            if not soft:
                self._hard_version = self._version
            if purge:
                self._purged_version = self._version
                self._entries.clear()

    def is_fresh(self, key: Hashable) -> bool:
        with self._lock:
            entry = self._entries.get(key)
            return entry is not None and self._fresh(entry, self._clock())

    def _expired(self, entry: _Entry, now: float) -> bool:
        return self.ttl is not None and now - entry.ready_at >= self.ttl

    def _fresh(self, entry: _Entry, now: float) -> bool:
        return entry.version == self._version and not self._expired(entry, now)

    def _may_serve_stale(self, entry: _Entry, now: float) -> bool:
        """A stale entry that may be answered while it is refreshed in the background."""
        if entry.cost >= self.slow_seconds:
            return True
        # quick: only when nothing but soft invalidations happened since it was computed
        return entry.version >= self._hard_version and not self._expired(entry, now)

    def _inputs(self) -> list[_Inputs]:
        stack: list[_Inputs] | None = getattr(self._local, "inputs", None)
        if stack is None:
            stack = self._local.inputs = []
        return stack

    def _read(self, entry: _Entry) -> Any:
        # every computation running on this thread depends on what this lookup answers
        for inputs in self._inputs():
            inputs.add(entry.version, entry.ready_at)
        return entry.value

    def get_or_compute(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        # inside a background refresh, nested lookups must not answer stale; nor for a
        # request that asked for fresh results (Cache-Control: no-cache)
        refreshing = getattr(self._local, "refreshing", False) or FRESH.get()
        while True:
            now = self._clock()
            with self._lock:
                entry = self._entries.get(key)
                version = self._version
                if entry is not None and self._fresh(entry, now):
                    self.hits += 1
                    return self._read(entry)
                if (
                    entry is not None
                    and self.refresher is not None
                    and not refreshing
                    and self._may_serve_stale(entry, now)
                ):
                    self.stale_hits += 1
                    if key in self._queued:  # asked again: move it to the front
                        self._queued[key] = self._queued.pop(key)
                    elif key not in self._refreshing:
                        self._refreshing.add(key)
                        self._queued[key] = compute
                        # each job runs whichever refresh is newest when it starts
                        self.refresher.submit(self._refresh_next)
                    return self._read(entry)
                pending = self._pending.get(key)
                if pending is None:
                    self.misses += 1
                    done = self._pending[key] = threading.Event()
            if pending is None:
                break
            # another thread computes it: wait, then look again (it may have failed, or a
            # write may have made it stale meanwhile: the rules above decide)
            pending.wait()
        try:
            return self._read(self._compute_and_store(key, compute, version))
        finally:
            with self._lock:
                del self._pending[key]
            done.set()

    def _refresh_next(self) -> None:
        with self._lock:
            if not self._queued:
                return
            key = next(reversed(self._queued))
            compute = self._queued.pop(key)
        self._refresh(key, compute)

    def _refresh(self, key: Hashable, compute: Callable[[], Any]) -> None:
        self._local.refreshing = True
        try:
            with self._lock:
                version = self._version
                entry = self._entries.get(key)
                if entry is not None and self._fresh(entry, self._clock()):
                    return  # recomputed meanwhile (a request that asked for fresh results)
            self._compute_and_store(key, compute, version)
        except Exception:  # the stale value stays; the next view schedules another try
            log.exception("refreshing a cached result failed")
        finally:
            self._local.refreshing = False
            with self._lock:
                self._refreshing.discard(key)

    def _compute_and_store(self, key: Hashable, compute: Callable[[], Any], version: int) -> _Entry:
        stack = self._inputs()
        inputs = _Inputs(version)
        stack.append(inputs)
        started = self._clock()
        try:
            value = compute()
        finally:
            stack.pop()
        cost = self._clock() - started
        with self._lock:
            # Stored with the oldest data version it read: if a write landed meanwhile, or a
            # nested lookup answered a stale value, it is stale at once (served while
            # refreshed, never taken as fresh). The age counts from when the result was ready
            # (or a result slower than the TTL would be stored already expired), or from when
            # the oldest value it read was.
            entry = _Entry(min(self._clock(), inputs.ready_at), inputs.version, value, cost)
            current = self._entries.get(key)
            if entry.version < self._purged_version:
                pass  # read before an erasure: its caller gets it, no one else will
            elif current is None or current.version <= entry.version:
                self._entries[key] = entry
            if len(self._entries) > MAX_ENTRIES:  # drop the oldest half rather than grow
                oldest = sorted(self._entries, key=lambda k: self._entries[k].ready_at)
                for k in oldest[: MAX_ENTRIES // 2]:
                    del self._entries[k]
        return entry
