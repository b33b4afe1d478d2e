"""The package's public names: importable as before, loaded only when first used."""

from __future__ import annotations

import subprocess
import sys

import pytest

import cxpulse


def test_importing_cxpulse_loads_no_library() -> None:
    code = (
        "import sys, cxpulse, cxpulse.errors\n"
        "heavy = {'numpy', 'pandas', 'scipy', 'ibis', 'duckdb', 'cxpulse.metrics'}\n"
        "print(sorted(heavy & set(sys.modules)))"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.strip() == "[]"


def test_every_public_name_resolves_to_its_home() -> None:
    from cxpulse import REGISTRY, CxpulseError, Estimate, Workspace, ces, csat, nps
    from cxpulse.errors import CxpulseError as home_error
    from cxpulse.metrics import REGISTRY as home_registry
    from cxpulse.workspace import Workspace as home_workspace

    assert (CxpulseError, REGISTRY, Workspace) == (home_error, home_registry, home_workspace)
    assert isinstance(nps([3, 4, 5, 6, 8, 8, 8, 9, 10, 10]), Estimate)
    assert callable(ces) and callable(csat)
    assert set(cxpulse.__all__) <= set(dir(cxpulse))


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        _ = cxpulse.nope  # type: ignore[attr-defined]


def test_help_of_the_package_shows_the_public_names() -> None:
    import pydoc

    text = pydoc.render_doc(cxpulse, renderer=pydoc.plaintext)
    assert "class Workspace" in text and "nps(scores" in text and "class CxpulseError" in text
