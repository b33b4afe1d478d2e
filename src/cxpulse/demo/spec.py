"""How big the demo company is at a given scale.

Scale 1 is a mid-sized direct-to-consumer business: about 100k customers, 2.5M survey
invitations (1M answered, a 40 % response rate), 500k support tickets and 10M website hits over
two years. Every volume grows linearly with the scale; the CLI default 0.05 builds in seconds.
"""

from __future__ import annotations

from dataclasses import dataclass

# Volumes at scale 1. Subscriptions and loyalty entries are not targets: they follow from the
# customers (plan changes, second subscriptions, reactivations) and from the orders.
_AT_SCALE_1 = {
    "customers": 100_000,
    "orders": 400_000,
    "survey_invitations": 2_500_000,
    "survey_responses": 1_000_000,
    "tickets": 500_000,
    "web_events": 10_000_000,
    "mentions": 40_000,
}


@dataclass(frozen=True)
class DemoSpec:
    """Target row counts for one scale (the generated counts land within a few percent)."""

    scale: float
    customers: int
    orders: int
    survey_invitations: int
    survey_responses: int
    tickets: int
    web_events: int
    mentions: int
    months: int = 24

    @classmethod
    def for_scale(cls, scale: float = 0.05) -> DemoSpec:
        if not scale > 0:
            raise ValueError(f"scale must be positive, got {scale}")
        sizes = {k: max(20, round(v * scale)) for k, v in _AT_SCALE_1.items()}
        return cls(scale=scale, **sizes)

    @property
    def response_rate(self) -> float:
        return self.survey_responses / self.survey_invitations
