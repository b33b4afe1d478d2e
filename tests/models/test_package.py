"""The package docstring is the entry point for notebook users: its example must run."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

import cxpulse.models


def test_docstring_example_runs(cdnow_transactions: pd.DataFrame, capsys) -> None:  # type: ignore[no-untyped-def]
    doc = cxpulse.models.__doc__
    assert doc is not None
    block = re.search(r"Notebook use::\n\n((?:    .*\n|\n)+)", doc)
    assert block is not None
    code = "\n".join(line[4:] for line in block.group(1).splitlines())
    # the CDNOW sample moved 27 years later (1997-01-01 becomes 2024-01-01)
    orders = cdnow_transactions.rename(columns={"date": "ordered_at", "value": "amount"})
    orders["ordered_at"] = orders["ordered_at"] + pd.DateOffset(years=27)
    scope: dict[str, object] = {"orders": orders}
    exec(code, scope)
    clv = scope["clv"]
    assert isinstance(clv, np.ndarray) and clv.shape == (2357,) and np.all(clv >= 0)
    assert "Holdout of 39" in capsys.readouterr().out


def test_public_names_are_exported() -> None:
    for name in cxpulse.models.__all__:
        assert hasattr(cxpulse.models, name), name


def test_the_models_package_still_answers_every_public_name() -> None:
    import cxpulse.models as models
    from cxpulse.models.beta_geo import BetaGeo

    assert models.BetaGeo is BetaGeo
    assert all(getattr(models, name) is not None for name in models.__all__)
    with pytest.raises(AttributeError):
        _ = models.NoSuchModel  # type: ignore[attr-defined]
