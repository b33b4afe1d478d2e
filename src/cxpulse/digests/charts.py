"""The digest's charts as PNG images, drawn on the server.

Mail clients run no JavaScript and many block SVG, so a chart in an email is a PNG: drawn here
by matplotlib's Agg backend (no display, no browser, no download; matplotlib is imported on
the first chart only, since it costs about half a second). Each chart is small (600 x 220
pixels at 2x for sharp screens) and self-explanatory: its title says what it shows.
"""

from __future__ import annotations

import importlib.util
import io
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from cxpulse.errors import ConfigError

_LOCK = threading.Lock()  # pyplot's state is global: one figure at a time
GREY, INK = "#8c959f", "#24292f"


@dataclass(frozen=True)
class Chart:
    name: str  # unique in the message: the image's Content-ID and file name
    png: bytes
    alt: str  # what the chart says, for readers without images


def check() -> None:
    """Refuse early (adding a digest) when matplotlib is missing, with how to install it."""
    if importlib.util.find_spec("matplotlib") is None:
        raise ConfigError(
            "digests draw their charts with matplotlib, which is not installed: "
            "pip install 'cxpulse[digests]'"
        )


def _pyplot() -> Any:
    check()
    import matplotlib

    matplotlib.use("Agg", force=True)  # never a display, whatever MPLBACKEND says
    import matplotlib.pyplot as plt

    return plt


def trend(
    name: str,
    title: str,
    labels: Sequence[str],
    values: Sequence[float | None],
    lows: Sequence[float | None],
    highs: Sequence[float | None],
    alt: str,
) -> Chart:
    """A metric over the last periods with its interval band; the last point is the period
    the digest is about, drawn larger."""
    with _LOCK:
        plt = _pyplot()
        fig, ax = plt.subplots(figsize=(6, 2.2), dpi=100)
        try:
            xs = list(range(len(labels)))
            ys = [float("nan") if v is None else v for v in values]
            lo = [float("nan") if v is None else v for v in lows]
            hi = [float("nan") if v is None else v for v in highs]
            ax.fill_between(xs, lo, hi, color=GREY, alpha=0.25, linewidth=0)
            ax.plot(xs, ys, color=INK, linewidth=1.5, marker="o", markersize=3)
            if xs:
                ax.plot(xs[-1:], ys[-1:], color=INK, marker="o", markersize=7)
            ax.set_title(title, fontsize=10, loc="left", color=INK)
            step = max(1, len(labels) // 6)
            ax.set_xticks(xs[::step], [labels[i] for i in xs[::step]], fontsize=7)
            ax.tick_params(axis="y", labelsize=7)
            for side in ("top", "right"):
                ax.spines[side].set_visible(False)
            fig.tight_layout()
            return Chart(name, _png(fig), alt)
        finally:
            plt.close(fig)


def _png(fig: Any) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=200)
    return buf.getvalue()
