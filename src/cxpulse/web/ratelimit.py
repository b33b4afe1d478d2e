"""Token buckets per client address for the public (unauthenticated) endpoints, and the
log-in throttle built on them (:class:`LoginThrottle`)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

MAX_BUCKETS = 100_000


class RateLimiter:
    """``rate`` requests per second on average, bursts up to ``burst``, per key.

    Past ``max_buckets`` clients, the buckets of idle clients (refilled to the full burst: the
    same as having none) are forgotten; the others keep counting, so a flood of new addresses
    cannot reset anyone's limit."""

    def __init__(
        self,
        rate: float,
        burst: int,
        clock: Callable[[], float] = time.monotonic,
        max_buckets: int = MAX_BUCKETS,
    ) -> None:
        self.rate = rate
        self.burst = burst
        self.max_buckets = max_buckets
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, at)
        self._sweep_above = max_buckets
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._buckets)

    def allow(self, key: str) -> float:
        """0 when the request may go on; otherwise the seconds to wait before retrying."""
        now = self._clock()
        with self._lock:
            tokens, last = self._buckets.get(key, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - last) * self.rate)
            allowed = tokens >= 1
            if allowed:
                tokens -= 1
            self._buckets[key] = (tokens, now)
            if len(self._buckets) > self._sweep_above:
                self._forget_idle(now)
            return 0.0 if allowed else (1 - tokens) / self.rate

    def refund(self, key: str) -> None:
        """Give back the request :meth:`allow` just counted (a log-in that succeeded)."""
        with self._lock:
            if key in self._buckets:
                tokens, at = self._buckets[key]
                self._buckets[key] = (min(float(self.burst), tokens + 1), at)

    def _forget_idle(self, now: float) -> None:
        full = float(self.burst)
        idle = [k for k, (t, at) in self._buckets.items() if t + (now - at) * self.rate >= full]
        for k in idle:
            del self._buckets[k]
        # when most clients are busy the sweep frees little: wait until the table has doubled
        # before the next one, so a sweep (a pass over every bucket) stays rare per request
        self._sweep_above = max(self.max_buckets, 2 * len(self._buckets))
