"""The package graph is layered as DESIGN.md says: the import contract of pyproject.toml
([tool.importlinter]) holds over the real import graph, imports inside functions included."""

from __future__ import annotations

import pkgutil
import subprocess
import sys
from pathlib import Path

from importlinter.api import read_configuration
from importlinter.cli import lint_imports

import cxpulse

PYPROJECT = Path(__file__).resolve().parents[1] / "pyproject.toml"


def test_the_import_contract_holds() -> None:
    """`lint-imports` passes; its report (printed) names every import that breaks a layer."""
    assert lint_imports(config_filename=str(PYPROJECT), no_cache=True, no_logo=True) == 0


def test_every_package_has_a_layer() -> None:
    """A new module of cxpulse must be placed in the contract, or it is not checked at all."""
    config = read_configuration(str(PYPROJECT))
    (layers,) = [c["layers"] for c in config["contracts_options"] if c["type"] == "layers"]
    layered = {
        name.strip().removeprefix("cxpulse.")
        for layer in layers
        for name in layer.replace(":", "|").split("|")
    }
    modules = {m.name for m in pkgutil.iter_modules(cxpulse.__path__)} - {"__main__"}
    assert modules - layered == set()
    assert layered - modules == set()  # nothing listed that does not exist


def test_the_web_app_does_not_load_typer(tmp_path: Path) -> None:
    """The web app is an edge of its own: building it (every router imported) loads neither
    the CLI nor Typer. A fresh interpreter, so nothing imported by other tests counts."""
    code = (
        "import sys\n"
        "from cxpulse import Workspace\n"
        "from cxpulse.web.app import create_app\n"
        f"create_app(Workspace.init({str(tmp_path / 'ws.duckdb')!r}), worker_interval=None)\n"
        "print(sorted(m for m in sys.modules if m == 'typer' or m.startswith(('typer.', "
        "'cxpulse.cli', 'cxpulse.main'))))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert done.stdout.strip().splitlines()[-1] == "[]"


def test_below_the_workspace_only_the_context_protocol_is_named() -> None:
    """The contract skips imports under TYPE_CHECKING; this catches the type-only ones: the
    layers below the Workspace name the narrow :class:`cxpulse.context.Context` instead."""
    src = Path(cxpulse.__file__).parent
    below = [
        "metrics",
        "sources",
        "ingest",
        "accounts",
        "store",
        "settings.py",
        "schema",
        "kinds.py",
    ]
    naming = sorted(
        str(path.relative_to(src))
        for part in below
        for path in ([src / part] if part.endswith(".py") else (src / part).rglob("*.py"))
        if "cxpulse.workspace import" in path.read_text(encoding="utf-8")
    )
    assert naming == []
