"""Survey metrics on plain sequences, for notebooks: ``cxpulse.nps([9, 10, 6])``.

Same thresholds (:mod:`scales`) and statistics (:mod:`stats`) as the engine, so a number
computed here equals the engine's for the same answers.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import numpy.typing as npt

from cxpulse.errors import InvalidScores
from cxpulse.metrics import scales, stats
from cxpulse.metrics.spec import REGISTRY
from cxpulse.metrics.stats import Estimate

POLARITIES = ("high_is_easy", "high_is_hard")


def _scores(values: Iterable[Any], lo: int, hi: int, what: str) -> npt.NDArray[np.float64]:
    """Answered scores as floats; missing answers (None/NaN) are dropped, others checked."""
    arr = np.asarray([np.nan if v is None else v for v in values], dtype=object)
    try:
        num = arr.astype(np.float64)
    except (TypeError, ValueError):
        bad = next(v for v in arr if not _is_number(v))
        raise InvalidScores(f"{what} scores must be numbers; got {bad!r}") from None
    num = num[~np.isnan(num)]
    wrong = num[(num < lo) | (num > hi) | (num != np.round(num))]
    if wrong.size:
        raise InvalidScores(f"{what} scores are whole numbers from {lo} to {hi}; got {wrong[0]:g}")
    return num


def _is_number(v: Any) -> bool:
    try:
        float(v)
    except (TypeError, ValueError):
        return False
    return True


def _definition(metric: str, variant: str) -> str:
    return f"{metric} ({variant}): {REGISTRY.get(metric).variant(variant).definition}"


def nps(scores: Iterable[Any], *, variant: str = "default", confidence: float = 0.95) -> Estimate:
    """Net Promoter Score of 0-10 answers, -100..100, with an adjusted-Wald (or ``wald``)
    interval."""
    REGISTRY.get("nps").variant(variant)
    if variant == "account":
        raise InvalidScores("the account variant needs accounts; use Workspace.metric")
    s = _scores(scores, 0, 10, "NPS")
    n, p, d = s.size, int((s >= scales.NPS_PROMOTER_MIN).sum()), int((s <= 6).sum())
    return _nps_like(n, p, d, variant != "wald", confidence, _definition("nps", variant))


def _nps_like(n: int, p: int, d: int, adjusted: bool, conf: float, definition: str) -> Estimate:
    value = float(stats.nps_point(n, p, d)) * 100
    low, high = stats.nps_interval(n, p, d, confidence=conf, adjusted=adjusted)
    return Estimate(value, float(low) * 100, float(high) * 100, n, definition)


def _share(n: int, k: int, conf: float, definition: str) -> Estimate:
    low, high = stats.wilson_interval(n, k, confidence=conf)
    value = float(stats.share_point(n, k)) * 100
    return Estimate(value, float(low) * 100, float(high) * 100, n, definition)


def _mean(
    s: npt.NDArray[np.float64], conf: float, definition: str, lo: float, hi: float
) -> Estimate:
    """Mean score with a t interval kept within the scale ``lo``..``hi``."""
    n, total, total_sq = s.size, float(s.sum()), float((s * s).sum())
    low, high = stats.t_interval(n, total, total_sq, confidence=conf, lo=lo, hi=hi)
    return Estimate(float(stats.mean_point(n, total)), float(low), float(high), n, definition)


def csat(
    scores: Iterable[Any], *, scale: int = 5, variant: str = "default", confidence: float = 0.95
) -> Estimate:
    """CSAT of answers on a 1..``scale`` question: % in the top two boxes by default."""
    REGISTRY.get("csat").variant(variant)
    if scale not in scales.CSAT_TOP2_MIN:
        raise InvalidScores(f"a CSAT scale has 3, 5, 7 or 10 points, not {scale}")
    s = _scores(scores, 1, scale, "CSAT")
    definition = _definition("csat", variant)
    if variant == "mean":
        return _mean(s, confidence, definition, 1, scale)
    good_min = {
        "default": scales.CSAT_TOP2_MIN[scale],
        "top1": scale,
        "zendesk": scales.CSAT_ABOVE_NEUTRAL_MIN[scale],
    }[variant]
    return _share(s.size, int((s >= good_min).sum()), confidence, definition)


def ces(
    scores: Iterable[Any],
    *,
    scale: int = 7,
    polarity: str = "high_is_easy",
    variant: str = "default",
    confidence: float = 0.95,
) -> Estimate:
    """Customer effort of answers on 1..``scale`` (5 or 7): % easy by default."""
    REGISTRY.get("ces").variant(variant)
    if scale not in scales.CES_EASY_MIN:
        raise InvalidScores(f"a CES scale has 5 or 7 points, not {scale}")
    if polarity not in POLARITIES:
        raise InvalidScores(f"polarity must be one of {', '.join(POLARITIES)}, not {polarity!r}")
    s = scales.ease_score(_scores(scores, 1, scale, "CES"), 1, scale, polarity)
    definition = _definition("ces", variant)
    easy = int((s >= scales.CES_EASY_MIN[scale]).sum())
    if variant == "mean":
        return _mean(s, confidence, definition, 1, scale)
    if variant == "nes":
        hard = int((s <= scales.CES_HARD_MAX[scale]).sum())
        return _nps_like(s.size, easy, hard, True, confidence, definition)
    return _share(s.size, easy, confidence, definition)
