"""Erlang C staffing: worked examples checked by hand, an exact reference, and properties."""

from __future__ import annotations

import math
from datetime import datetime
from fractions import Fraction

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cxpulse.errors import ConfigError
from cxpulse.staffing import (
    ServiceTarget,
    agents_needed,
    average_speed_of_answer,
    erlang_b,
    erlang_c,
    occupancy,
    plan,
    service_level,
    traffic,
)


def exact_erlang_c(agents: int, erlangs: Fraction) -> Fraction:
    """The textbook formula in exact rational arithmetic (an independent reference):
    C = (A^N / N! . N / (N - A)) / (sum_{k<N} A^k / k! + A^N / N! . N / (N - A))."""
    top = erlangs**agents / math.factorial(agents) * Fraction(agents) / (agents - erlangs)
    return top / (sum(erlangs**k / math.factorial(k) for k in range(agents)) + top)


def test_small_example_by_hand() -> None:
    """A = 2 Erlangs, N = 3 agents.
    Erlang B recursion: B1 = 2/(1+2) = 2/3; B2 = (4/3)/(2+4/3) = 2/5; B3 = (4/5)/(3+4/5) = 4/19.
    C = N B / (N - A (1 - B)) = (12/19) / (3 - 30/19) = 12/27 = 4/9.
    Textbook sum: A^3/3! . 3/(3-2) = 4; 1 + 2 + 2 = 5; C = 4 / (5 + 4) = 4/9, the same.
    With AHT 60 s and t = 30 s: SL = 1 - 4/9 . e^(-(3-2) 30/60) = 1 - 0.44444 x 0.60653 =
    0.73043; ASA = 4/9 x 60 / (3 - 2) = 26.667 s; occupancy 2/3."""
    assert erlang_b(3, 2.0) == pytest.approx(4 / 19)
    assert erlang_c(3, 2.0) == pytest.approx(4 / 9)
    assert exact_erlang_c(3, Fraction(2)) == Fraction(4, 9)
    assert service_level(3, 2.0, 60, 30) == pytest.approx(0.73043, abs=1e-5)
    assert average_speed_of_answer(3, 2.0, 60) == pytest.approx(80 / 3)
    assert occupancy(3, 2.0) == pytest.approx(2 / 3)


def test_classic_360_calls_per_half_hour() -> None:
    """The classic worked example (360 calls per half hour, 4-minute calls, 55 agents, answer
    within 15 s), every number recomputed here rather than copied:
    A = 360 x 240 s / 1800 s = 48 Erlangs; occupancy 48 / 55 = 0.8727.
    C(55, 48) = 0.23870 (exact rational arithmetic, ``exact_erlang_c``).
    SL(15 s) = 1 - 0.23870 x e^(-(55 - 48) x 15 / 240) = 1 - 0.23870 x e^(-0.4375)
             = 1 - 0.23870 x 0.64565 = 1 - 0.15412 = 0.84588.
    ASA = 0.23870 x 240 / (55 - 48) = 8.184 s.
    Agents for 80 % in 15 s: 54 give 1 - 0.30131 x e^(-6 x 15/240) = 1 - 0.30131 x 0.68729 =
    0.79291 (short), so 55. For 80 % in 20 s: 54 give 1 - 0.30131 x e^(-0.5) = 0.81725 and
    53 give 1 - 0.37654 x e^(-5 x 20/240) = 1 - 0.37654 x 0.65924 = 0.75177, so 54."""
    a = traffic(360, 240, 1800)
    assert a == 48
    c55 = float(exact_erlang_c(55, Fraction(48)))
    assert c55 == pytest.approx(0.23870, abs=5e-6)
    assert erlang_c(55, a) == pytest.approx(c55, rel=1e-12)
    assert erlang_c(54, a) == pytest.approx(float(exact_erlang_c(54, Fraction(48))), rel=1e-12)
    assert service_level(55, a, 240, 15) == pytest.approx(0.84588, abs=1e-5)
    assert average_speed_of_answer(55, a, 240) == pytest.approx(8.184, abs=1e-3)
    exact = {"max_occupancy": 1.0, "shrinkage": 0.0}
    s15 = agents_needed(360, 240, 1800, ServiceTarget(0.80, 15), **exact)
    assert (s15.agents, s15.service_level) == (55, pytest.approx(0.84588, abs=1e-5))
    assert service_level(54, a, 240, 15) == pytest.approx(0.79291, abs=1e-5)
    s20 = agents_needed(360, 240, 1800, ServiceTarget(0.80, 20), **exact)
    assert (s20.agents, s20.service_level) == (54, pytest.approx(0.81725, abs=1e-5))
    assert service_level(53, a, 240, 20) == pytest.approx(0.75177, abs=1e-5)


