"""A report's parameters (:class:`cxpulse.reports.Param`) as FastAPI query parameters: one
dependency per report, so its page, its JSON twin and the OpenAPI document (and the
unknown-parameter check of ``/api/v1``, which reads the same declarations) agree."""

# no `from __future__ import annotations`: the signature is built from objects at run time

import inspect
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Query

from cxpulse.reports import Params, Report
from cxpulse.reports.base import Param


def query_pairs(report: type[Report], params: Params) -> list[tuple[str, Any]]:
    """The parameters that differ from their defaults, as a query string's pairs."""
    out: list[tuple[str, Any]] = []
    for p in report.params:
        value = params.get(p.name)
        if value in (None, "", ()) or value == p.default:
            continue
        out += [(p.name, v) for v in value] if p.many else [(p.name, value)]
    return out


def _annotation(p: Param) -> Any:
    described = p.help + (f" (one of: {', '.join(p.choices)})" if p.choices else "")
    query = Query(alias=p.name, description=described, ge=p.ge, le=p.le)
    if p.many:
        return Annotated[list[str] | None, query]
    kind: Any = p.type if p.default is not None else p.type | None
    return Annotated[kind, query]


def params_dependency(report: type[Report]) -> Callable[..., Params]:
    """A FastAPI dependency declaring the report's parameters as query parameters (so the
    OpenAPI document and the unknown-parameter check read them) and parsing them."""
    names = {f"p_{i}": p for i, p in enumerate(report.params)}

    def dependency(**values: Any) -> Params:
        return report.parse({p.name: values[key] for key, p in names.items()})

    dependency.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [
            inspect.Parameter(
                key,
                inspect.Parameter.KEYWORD_ONLY,
                default=None if p.many else p.default,
                annotation=_annotation(p),
            )
            for key, p in names.items()
        ]
    )
    return dependency
