"""Run the fenced code blocks of a Markdown page the way a reader would: in order, in one folder,
with the shell state (exported variables, the current directory) carried from block to block."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).parents[2]

_FENCE = re.compile(r"^```(\w*)[^\n]*\n(.*?)^```[ \t]*$", re.MULTILINE | re.DOTALL)


@dataclass(frozen=True)
class Block:
    language: str
    code: str
    line: int
    """Line of the opening fence in the page (1-based), for failure messages."""

    def __str__(self) -> str:
        first = self.code.strip().splitlines()[0] if self.code.strip() else ""
        return f"line {self.line}: {first}"


@dataclass(frozen=True)
class Ran:
    block: Block
    returncode: int
    stdout: str
    stderr: str
    seconds: float


def blocks(text: str, language: str) -> list[Block]:
    """The fenced blocks of ``language`` (```bash, ```python), in page order."""
    return [
        Block(m.group(1), m.group(2), text.count("\n", 0, m.start()) + 1)
        for m in _FENCE.finditer(text)
        if m.group(1) == language
    ]


def shell_env(home: Path) -> dict[str, str]:
    """The environment of a reader who installed cxpulse: this interpreter's scripts first on
    PATH (where ``pip install`` put ``cxpulse``), no workspace chosen, English messages."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CXPULSE_")}
    scripts = str(Path(sys.executable).parent)
    env["PATH"] = scripts + os.pathsep + env.get("PATH", "")
    env["HOME"] = str(home)
    env["COLUMNS"] = "200"  # rich wraps tables at 80 columns without a terminal
    env["LC_ALL"] = env["LANG"] = "C.UTF-8"
    # Examples name real services (a Slack webhook): nothing may leave the machine, so any
    # HTTP request a command makes goes to a closed local port and fails there.
    for key in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"):
        env[key] = "http://127.0.0.1:9"
    for key in ("no_proxy", "NO_PROXY"):
        env.pop(key, None)
    return env


class Shell:
    """Blocks run one after another, each in its own ``bash -e``, in ``folder``; what a block
    exports and where it ``cd``s to carry over to the next, as in one terminal session."""

    def __init__(self, folder: Path, timeout: float = 300) -> None:
        self.folder = folder
        self.timeout = timeout
        self._state = folder.parent / f".{folder.name}-shell-state"
        self._state.write_text(f"cd {_quote(str(folder))}\n", encoding="utf-8")
        self.env = shell_env(folder.parent)

    def run(self, block: Block, stdin: str | None = None) -> Ran:
        """Run one block; ``stdin`` is what the reader types (a password), else nothing."""
        script = (
            f"source {_quote(str(self._state))}\n"
            f"trap 'export -p > {_quote(str(self._state))}; "
            f'echo "cd $(printf %q "$PWD")" >> {_quote(str(self._state))}\' EXIT\n'
            "set -eo pipefail\n" + block.code
        )
        start = time.perf_counter()
        proc = subprocess.run(
            ["bash", "-c", script],
            cwd=self.folder,
            env=self.env,
            input=stdin or "",
            capture_output=True,
            start_new_session=True,  # no terminal: prompts read the standard input
            text=True,
            timeout=self.timeout,
        )
        return Ran(block, proc.returncode, proc.stdout, proc.stderr, time.perf_counter() - start)


def _quote(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"


def failure(ran: Ran) -> str:
    return (
        f"block at {ran.block} exited {ran.returncode}\n--- stdout ---\n{ran.stdout[-3000:]}"
        f"\n--- stderr ---\n{ran.stderr[-3000:]}"
    )
