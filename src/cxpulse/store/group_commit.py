"""Group commit: many callers' writes, one transaction.

Callers append items to a queue and get a future; one writer thread takes what has queued
(up to ``max_batch``) and hands the whole batch to ``write``, which commits it in one
transaction and returns one outcome per item. Each future resolves only after its batch
committed, so nothing is acknowledged before it is durable; under load the batches grow and
the cost per item falls. A batch whose write raised wrote nothing; its items are then written
one by one, so one item that cannot be written (a vendor's malformed event, sent again on
every retry) fails its own caller only, not every caller that shared its batches.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Generic, TypeVar

Item = TypeVar("Item")
Outcome = TypeVar("Outcome")
log = logging.getLogger("cxpulse.store")


@dataclass
class _Pending(Generic[Item, Outcome]):
    item: Item
    future: Future[Outcome]


class GroupCommit(Generic[Item, Outcome]):
    """A writer thread calling ``write(items)`` on batches; ``write`` returns one outcome per
    item (an exception instance as an outcome fails that item's future alone)."""

    def __init__(
        self,
        write: Callable[[Sequence[Item]], Sequence[Outcome | BaseException]],
        *,
        name: str,
        max_batch: int = 1000,
    ) -> None:
        self._write_batch = write
        self._name = name
        self._max_batch = max_batch
        self._queue: queue.Queue[_Pending[Item, Outcome] | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()
        # what the benchmarks and the logs read: batches written, items in them, seconds spent
        self.batches = 0
        self.items = 0
        self.write_seconds = 0.0

    def submit(self, item: Item) -> Future[Outcome]:
        future: Future[Outcome] = Future()
        with self._start_lock:
            # started on first use, and again after close(): an app whose lifespan ended
            # (tests run several) still writes what it is sent
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
                self._thread.start()
            self._queue.put(_Pending(item, future))
        return future

    def close(self) -> None:
        """Write what is queued, then stop (a later submit starts again)."""
        with self._start_lock:
            thread = self._thread
            if thread is None or not thread.is_alive():
                return
            self._queue.put(None)
            thread.join(timeout=60)

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            batch = [first]
            stop = False
            while len(batch) < self._max_batch:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is None:
                    stop = True
                    break
                batch.append(item)
            self._write(batch)
            if stop:
                return

    def _write(self, batch: list[_Pending[Item, Outcome]]) -> None:
        started = time.perf_counter()
        try:
            outcomes = self._write_batch([p.item for p in batch])
        except Exception as exc:  # nothing of the batch was written
            log.exception("%s: writing a batch of %d failed", self._name, len(batch))
            if len(batch) == 1:
                batch[0].future.set_exception(exc)
            else:  # each alone: only what cannot be written fails
                for pending in batch:
                    self._write([pending])
            return
        self.batches += 1
        self.items += len(batch)
        self.write_seconds += time.perf_counter() - started
        for pending, outcome in zip(batch, outcomes, strict=True):
            if isinstance(outcome, BaseException):
                pending.future.set_exception(outcome)
            else:
                pending.future.set_result(outcome)
