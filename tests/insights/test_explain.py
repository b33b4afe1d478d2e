"""mix_caveat: Simpson's paradox is claimed only when the rate effect is known to point the
other way (its interval excludes 0, when it has one)."""

from __future__ import annotations

import pytest

from cxpulse.insights.explain import mix_caveat
from cxpulse.metrics.mix import MixShift, SegmentShift


def shift(low: float | None, high: float | None) -> MixShift:
    """CSAT fell 5 points only because delivery grew; inside, the rate rose 1 point."""
    segments = [
        SegmentShift("support", 0.5, 0.25, 80.0, 81.0, 0.25, -6.0),
        SegmentShift("delivery", 0.5, 0.75, 60.0, 61.0, 0.75, 0.0),
    ]
    return MixShift(
        "csat", "top2", "touchpoint", "2025-11", "2025-10", 65.0, 70.0, 1.0, -6.0,
        "shift_share", "%", segments, rate_ci_low=low, rate_ci_high=high,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("low", "high", "code"),
    [(0.2, 1.8, "opposite"), (None, None, "opposite"), (-0.5, 2.5, "mix"), (0.0, 2.0, "mix")],
)
def test_simpson_only_when_the_rate_effect_interval_excludes_zero(
    low: float | None, high: float | None, code: str
) -> None:
    s = shift(low, high)
    assert s.flag == "opposite"  # the decomposition's own flag is unchanged
    caveat = mix_caveat(s)
    assert caveat is not None and caveat.code == code
    if code == "mix":
        assert caveat.text("en").startswith("Mostly a mix shift: ")
        assert caveat.text("fr").startswith("Surtout un effet de composition\u202f: ")
    else:
        assert caveat.text("en").startswith("Mix shift: the total fell only because")
