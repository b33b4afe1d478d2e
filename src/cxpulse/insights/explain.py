"""Where a total change comes from: its rate/mix decomposition over each drill dimension
(:mod:`cxpulse.metrics.mix`'s shift-share) as evidence, and the mix flag as a caveat.

The flag is the scorecard's (:attr:`cxpulse.metrics.mix.MixShift.flag`): one mechanism says
"the total moved the other way from its segments" (Simpson's paradox) or "mostly mix"
wherever a change is shown.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from cxpulse.insights.findings import (
    NNBSP,
    Caveat,
    Text,
    change_text,
    dimension_name,
    number,
    percent,
)
from cxpulse.metrics import mix
from cxpulse.metrics.mix import MixShift, SegmentShift
from cxpulse.metrics.spec import MetricSpec

TOP_SEGMENTS = 5
"""Segments kept per dimension in the evidence, the largest contributions first."""


@dataclass(frozen=True)
class Explained:
    evidence: list[dict[str, Any]]
    caveats: list[Caveat]


def decompositions(shifts: Sequence[MixShift | None]) -> Explained:
    """Evidence and caveats of a total change's decompositions, the dimension whose segment
    stands out most first (:func:`excess`)."""
    # a dimension of one segment (every answer without an agent) says nothing of where
    kept = sorted(
        (s for s in shifts if s is not None and len(s.segments) >= 2),
        key=lambda s: (-max(excess(x, s) for x in _named(s)), s.dimension),
    )
    caveats = [c for c in map(mix_caveat, kept) if c is not None]
    return Explained([evidence(s) for s in kept], caveats)


def shift_from_stats(
    spec: MetricSpec,
    dimension: str,
    labels: tuple[str, str],
    stats: tuple[pd.DataFrame, pd.DataFrame],
    confidence: float,
) -> MixShift | None:
    """:func:`cxpulse.metrics.mix.decompose` of the default variant over ``dimension`` from
    the per-group statistics of both periods (before, after) already read: the same
    shift-share, without reading them again."""
    var = spec.default
    before, after = (mix._values(s, var, dimension, confidence) for s in stats)
    return mix._shift_share(
        spec.name, var.name, dimension, labels[0], labels[1], before, after, spec.unit
    )


def _named(shift: MixShift) -> list[SegmentShift]:
    """The segments that name a group ("(none)": rows without the column, e.g. answers no
    agent handled, says where only by elimination), or all when none does."""
    named = [s for s in shift.segments if s.segment != mix.NONE_LABEL]
    return named or shift.segments


def excess(segment: SegmentShift, shift: MixShift) -> float:
    """How much more of the change a segment carries than its share of the answers would,
    counted in the change's direction: its contribution minus that share of the total
    change, positive when it moved the same way more. A segment holding 90 % of the
    answers carries about 90 % of any change and says nothing of where it comes from; a
    touchpoint with a fifth of the answers carrying all of the drop does (and one that
    held steady while the rest fell is negative: it is not where the drop comes from)."""
    share = (segment.weight_before + segment.weight_after) / 2
    carried = segment.rate_effect + segment.mix_effect - share * shift.change
    return carried if shift.change >= 0 else -carried


def evidence(shift: MixShift) -> dict[str, Any]:
    """A decomposition as JSON-ready evidence: the effects and the top segments."""
    return {
        "type": "decomposition",
        "dimension": shift.dimension,
        "unit": shift.unit,
        "method": shift.method,
        "rate_effect": shift.rate_effect,
        "mix_effect": shift.mix_effect,
        "flag": shift.flag,
        "segments": [  # the segments that stand out most first
            {
                "segment": s.segment,
                "contribution": s.rate_effect + s.mix_effect,
                "excess": excess(s, shift),
                "rate_effect": s.rate_effect,
                "mix_effect": s.mix_effect,
                "value_before": s.value_before,
                "value_after": s.value_after,
                "weight_before": s.weight_before,
                "weight_after": s.weight_after,
                "n_before": s.n_before,
                "n_after": s.n_after,
            }
            for s in sorted(
                shift.segments,
                key=lambda s: (s.segment == mix.NONE_LABEL, -excess(s, shift)),
            )[:TOP_SEGMENTS]
        ],
    }


def origin(evidence: dict[str, Any], lang: str) -> str | None:
    """One line saying which segment of a decomposition carries the change most (None when
    the evidence is not a decomposition): "Largest part: touchpoint delivery (−18.3 points)"."""
    if evidence.get("type") != "decomposition" or not evidence["segments"]:
        return None
    top = evidence["segments"][0]
    dim = dimension_name(evidence["dimension"], lang)
    amount = number(top["contribution"], lang)
    unit = change_text(1, evidence["unit"], lang).removeprefix(number(1, lang))
    if lang == "fr":
        return f"Principale part{NNBSP}: {dim} {top['segment']} ({amount}{unit})"
    return f"Largest part: {dim} {top['segment']} ({amount}{unit})"


def mix_caveat(shift: MixShift) -> Caveat | None:
    """The mix flag of a decomposition in both languages (None when it has none). Simpson's
    paradox ("the total moved only because of the mix") is claimed only when the rate effect
    is known to point the other way: its interval excludes 0, when it has one (quantiles
    have none); a rate effect that could be 0 makes the change "mostly mix", no more."""
    flag = shift.flag
    if flag is None:
        return None
    low, high = shift.rate_ci_low, shift.rate_ci_high
    if flag == "opposite" and low is not None and high is not None and low <= 0 <= high:
        flag = "mostly_mix"
    en_dim, fr_dim = dimension_name(shift.dimension, "en"), dimension_name(shift.dimension, "fr")
    grew = max(shift.segments, key=lambda s: s.weight_after - s.weight_before)
    moved_en = moved_fr = ""
    if grew.weight_after > grew.weight_before:
        a, b = grew.weight_before * 100, grew.weight_after * 100
        moved_en = f" ({grew.segment} went from {percent(a, 'en')} to {percent(b, 'en')})"
        moved_fr = f" ({grew.segment} est passé de {percent(a, 'fr')} à {percent(b, 'fr')})"
    up = shift.rate_effect > 0
    steady_en = (
        f"at {shift.previous_period}'s {en_dim} mix it would have {'risen' if up else 'fallen'} "
        f"{change_text(shift.rate_effect, shift.unit, 'en')}"
    )
    steady_fr = (
        f"à la répartition de {shift.previous_period}, il aurait "
        f"{'augmenté' if up else 'baissé'} de {change_text(shift.rate_effect, shift.unit, 'fr')}"
    )
    if flag == "opposite":
        total_up = shift.change > 0
        return Caveat(
            "opposite",
            Text(
                f"Mix shift: the total {'rose' if total_up else 'fell'} only because the "
                f"{en_dim} mix changed{moved_en}; {steady_en}.",
                f"Effet de composition{NNBSP}: le total a {'augmenté' if total_up else 'baissé'}"
                f" uniquement parce que la répartition par {fr_dim} a changé{moved_fr}{NNBSP}; "
                f"{steady_fr}.",
            ),
        )
    share = abs(shift.mix_effect) / (abs(shift.mix_effect) + abs(shift.rate_effect)) * 100
    return Caveat(
        "mix",
        Text(
            f"Mostly a mix shift: {percent(share, 'en')} of the change comes from the {en_dim} "
            f"mix{moved_en}; {steady_en}.",
            f"Surtout un effet de composition{NNBSP}: {percent(share, 'fr')} de la variation "
            f"vient de la répartition par {fr_dim}{moved_fr}{NNBSP}; {steady_fr}.",
        ),
    )
