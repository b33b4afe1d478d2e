"""Which scores count as promoter, satisfied, easy or hard, for each scale length.

One table of thresholds, read both by the Ibis expressions of the engine and by the plain-Python
functions of the notebook API, so the two can never disagree.
"""

from __future__ import annotations

from typing import Any

from cxpulse.errors import QueryError

NPS_PROMOTER_MIN = 9
NPS_DETRACTOR_MAX = 6  # a 6 IS a detractor

# Satisfied boxes by scale length (scale_max, scale starting at 1).
CSAT_TOP2_MIN = {3: 3, 5: 4, 7: 6, 10: 9}  # a 3-point scale has one box above neutral
CSAT_ABOVE_NEUTRAL_MIN = {3: 3, 5: 4, 7: 5, 10: 6}  # Zendesk: the neutral answer counts as bad

# CES, after turning every answer into "high = easy" on a scale starting at 1.
CES_EASY_MIN = {5: 4, 7: 5}
CES_HARD_MAX = {5: 2, 7: 3}


def lookup(table: dict[int, int], scale_max: int, what: str) -> int:
    try:
        return table[int(scale_max)]
    except KeyError:
        allowed = ", ".join(str(k) for k in table)
        raise QueryError(f"{what} is defined on {allowed}-point scales, not {scale_max}") from None


def lookup_expr(table: dict[int, int], scale_max: Any) -> Any:
    """The same lookup as an Ibis CASE over a column (NULL for an unknown scale)."""
    import ibis

    return ibis.cases(*[(scale_max == k, v) for k, v in table.items()], else_=ibis.null())


def ease_score(score: Any, scale_min: Any, scale_max: Any, polarity: Any) -> Any:
    """Turn a CES answer into "high = easy", for Ibis expressions and plain numbers alike."""
    flipped = scale_min + scale_max - score
    if isinstance(polarity, str):
        return flipped if polarity == "high_is_hard" else score
    return (polarity == "high_is_hard").ifelse(flipped, score)
