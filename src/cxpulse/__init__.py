"""cxpulse: customer-experience metrics on one timeline.

Notebook use::

    import cxpulse
    cxpulse.nps([3, 4, 5, 6, 8, 8, 8, 9, 10, 10])       # Estimate(value=-10, ...)
    ws = cxpulse.Workspace.open("cxpulse.duckdb")
    ws.metric("nps", by="month", segment="touchpoint")
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # for type checkers and editors; at run time each name loads on first use
    from cxpulse.errors import CxpulseError
    from cxpulse.metrics import REGISTRY, Estimate, ces, csat, nps
    from cxpulse.workspace import Workspace

__version__ = "0.1.0"

__all__ = ["REGISTRY", "CxpulseError", "Estimate", "Workspace", "ces", "csat", "nps"]

# public name -> the module defining it. Importing cxpulse (as `cxpulse --help` and every
# subpackage import do) loads none of them: the metrics pull in numpy and pandas, the workspace
# Ibis and DuckDB, which a command that does not need them should not pay for.
_HOMES = {
    "CxpulseError": "cxpulse.errors",
    "REGISTRY": "cxpulse.metrics",
    "Estimate": "cxpulse.metrics",
    "ces": "cxpulse.metrics",
    "csat": "cxpulse.metrics",
    "nps": "cxpulse.metrics",
    "Workspace": "cxpulse.workspace",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'cxpulse' has no attribute {name!r}")
    value = getattr(import_module(home), name)
    globals()[name] = value  # looked up once; later uses are plain attribute reads
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
