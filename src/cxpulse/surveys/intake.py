"""Survey answers under load: many posts, one transaction (group commit).

Each post is checked and written by :func:`cxpulse.surveys.links.respond_many` together with
the posts that arrived while the previous batch was being written. A caller's future resolves
only after its batch has committed, so an answer acknowledged to the customer is stored: under
load the batches grow, the per-answer cost falls, and nothing is acknowledged early.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future
from contextlib import AbstractContextManager
from datetime import datetime
from typing import TYPE_CHECKING, Any

from cxpulse.store.group_commit import GroupCommit
from cxpulse.surveys.links import InvalidLink, Recorded, Submission, respond_many
from cxpulse.surveys.store import SurveyShelf, link_secret

if TYPE_CHECKING:
    from cxpulse.context import Context


class ResponseIntake:
    """A writer thread that records answers in batches of up to ``max_batch``
    (:class:`~cxpulse.store.group_commit.GroupCommit`).

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
        self._secret: bytes | None = None
        self._surveys = SurveyShelf()
        self._commit: GroupCommit[Submission, Recorded] = GroupCommit(
            self._write, name="cxpulse-intake", max_batch=max_batch
        )

    # what the benchmark and the logs read: batches written, answers in them, seconds spent
    @property
    def batches(self) -> int:
        return self._commit.batches

    @property
    def answers(self) -> int:
        return self._commit.items

    @property
    def write_seconds(self) -> float:
        return self._commit.write_seconds

    def submit(
        self, token: str, answers: Mapping[str, Mapping[str, Any]], channel: str | None = None
    ) -> Future[Recorded]:
        """What was stored (:class:`Recorded`), or the :class:`InvalidLink` that refused it."""
        return self._commit.submit(Submission(token, answers, channel))

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
        self._commit.close()

    def _write(self, submissions: Sequence[Submission]) -> list[Recorded | InvalidLink]:
        with self._workspace() as ws:
            now = self._clock()
            self._secret = self._secret or link_secret(ws, now)
            return respond_many(ws, submissions, now, secret=self._secret, surveys=self._surveys)
