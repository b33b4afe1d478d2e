"""One comment template (shared by the English and French banks)."""

from __future__ import annotations

from typing import NamedTuple


class Template(NamedTuple):
    feeling: str  # neg, mixed or pos
    theme: str  # delivery, price, support, app, refund, quality, checkout, help, onboarding,
    # general
    text: str
    plain: bool = False  # no opener or closer around it (sarcasm)
