"""The audit log: who did what to which subject, kept in the workspace."""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING, Any

import ibis
import pandas as pd

from cxpulse.schema import ACCOUNT_SCHEMAS, AUDIT_TABLE

if TYPE_CHECKING:
    from cxpulse.context import Context


def record(
    ws: Context, actor: str, action: str, subject: str, now: datetime, **detail: Any
) -> None:
    row = {
        "at": now,
        "actor": actor,
        "action": action,
        "subject": subject,
        "detail": json.dumps(detail, default=str, sort_keys=True),
    }
    ws.store.insert(AUDIT_TABLE, [row], schema=ACCOUNT_SCHEMAS[AUDIT_TABLE])


def entries(ws: Context, subject: str | None = None, limit: int = 200) -> pd.DataFrame:
    t = ws.store.table(AUDIT_TABLE)
    if subject is not None:
        t = t.filter(t.subject == subject)
    df: pd.DataFrame = t.order_by(ibis.desc("at")).limit(limit).execute()
    return df
