"""Every example of the README runs as written, top to bottom, on a fresh demo workspace.

The ```bash blocks run in order in one temporary folder (shell state carried from block to
block); each ```python block runs with ``python`` in the same folder at its place in the page;
each complete survey or rule example (a ```yaml block starting with ``id:`` or ``name:``) is
saved under the file name the text before it gives (``support.yaml``), as a reader would save
it. The test runs whatever blocks the README holds: a new example is tested the day it is
written. Only the lines listed in ``NOT_RUN`` are left out, each with its reason.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.docs.shell_blocks import ROOT, Block, Ran, Shell, blocks, failure

README = ROOT / "README.md"


@dataclass(frozen=True)
class NotRun:
    pattern: str
    reason: str


NOT_RUN = (
    NotRun(r"^pip install -e '\.\[test\]'", "CI's own install and test command: this very suite"),
    NotRun(r"^cxpulse serve\b", "a server that runs until stopped (tests/web start it for real)"),
    NotRun(r"^cxpulse worker\b(?!.*--once)", "loops until stopped; `--once` examples do run"),
)
"""Lines of ```bash blocks that are not run. A line starting ``pip install PKG && ...`` runs
what follows the ``&&``: the package is installed already (CI installs it as the README says)."""

READER_FILES = {
    # `cxpulse import responses.csv ... --map "Note=score" --map "Date=responded_at"`
    "responses.csv": "response_id,question_type,Note,Date\nR1,nps,9,2025-11-03T10:00:00Z\n"
    "R2,nps,4,2025-11-04 09:30\n",
    # `ws.import_file("export.csv", "survey_responses", mapping={"Note": "score"})`
    "export.csv": "response_id,question_type,Note,responded_at\nE1,nps,10,2025-12-01T08:00:00Z\n",
}
"""The reader's own exports that examples import: the smallest files of the shape they name."""

STDIN = {"cxpulse user add": "correct-horse-battery\ncorrect-horse-battery\n"}
"""What the reader types when a command asks (the password, twice)."""

_PIP_PREFIX = re.compile(r"^pip install \S+ && ")
_YAML_NAME = re.compile(r"`([\w.-]+\.ya?ml)`")


def runnable(code: str) -> str:
    """The block as run: NOT_RUN lines become a comment saying why."""
    lines = []
    for line in code.splitlines():
        skip = next((n for n in NOT_RUN if re.search(n.pattern, line.strip())), None)
        lines.append(f"# not run here: {skip.reason}" if skip else _PIP_PREFIX.sub("", line))
    return "\n".join(lines) + "\n"


def example_files(text: str) -> dict[str, str]:
    """Complete YAML examples, by the file name the paragraph before them gives."""
    files = {}
    previous_end = 0
    for m in re.finditer(r"^```yaml\n(.*?)^```", text, re.MULTILINE | re.DOTALL):
        body = m.group(1)
        names = _YAML_NAME.findall(text[previous_end : m.start()])
        previous_end = m.end()
        if body.startswith(("id:", "name:")) and names:
            files[names[-1]] = body
    return files


def _steps(text: str) -> list[Block]:
    found = blocks(text, "bash") + blocks(text, "python")
    return sorted(found, key=lambda b: b.line)


def _run(shell: Shell, folder: Path, step: Block) -> Ran:
    if step.language == "python":
        script = folder / f"readme_line_{step.line}.py"
        script.write_text(step.code, encoding="utf-8")
        return shell.run(Block("bash", f"python {script.name}\n", step.line))
    stdin = next((v for k, v in STDIN.items() if k in step.code), None)
    return shell.run(Block("bash", runnable(step.code), step.line), stdin=stdin)


@pytest.mark.slow
def test_every_readme_example_runs_as_written(tmp_path: Path) -> None:
    text = README.read_text(encoding="utf-8")
    folder = tmp_path / "reader"
    folder.mkdir()
    for name, content in {**READER_FILES, **example_files(text)}.items():
        (folder / name).write_text(content, encoding="utf-8")
    shell = Shell(folder)
    runs = []
    for step in _steps(text):
        ran = _run(shell, folder, step)
        assert ran.returncode == 0, failure(ran)
        runs.append(ran)
    assert (folder / "cxpulse-demo.duckdb").exists()  # the first block built the demo
    assert len(runs) >= 5  # the blocks were found


def test_the_complete_examples_are_saved_under_the_names_the_readme_uses() -> None:
    """A complete survey or rule example is named in the text before it, and that name is
    added by a command of a ```bash block (else the README never shows it being used)."""
    text = README.read_text(encoding="utf-8")
    complete = [b for b in blocks(text, "yaml") if b.code.startswith(("id:", "name:"))]
    files = example_files(text)
    assert len(files) == len(complete)
    commands = "".join(b.code for b in blocks(text, "bash"))
    for name in files:
        assert re.search(rf"cxpulse (surveys|rules) add {re.escape(name)}\b", commands), name


def test_not_run_lines_are_only_those_listed() -> None:
    code = (
        "pip install . && cxpulse demo\n"
        "pip install -e '.[test]' && ruff check . && pytest\n"
        "cxpulse serve --port 8000    # one process\n"
        "cxpulse worker\n"
        "cxpulse worker --once\n"
    )
    assert runnable(code).splitlines() == [
        "cxpulse demo",
        "# not run here: " + NOT_RUN[0].reason,
        "# not run here: " + NOT_RUN[1].reason,
        "# not run here: " + NOT_RUN[2].reason,
        "cxpulse worker --once",
    ]
