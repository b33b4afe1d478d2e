"""What the library below the Workspace needs of one: its tables, settings and shared cache.

The metrics, the import and the accounts take a :class:`Context` rather than the
:class:`cxpulse.workspace.Workspace` (which sits above them and composes them): anything with
these members works, a Workspace, a test double over a DuckDB file, or a read-only view.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from cxpulse.kinds import Kinds
    from cxpulse.settings import Settings
    from cxpulse.store import Store


class Context(Protocol):
    """A workspace as the metrics and the import see it."""

    store: Store
    """The backend connection; writes go through its methods."""
    settings: Settings
    kinds: Kinds
    """The registries of channels, conditions, actions, presets and reports."""

    def table(self, name: str) -> Any:
        """The Ibis table of a canonical or operational table."""
        ...

    def text_scores(self, table: str) -> Any | None:
        """Sentiment scores of a table's text, when they were computed."""
        ...

    def shared(self, key: Hashable, build: Callable[[], Any]) -> Any:
        """``build()`` computed once per :meth:`sharing` block."""
        ...

    def sharing(self) -> AbstractContextManager[None]: ...

    def counts(self) -> dict[str, int]:
        """Rows per canonical table."""
        ...