def test_occupancy_cap_and_shrinkage() -> None:
    """Same traffic (48 Erlangs), 80/20: 54 agents would be busy 48/54 = 89 % of the time.
    A cap of 85 % needs at least 48 / 0.85 = 56.5, so 57 agents; with 30 % shrinkage,
    57 / 0.7 = 81.4, so 82 scheduled."""
    s = agents_needed(360, 240, 1800, ServiceTarget(0.8, 20), max_occupancy=0.85, shrinkage=0.3)
    assert (s.agents, s.scheduled) == (57, 82)
    assert s.occupancy == pytest.approx(48 / 57) and s.service_level > 0.9


def test_no_contacts_need_no_agents_and_bad_inputs_are_refused() -> None:
    assert agents_needed(0, 300, 1800, ServiceTarget(0.8, 20)).agents == 0
    assert ServiceTarget.parse("80/20") == ServiceTarget(0.8, 20)
    assert ServiceTarget.parse(" 90% / 15s ") == ServiceTarget(0.9, 15)
    for text, message in [("80-20", "PERCENT/SECONDS"), ("100/20", "between 0 and 100")]:
        with pytest.raises(ConfigError, match=message):
            ServiceTarget.parse(text)
    with pytest.raises(ConfigError, match="shrinkage"):
        agents_needed(10, 300, 1800, ServiceTarget(0.8, 20), shrinkage=1.0)
    with pytest.raises(ConfigError, match="above 0 seconds"):
        traffic(10, 0, 1800)
    assert erlang_c(5, 6.0) == 1.0 and service_level(5, 6.0, 300, 20) == 0.0
    assert math.isinf(average_speed_of_answer(5, 6.0, 300))


def test_large_teams_stay_finite() -> None:
    """Textbook A^N / N! overflows floats near N = 170; the recursion does not."""
    s = agents_needed(60_000, 300, 1800, ServiceTarget(0.8, 20))
    assert 10_000 < s.agents < 12_000 and 0 <= s.p_wait <= 1
    assert s.agents == math.ceil(10_000 / 0.85)  # the occupancy cap binds at this size


@given(
    erlangs=st.fractions(min_value=Fraction(1, 10), max_value=60, max_denominator=20),
    extra=st.integers(1, 25),
)
def test_recursion_matches_the_exact_formula(erlangs: Fraction, extra: int) -> None:
    agents = math.floor(erlangs) + extra
    assert erlang_c(agents, float(erlangs)) == pytest.approx(
        float(exact_erlang_c(agents, erlangs)), rel=1e-9
    )


@given(
    contacts=st.floats(1, 2_000),
    aht=st.floats(30, 900),
    share=st.floats(0.5, 0.95),
    seconds=st.floats(0, 60),
    cap=st.floats(0.6, 1.0),
)
def test_agents_needed_is_the_fewest_that_meet_the_target(
    contacts: float, aht: float, share: float, seconds: float, cap: float
) -> None:
    s = agents_needed(contacts, aht, 1800, ServiceTarget(share, seconds), max_occupancy=cap)
    assert s.service_level >= share and s.occupancy <= cap + 1e-9
    fewer = s.agents - 1
    assert (
        fewer <= s.traffic
        or service_level(fewer, s.traffic, aht, seconds) < share
        or s.traffic / fewer > cap
    )
    assert service_level(s.agents + 1, s.traffic, aht, seconds) >= s.service_level


def test_a_plan_staffs_each_interval() -> None:
    volumes = pd.DataFrame(
        {"interval_start": [datetime(2025, 1, 6, 9), datetime(2025, 1, 6, 9, 30)],
         "contacts": [360.0, 0.0]}
    )  # fmt: skip
    df = plan(volumes, 240, 1800, ServiceTarget(0.8, 20), max_occupancy=1.0, shrinkage=0.0)
    assert list(df.agents) == [54, 0] and df.service_level.iloc[0] == pytest.approx(81.725, 1e-4)
