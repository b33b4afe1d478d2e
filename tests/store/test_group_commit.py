"""GroupCommit (store/group_commit.py): many callers, one write per batch; a caller hears of
its own batch only, after it was written."""

from __future__ import annotations

import threading
from collections.abc import Sequence

import pytest

from cxpulse.store.group_commit import GroupCommit


def test_concurrent_items_are_written_in_batches_and_each_caller_gets_its_own_answer() -> None:
    written: list[list[int]] = []
    gate = threading.Event()

    def write(items: Sequence[int]) -> list[int | BaseException]:
        gate.wait(5)  # the first batch holds the writer while the others queue up
        written.append(list(items))
        return [i * 10 if i % 7 else ValueError(f"no {i}") for i in items]

    commit: GroupCommit[int, int] = GroupCommit(write, name="test-commit")
    futures = [commit.submit(i) for i in range(1, 101)]
    gate.set()
    for i, future in enumerate(futures, start=1):
        if i % 7:
            assert future.result(5) == i * 10
        else:
            with pytest.raises(ValueError, match=f"no {i}"):
                future.result(5)
    commit.close()
    assert sorted(i for batch in written for i in batch) == list(range(1, 101))
    assert len(written) < 100 and commit.items == 100  # batched


def test_an_item_that_cannot_be_written_fails_its_own_caller_only() -> None:
    """A batch that raised is written again item by item: the others of its batch are
    stored, the bad one fails alone (a vendor sending it again cannot poison every batch)."""
    gate = threading.Event()
    calls: list[list[str]] = []

    def write(items: Sequence[str]) -> list[str | BaseException]:
        gate.wait(5)
        calls.append(list(items))
        if "poison" in items:
            raise RuntimeError("cannot write poison")
        return [i.upper() for i in items]

    commit: GroupCommit[str, str] = GroupCommit(write, name="test-commit")
    futures = {i: commit.submit(i) for i in ("first", "a", "poison", "b")}  # queued together
    gate.set()
    assert [futures[i].result(5) for i in ("first", "a", "b")] == ["FIRST", "A", "B"]
    with pytest.raises(RuntimeError, match="poison"):
        futures["poison"].result(5)
    # a batch with the poison in it, then the poison alone
    assert any(len(c) > 1 and "poison" in c for c in calls) and ["poison"] in calls
    commit.close()


def test_a_batch_that_fails_fails_its_own_callers_only() -> None:
    def write(items: Sequence[str]) -> list[str | BaseException]:
        if "poison" in items:
            raise RuntimeError("disk full")
        return [i.upper() for i in items]

    commit: GroupCommit[str, str] = GroupCommit(write, name="test-commit")
    bad = commit.submit("poison")
    with pytest.raises(RuntimeError, match="disk full"):
        bad.result(5)
    assert commit.submit("fine").result(5) == "FINE"
    commit.close()
    assert commit.submit("after close").result(5) == "AFTER CLOSE"  # starts again
    commit.close()
