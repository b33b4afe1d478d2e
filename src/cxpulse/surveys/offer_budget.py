"""How many widget offers one client address or one site may get per minute and per day.

An offer costs a counter write (and, for a customer the site signed in, may create an
invitation), and anyone can ask for one: a script inventing visitor ids would otherwise get an
offer per request. Over budget, the widget is told "no survey" and nothing is written.

Counters live in the server's memory (a fixed window per minute and per UTC day, per key), so
checking one costs no query. Past ``max_keys`` keys, the keys whose windows have both passed
are forgotten; if every key is still live, a new key is refused rather than evicting a live
one, so a flood of new addresses can neither reset anyone's count nor grow memory without end.
Each server process counts on its own: with several behind a load balancer, the budgets apply
per process.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

MINUTE = 60
DAY = 86_400
MAX_KEYS = 100_000


@dataclass(frozen=True)
class Limits:
    per_minute: int
    per_day: int


# a person on one address sees a few offers a minute at most (one per page view while a
# survey is open); an office behind one address, some hundreds a day
ADDRESS = Limits(per_minute=30, per_day=500)
# one embedding site (the request's Origin; scripts without one share the "no origin" site)
SITE = Limits(per_minute=2_000, per_day=100_000)


class OfferBudget:
    """Fixed-window counters per key; :meth:`spend` takes one offer from every key or none."""

    def __init__(
        self,
        limits: dict[str, Limits] | None = None,
        clock: Callable[[], float] = time.time,
        max_keys: int = MAX_KEYS,
    ) -> None:
        self.limits = limits or {"address": ADDRESS, "site": SITE}
        self.max_keys = max_keys
        self._clock = clock
        # (kind, key) -> (minute window, count in it, day window, count in it)
        self._counts: dict[tuple[str, str], tuple[int, int, int, int]] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._counts)

    def spend(self, keys: Sequence[tuple[str, str]]) -> bool:
        """True, and one offer counted against each ``(kind, key)`` (kind: a key of
        ``limits``, e.g. ``("address", "203.0.113.9")``), when every one has room left;
        False, counting nothing, when any is spent."""
        now = self._clock()
        minute, day = int(now // MINUTE), int(now // DAY)
        with self._lock:
            updated = []
            for kind, key in keys:
                limit = self.limits[kind]
                m, in_minute, d, in_day = self._counts.get((kind, key), (minute, 0, day, 0))
                in_minute = in_minute if m == minute else 0
                in_day = in_day if d == day else 0
                if in_minute >= limit.per_minute or in_day >= limit.per_day:
                    return False
                updated.append(((kind, key), (minute, in_minute + 1, day, in_day + 1)))
            new = sum(1 for k, _ in updated if k not in self._counts)
            if new and len(self._counts) + new > self.max_keys:
                self._forget_passed(minute, day)
                if len(self._counts) + new > self.max_keys:
                    return False  # every key is live: refuse the newcomer, evict no one
            self._counts.update(updated)
            return True

    def _forget_passed(self, minute: int, day: int) -> None:
        passed = [k for k, (m, _, d, _) in self._counts.items() if m != minute and d != day]
        for k in passed:
            del self._counts[k]
