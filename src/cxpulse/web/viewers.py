"""The requests being answered right now, so that background work (the warm-up) can wait for
a quiet moment instead of competing with a viewer for the machine's cores.

On the scale-1 demo the warm-up computes pages for over a minute after `cxpulse serve` starts;
a user who logs in meanwhile shared two cores (and Python's one lock) with it. The warm-up now
starts each page only once no request is in flight, or after :data:`YIELD_SECONDS` of waiting
(a server answering survey answers without a pause must still warm its pages).
"""

from __future__ import annotations

import threading
import time

YIELD_SECONDS = 5.0
# answered in microseconds, polled by monitors and load balancers: never worth waiting for
UNCOUNTED = ("/healthz", "/static/")


class InFlight:
    """How many counted requests are being answered."""

    def __init__(self) -> None:
        self._count = 0
        self._quiet = threading.Condition()
        self.waiting = 0  # threads in wait_quiet (tests look)

    @staticmethod
    def counts(path: str) -> bool:
        return not path.startswith(UNCOUNTED)

    @property
    def count(self) -> int:
        return self._count

    def enter(self) -> None:
        with self._quiet:
            self._count += 1

    def leave(self) -> None:
        with self._quiet:
            self._count -= 1
            if self._count == 0:
                self._quiet.notify_all()

    def wait_quiet(self, limit: float | None = None) -> bool:
        """Wait until no counted request is in flight, at most ``limit`` seconds (default
        :data:`YIELD_SECONDS`); whether it is quiet."""
        deadline = time.monotonic() + (YIELD_SECONDS if limit is None else limit)
        with self._quiet:
            self.waiting += 1
            try:
                while self._count:
                    left = deadline - time.monotonic()
                    if left <= 0:
                        return False
                    self._quiet.wait(left)
                return True
            finally:
                self.waiting -= 1
