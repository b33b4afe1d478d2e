"""In-memory tables live as long as the call that needs them, not as long as the process.

cxpulse hands Ibis an in-memory table (``ibis.memtable``) for almost every write and for some
queries (the periods of a metric). Ibis registers it with the backend on first use (PostgreSQL:
a temporary table; DuckDB: a temporary view over the Arrow data) and drops it only when the
process exits. A long-running ``cxpulse serve`` or worker thus kept one per write: 26,943
temporary tables on one PostgreSQL connection in a day, until the server ran out of lock slots
("out of shared memory ... max_locks_per_transaction"); on DuckDB the Arrow data of every
write stayed in memory.

:func:`scope_memtables` makes the backend forget them when the call that registered them
returns, on success or error: the calls of :data:`_SCOPED`, when not nested in another of
them (``to_pyarrow`` runs ``to_pyarrow_batches`` inside). ``to_pyarrow_batches`` itself is
left out: its reader runs after the call returns, so what it registers stays until exit, as
before (cxpulse reads batches only of stored tables).
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any

from cxpulse.store.writes import quote

# not create_view: a view over an in-memory table needs it for as long as the view lives
_SCOPED = ("execute", "to_pyarrow", "insert", "upsert", "create_table")


class _Scope(threading.local):
    """Per thread (the web server's threads may share a connection): how deep in scoped
    calls, and the in-memory tables registered meanwhile."""

    def __init__(self) -> None:
        self.depth = 0
        self.registered: list[Any] = []


def scope_memtables(backend: Any) -> None:
    """Drop each in-memory table this Ibis connection registers when the call that needed it
    returns (DuckDB and PostgreSQL; other backends are left as they are). Idempotent."""
    release = _RELEASE.get(getattr(backend, "name", ""))
    if release is None or hasattr(backend, "_cxpulse_scope"):
        return
    scope = _Scope()
    backend._cxpulse_scope = scope
    register = backend._register_in_memory_table

    def register_for_the_call(op: Any) -> None:
        register(op)
        if scope.depth:
            scope.registered.append(op)

    backend._register_in_memory_table = register_for_the_call
    # released here, not at exit: no finalizer per write piling up in atexit
    backend._make_memtable_finalizer = lambda name: None
    for name in _SCOPED:
        setattr(backend, name, _scoped(backend, scope, release, getattr(backend, name)))


def _scoped(
    backend: Any, scope: _Scope, release: Callable[[Any, list[str]], None], method: Any
) -> Callable[..., Any]:
    @functools.wraps(method)
    def call(*args: Any, **kwargs: Any) -> Any:
        scope.depth += 1
        try:
            return method(*args, **kwargs)
        finally:
            scope.depth -= 1
            if scope.depth == 0 and scope.registered:
                registered, scope.registered = scope.registered, []
                for op in registered:  # registered again if the same memtable is used again
                    backend._memtables.discard(op)
                release(backend, [op.name for op in registered])

    return call


def _release_duckdb(backend: Any, names: list[str]) -> None:
    for name in names:
        backend.con.unregister(name)


def _release_postgres(backend: Any, names: list[str]) -> None:
    from psycopg.pq import TransactionStatus

    con = backend.con
    # Inside the caller's transaction the drop commits (or rolls back, with the create) with
    # it; in a transaction already failed, the rollback the caller is about to do drops them.
    if con.closed or con.info.transaction_status == TransactionStatus.INERROR:
        return
    listed = ", ".join(quote(name) for name in names)
    with con.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {listed}")


_RELEASE: dict[str, Callable[[Any, list[str]], None]] = {
    "duckdb": _release_duckdb,
    "postgres": _release_postgres,
}
