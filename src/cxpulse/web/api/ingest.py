"""POST /api/v1/ingest/{table}: canonical rows as a JSON array or CSV, through the CLI's importer.

The body is written to a file in a private temporary folder and imported with
:func:`cxpulse.ingest.import_file`, so the reading, mapping, checks, messages and the one
transaction are exactly those of `cxpulse import`: a bad row is a 422 naming the row (``record
N`` of a JSON array, ``line N`` of CSV), the column, the value and the rule; nothing is
written. The file is named ``body.json`` or ``body.csv``, which is what messages call it.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from cxpulse.accounts.users import Permission
from cxpulse.errors import ConfigError, ImportRejected
from cxpulse.ingest import parse_map_options
from cxpulse.web.security import Principal, require
from cxpulse.web.state import WebState, get_state

router = APIRouter(prefix="/api/v1", tags=["ingest"])
Ingester = Annotated[Principal, Depends(require(Permission.ingest))]
State = Annotated[WebState, Depends(get_state)]
MAX_BODY_BYTES = 256 * 1024 * 1024
FORMATS = {
    "application/json": "body.json",
    "application/x-ndjson": "body.jsonl",
    "application/jsonl": "body.jsonl",
    "text/csv": "body.csv",
}
API_ADVICE = (
    "Fix the rows and send them again, or add ?on_error=skip to import the good rows "
    "(the answer lists the others with the reason)."
)
EXAMPLE_JSON = [
    {
        "response_id": "R1",
        "customer_id": "C1",
        "question_type": "nps",
        "score": 9,
        "responded_at": "2026-10-01T09:30:00Z",
    },
]


class RowProblem(BaseModel):
    file: str
    line: int
    column: str
    value: str | None
    rule: str


class IngestResult(BaseModel):
    table: str
    rows_read: int
    new: int
    updated: int
    unchanged: int
    rejected: int
    ignored_columns: list[str]
    problems: list[RowProblem]


_BODY_DOC = {
    "requestBody": {
        "required": True,
        "description": "A JSON array of objects (one per row, canonical column names), JSON "
        "lines, or CSV with a header line (any separator `cxpulse import` reads).",
        "content": {
            "application/json": {
                "schema": {"type": "array", "items": {"type": "object"}},
                "example": EXAMPLE_JSON,
            },
            "application/x-ndjson": {"schema": {"type": "string"}},
            "text/csv": {
                "schema": {"type": "string"},
                "example": "response_id,customer_id,question_type,score,responded_at\n"
                "R1,C1,nps,9,2026-10-01T09:30:00Z\n",
            },
        },
    }
}


@router.post(
    "/ingest/{table}",
    summary="Import canonical rows (JSON array or CSV) with the checks of `cxpulse import`",
    response_model=IngestResult,
    openapi_extra=_BODY_DOC,
    responses={
        422: {
            "description": "A row breaks a rule: nothing was written; `problems` "
            "lists file, line, column, value and rule"
        }
    },
)
async def ingest(
    table: str,
    request: Request,
    principal: Ingester,
    state: State,
    map_: Annotated[
        list[str] | None,
        Query(alias="map", description="theirs=ours column mappings, as --map"),
    ] = None,
    source: Annotated[
        str | None, Query(description="fills the source column where rows leave it empty")
    ] = None,
    on_error: Annotated[
        Literal["fail", "skip"],
        Query(description="fail: refuse all on any bad row; skip: import the good rows"),
    ] = "fail",
) -> IngestResult:
    kind = request.headers.get("content-type", "application/json").split(";")[0].strip().lower()
    name = FORMATS.get(kind)
    if name is None:
        raise ConfigError(f"Content-Type {kind!r} is not supported; send {', '.join(FORMATS)}")
    body = await request.body()
    if len(body) > MAX_BODY_BYTES:
        raise ConfigError("the body is larger than 256 MiB; send it in several batches")
    mapping = parse_map_options(map_ or [])
    return await run_in_threadpool(
        _import, state, table, name, body, mapping, source or "api", on_error
    )


def _api_advice(message: str) -> str:
    """The importer's message with its last line, advice for the command line (--on-error
    skip, a rejects file in a temporary folder), given in the API's terms instead."""
    lines = message.splitlines()
    if len(lines) > 1 and lines[-1].startswith("Fix the file"):
        lines[-1] = API_ADVICE
    return "\n".join(lines)


def _import(
    state: WebState,
    table: str,
    name: str,
    body: bytes,
    mapping: dict[str, str],
    source: str,
    on_error: Literal["fail", "skip"],
) -> IngestResult:
    with tempfile.TemporaryDirectory(prefix="cxpulse-ingest-") as folder:
        path = Path(folder) / name
        path.write_bytes(body)
        with state.workspace() as ws:
            try:
                report = ws.import_file(
                    path,
                    table,
                    mapping=mapping,
                    on_error=on_error,
                    # only written with on_error=skip; the rejected rows are in the answer
                    rejects_path=Path(folder) / "rejects.csv",
                    source=source,
                )
            except ImportRejected as exc:
                raise ImportRejected(_api_advice(str(exc)), exc.problems) from None
    return IngestResult(
        table=report.table,
        rows_read=report.rows_read,
        new=report.rows_new,
        updated=report.rows_updated,
        unchanged=report.rows_unchanged,
        rejected=report.rows_rejected,
        ignored_columns=list(report.ignored_columns),
        problems=[RowProblem.model_validate(p.as_dict()) for p in report.problems],
    )
