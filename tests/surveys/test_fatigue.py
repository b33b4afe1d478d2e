"""The fatigue budget: global window, per-survey gap, priorities (examples and properties)."""

from __future__ import annotations

import itertools
import random
from datetime import datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from cxpulse.surveys import Candidate, Decision, History, decide

T0 = datetime(2025, 3, 1, 9, 0)
WINDOW = timedelta(days=30)


def cand(customer: str, survey: str, ref: str, priority: int = 0) -> Candidate:
    return Candidate(customer, survey, f"{survey}:{customer}:{ref}", T0, priority)


def test_higher_priority_wins_and_the_other_is_logged_with_its_reason() -> None:
    history = History()
    out = decide([cand("c1", "nps", "a", 1), cand("c1", "csat", "b", 10)], history, T0, WINDOW)
    by_survey = {d.candidate.survey_id: d for d in out}
    assert by_survey["csat"].outcome == "invited"
    assert by_survey["nps"].reason == "lower_priority" and "csat" in by_survey["nps"].detail
    assert by_survey["nps"].next_eligible_at == T0 + WINDOW


def test_global_window_then_survey_gap() -> None:
    history = History()
    history.record("c1", "csat", T0 - timedelta(days=10))
    out = decide([cand("c1", "nps", "a")], history, T0, WINDOW)
    assert out[0].reason == "fatigue" and out[0].next_eligible_at == T0 + timedelta(days=20)
    later = T0 + timedelta(days=40)
    gap = decide(
        [Candidate("c1", "csat", "csat:c1:z", later, min_gap=timedelta(days=90))],
        history,
        later,
        WINDOW,
    )
    assert gap[0].reason == "survey_gap"
    assert gap[0].next_eligible_at == T0 - timedelta(days=10) + timedelta(days=90)


def test_each_trigger_is_decided_once() -> None:
    history = History()
    c = cand("c1", "csat", "ticket-1")
    assert decide([c, c], history, T0, WINDOW)[0].outcome == "invited"
    assert decide([c], history, T0 + timedelta(days=60), WINDOW) == []


# Many runs over time, many surveys with random priorities, random triggers per run.
runs = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=6),  # days since the previous run
        st.lists(
            st.tuples(st.sampled_from("abcde"), st.integers(0, 3), st.integers(0, 9)),
            max_size=25,
        ),  # (customer, survey index, trigger ref)
    ),
    min_size=1,
    max_size=30,
)


@settings(max_examples=300, deadline=None)
@given(runs=runs, priorities=st.lists(st.integers(0, 3), min_size=4, max_size=4))
def test_never_twice_in_the_window_and_the_highest_priority_wins(
    runs: list[tuple[int, list[tuple[str, int, int]]]], priorities: list[int]
) -> None:
    history = History()
    now = T0
    invited: dict[str, list[datetime]] = {}
    for step, triggers in runs:
        now += timedelta(days=step)
        found = [
            Candidate(c, f"s{s}", f"s{s}:{c}:{ref}:{now:%j}", now, priorities[s])
            for c, s, ref in triggers
        ]
        for d in decide(found, history, now, WINDOW):
            if d.outcome == "invited":
                invited.setdefault(d.candidate.customer_id, []).append(now)
                rivals = [c.priority for c in found if c.customer_id == d.candidate.customer_id]
                assert d.candidate.priority == max(rivals)
            else:
                assert d.next_eligible_at > now
    for times in invited.values():
        assert all(b - a >= WINDOW for a, b in itertools.pairwise(times))


# Competing triggers with their own per-survey gaps, decided in any input order.
competing = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=20),  # days since the previous run
        st.lists(
            st.tuples(st.sampled_from("abc"), st.integers(0, 4), st.integers(0, 3)),
            max_size=20,
        ),
    ),
    min_size=1,
    max_size=25,
)


@settings(max_examples=300, deadline=None)
@given(
    runs=competing,
    priorities=st.lists(st.integers(0, 2), min_size=5, max_size=5),
    gaps=st.lists(st.integers(0, 120), min_size=5, max_size=5),
    seed=st.randoms(use_true_random=False),
)
def test_gaps_hold_each_trigger_decided_once_and_order_does_not_matter(
    runs: list[tuple[int, list[tuple[str, int, int]]]],
    priorities: list[int],
    gaps: list[int],
    seed: random.Random,
) -> None:
    history, shuffled_history = History(), History()
    now = T0
    asked: dict[tuple[str, str], list[datetime]] = {}
    decided_keys: list[str] = []
    for step, triggers in runs:
        now += timedelta(days=step)
        found = [
            Candidate(
                c,
                f"s{s}",
                f"s{s}:{c}:{ref}:{now:%Y%j}",
                now - timedelta(hours=ref),
                priorities[s],
                timedelta(days=gaps[s]),
            )
            for c, s, ref in triggers
        ]
        mixed = list(found)
        seed.shuffle(mixed)
        out = decide(found, history, now, WINDOW)
        assert out == decide(mixed, shuffled_history, now, WINDOW)  # input order is irrelevant
        new = {c.trigger_key for c in found} - set(decided_keys)
        assert {d.candidate.trigger_key for d in out} == new  # each new trigger decided now
        decided_keys.extend(d.candidate.trigger_key for d in out)
        winners: dict[str, Decision] = {}
        for d in out:
            c = d.candidate
            if d.outcome == "invited":
                assert c.customer_id not in winners  # one survey per customer per run
                winners[c.customer_id] = d
                asked.setdefault((c.customer_id, c.survey_id), []).append(now)
            elif d.reason == "fatigue":
                last = history.last_any[c.customer_id][0]
                assert now - last < WINDOW and d.next_eligible_at == last + WINDOW
            elif d.reason == "survey_gap":
                assert d.next_eligible_at > now
    assert len(decided_keys) == len(set(decided_keys))  # never decided twice
    for (_, survey), times in asked.items():
        gap = timedelta(days=gaps[int(survey[1:])])
        assert all(b - a >= max(gap, WINDOW) for a, b in itertools.pairwise(times))
