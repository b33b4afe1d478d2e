"""Create the demo workspace: a fresh DuckDB file holding the synthetic company."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from cxpulse import schema
from cxpulse.demo.generate import generate
from cxpulse.demo.write import write_demo
from cxpulse.errors import ConfigError
from cxpulse.workspace import Workspace

DEMO_SOURCE = "demo"
DEMO_TIMEZONE = "Europe/Paris"  # the demo company is French; its months are Paris months
# The demo company sells coffee: its comments are themed with coffee topics (coffee quality,
# subscription...), not with the built-in taxonomy made for any business.
DEMO_TAXONOMY = "cxpulse.demo:taxonomy.yaml"


def create_demo(
    path: Path | str, *, scale: float = 0.05, seed: int = 7, end: date | None = None
) -> Workspace:
    """Build the demo company into ``path`` (a DuckDB file, or a database URL such as
    ``postgresql://cx@db/demo``) and return the open workspace.

    An existing file, or a database's canonical tables, are replaced only if everything in
    them came from the demo, so pointing the demo at a real workspace by mistake loses nothing.
    """
    if isinstance(path, str) and "://" in path:
        _refuse_real_data(path)  # the tables are replaced in write_demo's transaction
    else:
        path = Path(path)
        if path.exists():
            _refuse_real_data(path)
            path.unlink()
            Path(f"{path}.wal").unlink(missing_ok=True)
    tables = generate(scale=scale, seed=seed, end=end)
    ws = Workspace.init(path, timezone=DEMO_TIMEZONE, theme_taxonomy=DEMO_TAXONOMY)
    try:
        write_demo(ws.store, tables)
    except BaseException:
        ws.close()
        raise
    return ws


def _refuse_real_data(path: Path | str) -> None:
    with Workspace.open(path, create=True) as ws:
        for name in schema.TABLES:
            t = ws.table(name)
            foreign = int(t.filter(t.source.isnull() | (t.source != DEMO_SOURCE)).count().execute())
            if foreign:
                raise ConfigError(
                    f"{path} holds {foreign:,} {name} rows that are not from the demo; the demo "
                    "will not overwrite it. Choose another file with --path."
                )
