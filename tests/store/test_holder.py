"""Telling a running `cxpulse serve` from any other holder of a workspace file, and its URL."""

from __future__ import annotations

import os

import pytest

from cxpulse.store.holder import serve_url, serve_url_of


@pytest.mark.parametrize(
    ("argv", "url"),
    [
        (["/venv/bin/python", "/venv/bin/cxpulse", "serve"], "http://127.0.0.1:8000"),
        (["python", "-m", "cxpulse", "serve", "--port", "8001"], "http://127.0.0.1:8001"),
        (["cxpulse", "serve", "--host=0.0.0.0", "--port=9000", "-w", "x.duckdb"],
         "http://127.0.0.1:9000"),  # listening everywhere: reached locally
        (["cxpulse", "serve", "--host", "10.0.0.5"], "http://10.0.0.5:8000"),
        (["cxpulse", "serve", "--host", "::1"], "http://[::1]:8000"),
        (["cxpulse", "metric", "nps"], None),
        (["python", "-c", "import cxpulse"], None),
        (["python", "serve.py"], None),
        ([], None),
    ],
)  # fmt: skip
def test_serve_url_of_a_command_line(argv: list[str], url: str | None) -> None:
    assert serve_url_of(argv) == url


def test_this_process_is_not_a_server() -> None:
    assert serve_url(os.getpid()) is None  # pytest's own command line
    assert serve_url(2**22 + 7) is None  # no such process
