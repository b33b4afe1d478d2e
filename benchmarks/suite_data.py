"""The benchmark suite's data: the demo company at a scale, written once as Parquet.

One ``<table>.parquet`` per canonical table (the layout ``cxpulse parquet export`` writes and
``cxpulse.store.parquet.import_parquet`` reads), straight from the generator's Arrow tables, so
no DuckDB workspace is needed to make them.

Scales above ``CHUNK_SCALE`` do not fit in memory in one piece (scale 1 peaks at about 3.5 GB
while generating; scale 10 would need about 35 GB), so they are generated as several
independent companies of ``CHUNK_SCALE`` each (seeds ``seed``, ``seed + 1``...), with every id
prefixed by its chunk (``k3-C000123``) so that ids stay unique, appended to the files as row
groups. Every volume of the demo grows linearly with the scale, so ten scale-1 chunks have the
row counts of scale 10; what differs from a true scale-10 company is that the chunks share
nothing (customers, visitors and agents of one chunk never meet another's).
"""

from __future__ import annotations

import json
import math
import time
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

CHUNK_SCALE = 1.0
END = date(2026, 11, 1)  # the same 24 months at every scale (and as survey_scorecard.py)
TIMEZONE = "Europe/Paris"  # the demo company's zone (cxpulse.demo.workspace.DEMO_TIMEZONE)
SHARED_IDS = ("survey_id", "question_id")  # the same surveys and questions in every chunk
MANIFEST = "manifest.json"


def folder_for(workdir: Path, scale: float, seed: int) -> Path:
    return workdir / f"parquet-scale{scale:g}-seed{seed}"


def chunks(scale: float) -> list[float]:
    """The scales of the pieces: one piece up to ``CHUNK_SCALE``, else equal pieces."""
    if scale <= CHUNK_SCALE:
        return [scale]
    n = math.ceil(scale / CHUNK_SCALE - 1e-9)
    return [scale / n] * n


def _prefixed(table: pa.Table, tag: str) -> pa.Table:
    """Every id column (``*_id`` except survey and question ids) prefixed with ``tag``."""
    for i, name in enumerate(table.column_names):
        if name.endswith("_id") and name not in SHARED_IDS:
            col = table.column(i)
            table = table.set_column(
                i, name, pc.binary_join_element_wise(pa.scalar(tag), col, pa.scalar(""))
            )
    return table


def write_parquet(
    workdir: Path, scale: float, seed: int, *, reuse: bool, log: Any = print
) -> tuple[Path, dict[str, int], float]:
    """The Parquet folder of the demo at ``scale`` (built unless ``reuse`` and complete);
    returns the folder, the rows per table and the seconds spent building (NaN if reused)."""
    from cxpulse import schema
    from cxpulse.demo import generate

    folder = folder_for(workdir, scale, seed)
    manifest = folder / MANIFEST
    if reuse and manifest.exists():
        return folder, json.loads(manifest.read_text())["rows"], float("nan")
    folder.mkdir(parents=True, exist_ok=True)
    manifest.unlink(missing_ok=True)  # written last: its presence means the folder is complete
    start = time.perf_counter()
    writers: dict[str, pq.ParquetWriter] = {}
    rows = dict.fromkeys(schema.TABLES, 0)
    pieces = chunks(scale)
    try:
        for k, piece in enumerate(pieces):
            tables = generate(scale=piece, seed=seed + k, end=END)
            for name, table in tables.items():
                if len(pieces) > 1:
                    table = _prefixed(table, f"k{k}-")
                if name not in writers:
                    writers[name] = pq.ParquetWriter(folder / f"{name}.parquet", table.schema)
                writers[name].write_table(table, row_group_size=1_000_000)
                rows[name] += table.num_rows
            del tables
            log(f"  chunk {k + 1}/{len(pieces)} (scale {piece:g}) written")
    finally:
        for writer in writers.values():
            writer.close()
    seconds = time.perf_counter() - start
    info = {"scale": scale, "seed": seed, "end": END.isoformat(), "chunks": pieces, "rows": rows}
    manifest.write_text(json.dumps(info | {"build_s": seconds}, indent=2))
    return folder, rows, seconds
