"""Errors and warnings of the CLV models.

Both errors follow the cxpulse rule: a child of :class:`~cxpulse.errors.CxpulseError` that also
inherits the builtin it resembles, so ``except ValueError`` in a notebook keeps working.
"""

from __future__ import annotations

from cxpulse.errors import CxpulseError


class ModelInputError(CxpulseError, ValueError):
    """The data given to a model or to :func:`rfm_summary` cannot be used as they are."""


class NotFittedError(CxpulseError, AttributeError):
    """A prediction was asked of a model that has not been fitted yet.

    It is an ``AttributeError`` as in scikit-learn, so ``hasattr(model, "params_")`` is a quick
    test of whether a model is fitted.
    """


class ConvergenceWarning(UserWarning):
    """The likelihood maximisation did not end cleanly; the message lists what to try."""


class ShortHistoryError(ModelInputError):
    """A metric has too few complete periods to forecast; the message says how many it needs."""
