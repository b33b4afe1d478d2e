"""The exceptions cxpulse raises for problems a user can fix.

Every class derives from :class:`CxpulseError` and from the builtin it resembles, so
``except ValueError`` in a notebook still works. The CLI and the web app turn these into one
clear message; anything else escaping is a bug in cxpulse.
"""

from __future__ import annotations


class CxpulseError(Exception):
    """Root of every error cxpulse raises on purpose."""


class WorkspaceError(CxpulseError, OSError):
    """The workspace cannot be opened or is not a cxpulse workspace."""


class WorkspaceLockedError(WorkspaceError):
    """Another process holds the DuckDB file (DuckDB allows one writer process per file)."""

    def __init__(self, message: str, server: str | None = None) -> None:
        super().__init__(message)
        self.server = server
        """URL of the `cxpulse serve` holding the file, when it is one."""


class WorkspaceDamagedError(WorkspaceError):
    """The workspace file fails DuckDB's checksums; cxpulse refuses to write to it."""


class WorkspaceReadOnlyError(WorkspaceError):
    """A write to a workspace opened read-only (read-only mount, no write permission, damage)."""


class WorkspacePermissionError(WorkspaceError, PermissionError):
    """The database role lacks a privilege on a table (names the table and the GRANT)."""


class DiskFullError(WorkspaceError):
    """The disk holding the workspace is full; the write was rolled back."""


class ConfigError(CxpulseError, ValueError):
    """A setting, mapping file or option has a value cxpulse cannot use."""


class UnknownMetricError(CxpulseError, KeyError):
    """The metric or variant name is not registered."""

    def __str__(self) -> str:  # KeyError would print the repr of the message
        return str(self.args[0]) if self.args else ""


class UnknownTableError(CxpulseError, KeyError):
    """The name is not one of the canonical tables."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class AnnotationError(CxpulseError, ValueError):
    """An annotation (an event to read the metrics against) has a field cxpulse cannot use."""


class UnknownAnnotationError(CxpulseError, LookupError):
    """No annotation has this id or label (or several labels match it)."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class QueryError(CxpulseError, ValueError):
    """A metric query asks for something that cannot be computed (bad column, bad range)."""


class ImportRejected(CxpulseError, ValueError):
    """A file failed validation; nothing was written. ``problems`` lists what is wrong."""

    def __init__(self, message: str, problems: list[Problem] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or []


class Problem:
    """One bad value: where it is and which rule it breaks."""

    __slots__ = ("column", "file", "file_column", "line", "rule", "value")

    def __init__(
        self,
        file: str,
        line: int,
        column: str,
        value: object,
        rule: str,
        file_column: str | None = None,
    ) -> None:
        self.file = file
        self.line = line
        self.column = column
        self.value = value
        self.rule = rule
        self.file_column = file_column
        """The file's own name for ``column`` when a mapping or preset renamed it."""

    def where(self) -> str:
        """The column as the file names it, then ours when the two differ."""
        if self.file_column and self.file_column != self.column:
            return f'column "{self.file_column}" ({self.column})'
        return f'column "{self.column}"'

    def __str__(self) -> str:
        shown = "(empty)" if self.value is None or self.value == "" else repr(self.value)
        return f"{self.file}, line {self.line}, {self.where()}: {shown} - {self.rule}"

    def as_dict(self) -> dict[str, object]:
        return {
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "value": None if self.value is None else str(self.value),
            "rule": self.rule,
        }


class InvalidScores(CxpulseError, ValueError):
    """Scores passed to the notebook API are outside their scale or not numbers."""


class SourceError(CxpulseError, RuntimeError):
    """A live source's sync failed in a way its owner can fix (a wrong subdomain, a vendor that
    keeps answering 429 or 5xx); the message names the source."""


class SourceBusyError(SourceError):
    """The source is syncing already (the worker, or another request): try again once it is
    done; not the vendor's failure."""


class SourceAuthError(SourceError, PermissionError):
    """A vendor refused a source's token (401/403), or the token cannot be read: the message
    names the source and where its token comes from."""


class WebhookRejected(CxpulseError, PermissionError):
    """A webhook whose signature does not verify, or whose timestamp is too old or too new:
    nothing of it is stored (the message says which check failed, never the secret)."""


class UnknownSourceError(CxpulseError, LookupError):
    """No live source has this name."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""
