"""Where a source's token comes from: an environment variable or a key of a secrets file.

The workspace stores only the reference (``env:ZENDESK_TOKEN`` or ``file:/etc/cx/secrets.env#
ZENDESK_TOKEN``), never the token, so a copy of the workspace file, ``sources list`` or the API
show nothing secret. A secrets file holds ``KEY=value`` lines (the dotenv format, ``#``
comments allowed), readable by the server's user only.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path

from cxpulse import redact
from cxpulse.errors import ConfigError, SourceAuthError


def reference(
    env: str | None = None, file: str | Path | None = None, key: str | None = None
) -> str:
    """The stored reference of a token: ``env:NAME`` or ``file:PATH#KEY`` (exactly one)."""
    if (env is None) == (file is None):
        raise ConfigError(
            "give the token's environment variable (--token-env NAME) or its "
            "secrets file (--token-file PATH --token-key KEY), one of the two"
        )
    if env is not None:
        if not env or not env.replace("_", "").isalnum():
            raise ConfigError(f"--token-env takes an environment variable's name, not {env!r}")
        return f"env:{env}"
    if not key:
        raise ConfigError("--token-file needs --token-key: the name of the token's line in it")
    return f"file:{Path(str(file)).expanduser().resolve()}#{key}"


def describe(ref: str) -> str:
    """Where the token is read, in words (what messages and listings show)."""
    kind, _, where = ref.partition(":")
    if kind == "env":
        return f"the environment variable {where}"
    path, _, key = where.rpartition("#")
    return f"{key} in {path}"


def resolve(ref: str, source: str, environ: Mapping[str, str] | None = None) -> str:
    """The token ``ref`` points to; a SourceAuthError naming the source when it is not there."""
    env = os.environ if environ is None else environ
    kind, _, where = ref.partition(":")
    if kind == "env":
        value = env.get(where, "").strip()
    elif kind == "file":
        path, _, key = where.rpartition("#")
        value = _file_value(Path(path), key, source)
    else:
        raise ConfigError(f"source {source!r} has an unknown token reference {ref!r}")
    if not value:
        raise SourceAuthError(
            f"source {source!r} has no token: {describe(ref)} is empty or not set. Set it to "
            f"the API token, then run `cxpulse sources sync {source}` again."
        )
    return value


def _file_value(path: Path, key: str, source: str) -> str:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SourceAuthError(
            f"source {source!r} cannot read its secrets file {path}: {exc.strerror}"
        ) from None
    for line in text.splitlines():
        name, eq, value = line.strip().partition("=")
        if eq and name.strip().removeprefix("export ").strip() == key:
            return value.strip().strip("'\"")
    return ""


def scrub(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every secret replaced by the mask of :mod:`cxpulse.redact` (a vendor's
    error or a library's message may quote a request's credentials)."""
    for secret in sorted({s for s in secrets if s}, key=len, reverse=True):
        # only where it stands alone: a one-letter test token masked every "x" of
        # "`cxpulse sources list`" in the very message telling the user what to run
        text = re.sub(rf"(?<![A-Za-z0-9]){re.escape(secret)}(?![A-Za-z0-9])", redact.MASK, text)
    return text
