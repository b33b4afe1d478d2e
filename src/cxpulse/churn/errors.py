"""Errors of the churn package."""

from __future__ import annotations

from cxpulse.errors import CxpulseError


class ChurnDataError(CxpulseError, ValueError):
    """The data given to a churn model cannot be used (missing column, one class, bad label)."""
