"""`cxpulse user`, `cxpulse token` and `cxpulse serve` as a user runs them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from cxpulse import Workspace
from cxpulse.main import app
from tests.conftest import add_rows
from tests.web.conftest import free_port

runner = CliRunner()


def _run(*args: str, env: dict[str, str] | None = None) -> object:
    return runner.invoke(app, list(args), env=env)


def test_user_add_list_and_set(tmp_path: Path) -> None:
    path = str(tmp_path / "ws.duckdb")
    Workspace.init(path).close()
    env = {"ADMIN_PW": "correct horse battery"}
    result = runner.invoke(
        app,
        ["user", "add", "ana", "--role", "admin", "--password-env", "ADMIN_PW", "-w", path],
        env=env,
    )
    assert result.exit_code == 0, result.output
    assert "Created ana (admin)" in result.output
    listed = runner.invoke(app, ["user", "list", "-w", path, "--format", "csv"])
    assert "ana,admin,en,False" in listed.output
    again = runner.invoke(
        app, ["user", "add", "ana", "--password-env", "ADMIN_PW", "-w", path], env=env
    )
    assert again.exit_code == 1 and "exists already" in again.output
    changed = runner.invoke(app, ["user", "set", "ana", "--language", "fr", "-w", path])
    assert changed.exit_code == 0 and "fr" in changed.output


def test_user_add_with_empty_password_variable_is_refused(tmp_path: Path) -> None:
    path = str(tmp_path / "ws.duckdb")
    Workspace.init(path).close()
    result = runner.invoke(app, ["user", "add", "ana", "--password-env", "NOPE_X", "-w", path])
    assert result.exit_code == 1 and "NOPE_X is empty or not set" in result.output


def test_token_create_list_revoke(tmp_path: Path) -> None:
    path = str(tmp_path / "ws.duckdb")
    Workspace.init(path).close()
    created = runner.invoke(app, ["token", "create", "etl", "--scopes", "ingest", "-w", path])
    assert created.exit_code == 0, created.output
    secret = created.output.strip().splitlines()[-1]
    token_id = secret.split("_")[1]
    listed = runner.invoke(app, ["token", "list", "-w", path, "--format", "json"])
    assert token_id in listed.output and secret not in listed.output
    revoked = runner.invoke(app, ["token", "revoke", token_id, "-w", path])
    assert revoked.exit_code == 0
    with Workspace.open(path) as ws:
        from cxpulse.accounts.tokens import verify_token

        assert verify_token(ws, secret) is None


@pytest.mark.slow
def test_serve_runs_the_app_in_one_process(tmp_path: Path) -> None:
    path = tmp_path / "ws.duckdb"
    Workspace.init(path).close()
    with Workspace.open(path) as ws:
        add_rows(ws, "survey_responses", [
            {"score": s, "responded_at": datetime(2025, 4, 10)} for s in [10] * 8 + [0] * 2
        ])  # fmt: skip
    made = runner.invoke(app, ["token", "create", "cli", "-w", str(path)])
    secret = made.output.strip().splitlines()[-1]
    port = free_port()
    env = {**os.environ, "CXPULSE_WORKSPACE": str(path)}
    proc = subprocess.Popen(
        [str(Path(sys.executable).parent / "cxpulse"), "serve", "--port", str(port),
         "--worker-interval", "0.2"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise AssertionError("server did not start") from None
                time.sleep(0.2)
        assert health.json()["status"] == "ok"
        assert httpx.get(f"http://127.0.0.1:{port}/api/v1/metrics").status_code == 401
        # the file is held by the server: a second process is told to ask the server
        locked = runner.invoke(app, ["metric", "nps", "-w", str(path)])
        url = f"http://127.0.0.1:{port}"
        assert locked.exit_code == 1 and f"held by `cxpulse serve` (PID {proc.pid})" in (
            locked.output
        )
        assert f"--via {url}" in locked.output and f"GET {url}/api/v1/metrics/" in locked.output
        # ... and --via does: the same result as the workspace gives
        token = {"CXPULSE_TOKEN": secret}
        via = runner.invoke(app, ["metric", "nps", "--via", url, "--by", "all", "-f", "json"],
                            env=token)  # fmt: skip
        assert via.exit_code == 0, via.output
        [row] = json.loads(via.stdout)
        assert row["value"] == 60 and row["n"] == 10
        table = runner.invoke(app, ["scorecard", "--via", url, "--as-of", "2025-05-15"], env=token)
        assert table.exit_code == 0 and "CX scorecard for 2025-04" in table.stdout
        refused = runner.invoke(app, ["metric", "nps", "--via", url], env={"CXPULSE_TOKEN": "x"})
        assert refused.exit_code == 1 and "refused the token in CXPULSE_TOKEN" in refused.output
    finally:
        proc.terminate()
        output, _ = proc.communicate(timeout=20)
    assert "No user yet" in output
    assert "surveys:" in output  # the worker ticked inside the server process


def test_user_set_password_ends_the_users_sessions(tmp_path: Path) -> None:
    from cxpulse.accounts import add_user, get_user
    from cxpulse.accounts.sessions import find_session, open_session
    from cxpulse.automations.worker import utc_now

    path = str(tmp_path / "ws.duckdb")
    with Workspace.init(path) as ws:
        add_user(ws, "ana", "correct horse battery", "analyst", utc_now())
        session = open_session(ws, get_user(ws, "ana"), utc_now())
    env = {"NEW_PW": "a brand new passphrase"}
    result = runner.invoke(
        app, ["user", "set", "ana", "--password-env", "NEW_PW", "-w", path], env=env
    )
    assert result.exit_code == 0, result.output
    with Workspace.open(path) as ws:
        assert find_session(ws, session.session_id, utc_now()) is None


@pytest.mark.parametrize(
    ("password", "reason"),
    [("password12", "most common"), ("aaaaaaaaaa", "repeats"), ("ana-the-admin", "user name")],
)
def test_user_add_refuses_a_weak_password_in_one_line(
    tmp_path: Path, password: str, reason: str
) -> None:
    path = str(tmp_path / "ws.duckdb")
    Workspace.init(path).close()
    result = runner.invoke(
        app, ["user", "add", "ana", "--password-env", "PW", "-w", path], env={"PW": password}
    )
    assert result.exit_code == 1 and reason in result.output
    assert "Traceback" not in result.output and "unrelated words" in result.output


def test_serve_refuses_a_trusted_proxy_that_is_not_an_address(tmp_path: Path) -> None:
    path = str(tmp_path / "ws.duckdb")
    Workspace.init(path).close()
    result = runner.invoke(app, ["serve", "--trusted-proxies", "proxy.local", "-w", path])
    assert result.exit_code == 1 and "not an IP address or network" in result.output


def test_serve_refuses_a_memory_limit_that_is_not_a_size(tmp_path: Path) -> None:
    path = str(tmp_path / "ws.duckdb")
    Workspace.init(path).close()
    result = runner.invoke(app, ["serve", "--memory-limit", "lots", "-w", path])
    assert result.exit_code == 1 and "a size such as 1GB" in result.output
    assert "Traceback" not in result.output
    Workspace.open(path).close()  # the refused server let go of the workspace


@pytest.mark.slow
def test_serve_believes_no_forwarded_address_by_default(tmp_path: Path) -> None:
    """uvicorn alone would believe X-Forwarded-For from 127.0.0.1: rotating it would give
    every guess a fresh address."""
    path = tmp_path / "ws.duckdb"
    with Workspace.init(path) as ws:
        from cxpulse.accounts import add_user
        from cxpulse.automations.worker import utc_now

        add_user(ws, "ana", "correct horse battery", "admin", utc_now())
    port = free_port()
    env = {**os.environ, "CXPULSE_WORKSPACE": str(path)}
    env.pop("CXPULSE_TRUSTED_PROXIES", None)
    proc = subprocess.Popen(
        [str(Path(sys.executable).parent / "cxpulse"), "serve", "--port", str(port),
         "--worker-interval", "0", "--no-warm"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=5) as client:
            deadline = time.monotonic() + 60
            while True:
                try:
                    client.get("/login")
                    break
                except httpx.TransportError:
                    if time.monotonic() > deadline or proc.poll() is not None:
                        raise AssertionError("server did not start") from None
                    time.sleep(0.2)
            codes = []
            for i in range(12):
                forwarded = {"x-forwarded-for": f"203.0.113.{i}"}
                client.get("/login", headers=forwarded)
                codes.append(
                    client.post(
                        "/login",
                        data={
                            "username": f"guess{i}",
                            "password": "wrong password!",
                            "csrf_token": client.cookies.get("cxpulse_login_csrf") or "",
                        },
                        headers=forwarded,
                    ).status_code
                )
        assert codes == [401] * 10 + [429] * 2
    finally:
        proc.terminate()
        proc.communicate(timeout=20)


def test_the_web_app_loads_no_model_library_before_it_listens() -> None:
    """scipy.optimize (the CLV models' fits) took 2 s of the server's start under load; the
    forecast route imports it when a forecast is asked for."""
    code = (
        "import sys\n"
        "from cxpulse.web.app import create_app\n"
        "import cxpulse.web.routes\n"
        "print(sorted({'scipy', 'sklearn', 'lifelines', 'statsmodels'} & set(sys.modules)))"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.strip() == "[]"
