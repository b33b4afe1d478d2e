"""Widget offer budgets: per minute and per day, for every key or none, bounded memory."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from cxpulse.surveys.offer_budget import DAY, MINUTE, Limits, OfferBudget


class Clock:
    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


def budget(clock: Clock, max_keys: int = 100) -> OfferBudget:
    limits = {"address": Limits(per_minute=3, per_day=5), "site": Limits(4, 100)}
    return OfferBudget(limits, clock=clock, max_keys=max_keys)


def test_minute_and_day_windows_and_all_keys_or_none() -> None:
    clock = Clock()
    b = budget(clock)
    a1, a2, site = ("address", "10.0.0.1"), ("address", "10.0.0.2"), ("site", "https://s.ex")
    assert [b.spend([a1, site]) for _ in range(4)] == [True, True, True, False]
    assert b.spend([a2, site])  # another address, the same site: the site's 4th this minute
    assert not b.spend([a2, site])  # the site is spent: a2 is not charged for the refusal
    clock.t = MINUTE
    assert b.spend([a1, site]) and b.spend([a1, site])
    assert not b.spend([a1, site])  # a1: 5 today
    assert b.spend([a2, site])  # a2 was charged once only
    clock.t = DAY
    assert b.spend([a1, site])  # a new day


def test_memory_is_bounded_and_live_keys_are_never_evicted() -> None:
    clock = Clock()
    b = budget(clock, max_keys=10)
    assert all(b.spend([("address", f"a{i}")]) for i in range(10))
    assert not b.spend([("address", "newcomer")])  # every key counted today: refused
    assert b.spend([("address", "a0")]) and len(b) == 10  # known keys still count
    clock.t = DAY
    assert b.spend([("address", "newcomer")]) and len(b) == 1  # yesterday's keys forgotten


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 3 * DAY), st.integers(0, 3)), max_size=200))
def test_never_more_than_the_limits_in_any_window(requests: list[tuple[int, int]]) -> None:
    clock = Clock()
    b = budget(clock, max_keys=3)
    granted: list[tuple[int, int]] = []
    for at, who in sorted(requests):
        clock.t = float(at)
        if b.spend([("address", str(who))]):
            granted.append((at, who))
    for who in range(4):
        times = [at for at, w in granted if w == who]
        for window, limit in ((MINUTE, 3), (DAY, 5)):
            per_window: dict[int, int] = {}
            for at in times:
                per_window[at // window] = per_window.get(at // window, 0) + 1
            assert max(per_window.values(), default=0) <= limit
    assert len(b) <= 3
