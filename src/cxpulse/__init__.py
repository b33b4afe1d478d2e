"""cxpulse: customer-experience metrics on one timeline.

Notebook use::

    import cxpulse
    cxpulse.nps([3, 4, 5, 6, 8, 8, 8, 9, 10, 10])       # Estimate(value=-10, ...)
    ws = cxpulse.Workspace.open("cxpulse.duckdb")
    ws.metric("nps", by="month", segment="touchpoint")
"""

from cxpulse.errors import CxpulseError
from cxpulse.metrics import REGISTRY, Estimate, ces, csat, nps
from cxpulse.workspace import Workspace

__version__ = "0.1.0"

__all__ = ["REGISTRY", "CxpulseError", "Estimate", "Workspace", "ces", "csat", "nps"]
