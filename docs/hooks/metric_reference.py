"""MkDocs hook: refuse to build while a generated metric page differs from the registry.

The pages under docs/metrics/ are committed (so they read well on the repository too) and
written by ``python -m cxpulse.metrics.reference``; this check is what keeps them from drifting.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mkdocs.exceptions import PluginError

from cxpulse.metrics.reference import stale_pages


def on_pre_build(config: Any) -> None:
    stale = stale_pages(Path(config["docs_dir"]) / "metrics")
    if stale:
        raise PluginError(
            f"docs/metrics/{', '.join(stale)} out of date with the metric registry: run "
            "`python -m cxpulse.metrics.reference` and commit the result"
        )
