"""The :class:`Report` base class: one analytical view (the scorecard, a metric family's page,
the feedback page...) computed once in the library, rendered by every edge.

A report declares the parameters it takes (:class:`Param`: name, type, default, choices), and
``build(ctx, params)`` returns JSON-ready data, chart specs included. From that the web app
generates the HTML page, its JSON twin (``/api/v1/reports/<name>``, documented in OpenAPI),
the navigation entry and the warm-up; the CLI generates ``cxpulse report <name>``. A new report
is one module with a subclass plus one line in :data:`cxpulse.reports.DEFAULT`.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from cxpulse.accounts.users import Permission
from cxpulse.errors import QueryError
from cxpulse.reports.context import ReportContext

Params = dict[str, Any]
"""A report's parameters by name (as in the URL: ``from``, ``by``...), parsed."""


@dataclass(frozen=True)
class Param:
    """One parameter: the query parameter of the page and its twin, ``--name`` on the CLI
    (``--set name=value`` for those the CLI has no option for)."""

    name: str
    help: str
    default: Any = None
    type: type = str  # str, int or bool
    choices: tuple[str, ...] = ()  # documented (OpenAPI, --list); the report checks them
    many: bool = False  # repeated: ``filter=a&filter=b``
    ge: int | None = None
    le: int | None = None
    blank: bool = False  # an empty value is kept, not the default (a form's "none" choice)

    def coerce(self, value: Any) -> Any:
        """``value`` as this parameter's type (the CLI hands text; the web its own types)."""
        if self.many:
            values = value if isinstance(value, list | tuple) else [value]
            return tuple(self._one(v) for v in values if v is not None)
        return self._one(value)

    def _one(self, value: Any) -> Any:
        if value is None or isinstance(value, self.type):
            return value
        text = str(value).strip()
        if self.type is bool:
            return self._bool(text)
        if self.type is int:
            return self._int(text)
        return text

    def _bool(self, text: str) -> bool:
        if text.lower() in {"1", "true", "yes", "on"}:
            return True
        if text.lower() in {"0", "false", "no", "off", ""}:
            return False
        raise QueryError(f"{self.name} is true or false, not {text!r}")

    def _int(self, text: str) -> int:
        try:
            number = int(text)
        except ValueError:
            raise QueryError(f"{self.name} must be a whole number, not {text!r}") from None
        if (self.ge is not None and number < self.ge) or (self.le is not None and number > self.le):
            raise QueryError(f"{self.name} must be between {self.ge} and {self.le}")
        return number


# the parameters most reports share
BY = Param("by", "period grain", "month", choices=("week", "month", "quarter", "year"))
FROM = Param("from", "first day (local), ISO")
TO = Param("to", "last day (local), ISO")


@dataclass(frozen=True)
class Table:
    """A headline table of a report, for a terminal (``cxpulse report NAME``)."""

    title: str
    columns: tuple[str, ...]
    rows: list[tuple[Any, ...]] = field(default_factory=list)
    notes: tuple[str, ...] = ()


class Report:
    """One report. Subclasses set the class attributes and implement :meth:`build`."""

    name: ClassVar[str]
    title: ClassVar[str]  # the page's title, also the key of its translations (web/i18n.py)
    summary: ClassVar[str]  # one line: OpenAPI, ``cxpulse report --list``
    params: ClassVar[tuple[Param, ...]] = (BY, FROM, TO)
    permission: ClassVar[Permission] = Permission.read
    template: ClassVar[str] = "report.html"  # the web page's Jinja2 template
    path: ClassVar[str | None] = ""  # the HTML page's address: "" is /<name>, None is none
    nav: ClassVar[bool] = True  # listed in the dashboard's navigation
    warm_rank: ClassVar[int] = 1  # the server warms its default view cheapest rank first

    @classmethod
    def page_path(cls) -> str | None:
        return f"/{cls.name}" if cls.path == "" else cls.path

    @classmethod
    def parse(cls, raw: Mapping[str, Any]) -> Params:
        """Every declared parameter, from ``raw`` (absent or empty: its default); a name the
        report does not take is refused, naming the ones it does."""
        declared = {p.name: p for p in cls.params}
        unknown = sorted(set(raw) - set(declared))
        if unknown:
            raise QueryError(
                f"the {cls.name} report takes no {', '.join(unknown)}; it takes: "
                f"{', '.join(declared) or 'nothing'}"
            )
        params: Params = {}
        for p in cls.params:
            value = raw.get(p.name)
            empty = value is None or (value == "" and not p.blank) or (p.many and not value)
            params[p.name] = p.coerce(p.default if empty else value)
        return params

    @classmethod
    def cache_key(cls, ctx: ReportContext, params: Params) -> Hashable | None:
        """What the report's data depends on, under which :func:`cxpulse.reports.run` keeps
        it: by default its name, the local date (a default range ends before today) and
        every parameter. A report whose parameters can mean the same data two ways (no
        ``to`` and the last complete period's end) keys on what they mean, so a page and
        its twin share one entry; ``None`` when ``build`` caches its parts itself."""
        values = tuple((p.name, params.get(p.name)) for p in cls.params)
        return ("report", cls.name, ctx.today(), values)

    @classmethod
    def build(cls, ctx: ReportContext, params: Params) -> dict[str, Any]:
        raise NotImplementedError

    @classmethod
    def warmups(cls) -> Sequence[Mapping[str, Any]]:
        """The parameters of the views the server computes before anyone asks (its default
        view); ``()`` for none."""
        return ({},)

    @classmethod
    def tables(cls, data: dict[str, Any]) -> list[Table]:
        """The headline numbers and tables for a terminal: the metric cards by default."""
        from cxpulse.reports.blocks import range_cards_table

        return [range_cards_table(cls.title, data)] if "cards" in data else []
