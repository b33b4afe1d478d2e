"""Digest definitions, kept in the workspace as survey definitions and rules are: the checked
YAML as JSON, one row per name (adding a digest with a taken name replaces it)."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import ibis

from cxpulse.digests import charts
from cxpulse.digests.definition import Digest, digest_from_dict, load_digest
from cxpulse.digests.sections import SECTIONS
from cxpulse.errors import ConfigError
from cxpulse.schema import DIGEST_DEFINITIONS_TABLE, DIGEST_SCHEMAS

if TYPE_CHECKING:
    from cxpulse.context import Context


def section_names(ws: Context) -> tuple[str, ...]:
    return tuple(ws.kinds[SECTIONS].names())


def add_digest(ws: Context, path: str | Path, now: datetime) -> Digest:
    """Check a digest YAML file and store it."""
    digest = load_digest(path, section_names(ws))
    charts.check()
    row = {"name": digest.name, "definition": json.dumps(digest.raw, default=str),
           "active": True, "added_at": now}  # fmt: skip
    schema = ibis.schema(DIGEST_SCHEMAS[DIGEST_DEFINITIONS_TABLE])
    with ws.store.transaction():
        ws.store.upsert(DIGEST_DEFINITIONS_TABLE, ibis.memtable([row], schema=schema), on="name")
    return digest


def stored_digests(ws: Context) -> list[tuple[Digest, datetime]]:
    """Active digests by name, each with the time it was added."""
    t = ws.store.table(DIGEST_DEFINITIONS_TABLE)
    rows = t.filter(t.active).order_by("name").execute()
    names = section_names(ws)
    return [
        (digest_from_dict(json.loads(r.definition), f"stored digest {r.name}", names),
         r.added_at.to_pydatetime())
        for r in rows.itertuples(index=False)
    ]  # fmt: skip


def get_digest(ws: Context, name: str) -> tuple[Digest, datetime]:
    for digest, added in stored_digests(ws):
        if digest.name == name:
            return digest, added
    raise ConfigError(f"no digest {name!r}; see `cxpulse digests list` or add it with "
                      "`cxpulse digests add FILE.yaml`")  # fmt: skip
