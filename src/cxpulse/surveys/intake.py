"""Survey answers under load: many posts, one transaction (group commit).

Each post is checked and written by :func:`cxpulse.surveys.links.respond_many` together with
the posts that arrived while the previous batch was being written. A caller's future resolves
only after its batch has committed, so an answer acknowledged to the customer is stored: under
load the batches grow, the per-answer cost falls, and nothing is acknowledged early.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import Future
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from cxpulse.surveys.links import InvalidLink, Recorded, Submission, respond_many
from cxpulse.surveys.store import SurveyShelf, link_secret

if TYPE_CHECKING:
    from cxpulse.context import Context

log = logging.getLogger("cxpulse.surveys")


@dataclass
class _Pending:
    submission: Submission
    future: Future[Recorded]


class ResponseIntake:
    """A writer thread that records answers in batches of up to ``max_batch``.

    ``workspace`` gives the workspace for one batch (the web app passes its locked one);
    ``clock`` stamps the batch (responses record when they were stored)."""

    def __init__(
        self,
        workspace: Callable[[], AbstractContextManager[Context]],
        clock: Callable[[], datetime],
        *,
        max_batch: int = 1000,
    ) -> None:
        self._workspace = workspace
        self._clock = clock
        self._max_batch = max_batch
        self._queue: queue.Queue[_Pending | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()
        # what the benchmark and the logs read: batches written, answers in them, seconds spent
        self.batches = 0
        self.answers = 0
        self.write_seconds = 0.0
        self._secret: bytes | None = None
        self._surveys = SurveyShelf()

    def submit(
        self, token: str, answers: Mapping[str, Mapping[str, Any]], channel: str | None = None
    ) -> Future[Recorded]:
        """What was stored (:class:`Recorded`), or the :class:`InvalidLink` that refused it."""
        future: Future[Recorded] = Future()
        with self._start_lock:
            # started on first use, and again after close(): an app whose lifespan ended
            # (tests run several) still records what it is sent
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._run, name="cxpulse-intake", daemon=True
                )
                self._thread.start()
            self._queue.put(_Pending(Submission(token, answers, channel), future))
        return future

    def record(
        self,
        token: str,
        answers: Mapping[str, Mapping[str, Any]],
        channel: str | None = None,
        timeout: float = 60.0,
    ) -> list[str]:
        """The response ids, once stored."""
        return self.submit(token, answers, channel).result(timeout).response_ids

    def close(self) -> None:
        """Write what is queued, then stop (a later submit starts again)."""
        # held while joining: an answer posted meanwhile waits, then starts a new thread,
        # instead of queueing behind the stop marker
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

    def _write(self, batch: list[_Pending]) -> None:
        started = time.perf_counter()
        try:
            with self._workspace() as ws:
                now = self._clock()
                self._secret = self._secret or link_secret(ws, now)
                submissions = [p.submission for p in batch]
                outcomes = respond_many(
                    ws, submissions, now, secret=self._secret, surveys=self._surveys
                )
        except Exception as exc:  # nothing of the batch was written: every caller hears it
            log.exception("writing %d survey answers failed", len(batch))
            for pending in batch:
                pending.future.set_exception(exc)
            return
        self.batches += 1
        self.answers += len(batch)
        self.write_seconds += time.perf_counter() - started
        for pending, outcome in zip(batch, outcomes, strict=True):
            if isinstance(outcome, InvalidLink):
                pending.future.set_exception(outcome)
            else:
                pending.future.set_result(outcome)
