"""The documentation builds with `mkdocs build --strict` (every link and anchor resolves, every
page is in the navigation) and the built site loads nothing from another host."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.docs.shell_blocks import ROOT

pytest.importorskip("mkdocs", reason="the docs extra: pip install -e '.[docs]'")
pytest.importorskip("material", reason="the docs extra: pip install -e '.[docs]'")

# A resource the browser fetches by itself when the page is shown (not a link a reader clicks).
_REMOTE_LOAD = re.compile(
    r"<(?:script|img|iframe)\b[^>]*\ssrc=\"(?:https?:)?//"
    r"|<link\b[^>]*\shref=\"(?:https?:)?//"
    r"|@import\s+url\((?:['\"])?(?:https?:)?//"
)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site")
    env = os.environ | {"NO_MKDOCS_2_WARNING": "1"}
    proc = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return out


def test_the_docs_build_strictly(site: Path) -> None:
    for page in ("index", "tutorial", "worked-examples", "sources", "metrics/support"):
        assert (site / page / "index.html").is_file() or (site / f"{page}.html").is_file(), page
    assert (site / "tutorial" / "customers.csv").is_file()  # the tutorial's downloads ship


def test_the_built_site_loads_nothing_from_another_host(site: Path) -> None:
    offenders = [
        f"{path.relative_to(site)}: {m.group(0)}"
        for path in [*site.rglob("*.html"), *site.rglob("*.css")]
        for m in _REMOTE_LOAD.finditer(path.read_text(encoding="utf-8", errors="replace"))
    ]
    assert offenders == []
    pages = [p.read_text(encoding="utf-8", errors="replace") for p in site.rglob("*.html")]
    assert not any("fonts.googleapis" in page for page in pages)


def test_the_project_refers_to_its_own_docs_not_to_private_notes() -> None:
    """The metric reference lives in docs/; the team's private notes are not shipped."""
    hits = [
        f"{path.relative_to(ROOT)}"
        for folder in ("src", "docs", "tests")
        for path in (ROOT / folder).rglob("*")
        if path.suffix in {".py", ".md", ".yaml", ".yml", ".html", ".txt"}
        and "METRICS" + ".md" in path.read_text(encoding="utf-8", errors="replace")
    ]
    if "METRICS" + ".md" in (ROOT / "README.md").read_text(encoding="utf-8"):
        hits.append("README.md")
    assert hits == []
