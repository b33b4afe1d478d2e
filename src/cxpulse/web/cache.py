"""Results of expensive queries kept in memory between page views.

Invalidation: every write the server performs (a successful POST/PUT/PATCH/DELETE, a worker
tick that changed rows) calls :meth:`ResultCache.invalidate`, which marks every entry stale.
A stale entry that was quick to compute (under ``slow_seconds``) is recomputed before it is
returned, so a user sees their own change at once. A slow one, with a ``refresher`` (the server
has one), is still served at once while one background recomputation replaces it: a survey
answer arriving every second must not make the website page (minutes to compute cold at 10M
hits) recompute in front of every viewer.

``ttl`` (seconds) also ages entries, for writes made by other processes (several servers on one
PostgreSQL workspace); it is off for the default DuckDB file, which no other process can write
while the server holds it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Hashable
from concurrent.futures import Executor
from typing import Any

log = logging.getLogger("cxpulse.web")
MAX_ENTRIES = 5000


class ResultCache:
    def __init__(
        self,
        ttl: float | None = None,
        clock: Callable[[], float] = time.monotonic,
        refresher: Executor | None = None,
        slow_seconds: float = 2.0,
    ) -> None:
        self.ttl = ttl
        self.refresher = refresher
        self.slow_seconds = slow_seconds
        self._clock = clock
        # key -> (ready at, data version computed at, value, seconds it took)
        self._entries: dict[Hashable, tuple[float, int, Any, float]] = {}
        self._refreshing: set[Hashable] = set()
        self._version = 0
        self._lock = threading.Lock()
        self._local = threading.local()
        self.hits = 0
        self.stale_hits = 0
        self.misses = 0

    @property
    def version(self) -> int:
        return self._version

    def invalidate(self) -> None:
        with self._lock:
            self._version += 1

    def is_fresh(self, key: Hashable) -> bool:
        with self._lock:
            entry = self._entries.get(key)
            return entry is not None and self._fresh(entry, self._clock())

    def _fresh(self, entry: tuple[float, int, Any, float], now: float) -> bool:
        ready_at, version, _, _ = entry
        return version == self._version and (self.ttl is None or now - ready_at < self.ttl)

    def get_or_compute(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        now = self._clock()
        # inside a background refresh, nested lookups must not answer stale
        refreshing = getattr(self._local, "refreshing", False)
        with self._lock:
            entry = self._entries.get(key)
            version = self._version
            if entry is not None and self._fresh(entry, now):
                self.hits += 1
                return entry[2]
            slow = entry is not None and entry[3] >= self.slow_seconds
            if entry is not None and slow and self.refresher is not None and not refreshing:
                self.stale_hits += 1
                if key not in self._refreshing:
                    self._refreshing.add(key)
                    self.refresher.submit(self._refresh, key, compute)
                return entry[2]
            self.misses += 1
        return self._compute_and_store(key, compute, version)

    def _refresh(self, key: Hashable, compute: Callable[[], Any]) -> None:
        self._local.refreshing = True
        try:
            with self._lock:
                version = self._version
            self._compute_and_store(key, compute, version)
        except Exception:  # the stale value stays; the next view schedules another try
            log.exception("refreshing a cached result failed")
        finally:
            self._local.refreshing = False
            with self._lock:
                self._refreshing.discard(key)

    def _compute_and_store(self, key: Hashable, compute: Callable[[], Any], version: int) -> Any:
        started = time.monotonic()
        value = compute()
        cost = time.monotonic() - started
        with self._lock:
            # Stored with the version it was computed at: if a write landed meanwhile it is
            # stale at once (served while refreshed, never taken as fresh). The age counts
            # from when the result was ready, or a result slower than the TTL would be stored
            # already expired.
            current = self._entries.get(key)
            if current is None or current[1] <= version:
                self._entries[key] = (self._clock(), version, value, cost)
            if len(self._entries) > MAX_ENTRIES:  # drop the oldest half rather than grow
                oldest = sorted(self._entries, key=lambda k: self._entries[k][0])
                for k in oldest[: MAX_ENTRIES // 2]:
                    del self._entries[k]
        return value
