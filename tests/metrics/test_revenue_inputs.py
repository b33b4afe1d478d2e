"""Bad subscription and order files: refused at import with the line and the rule; what no single
row shows (overlapping duplicates) is refused by the metrics, naming the subscriptions."""

from __future__ import annotations

from pathlib import Path

import pytest

from cxpulse import Workspace
from cxpulse.errors import ImportRejected, QueryError

HEADER = "subscription_id,customer_id,plan,price,billing_period,started_at,cancelled_at,ended_at\n"


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (
            "S1,C1,basic,-10,month,2025-01-05,,",
            r'line 2, column "price": .-10. - must be at least 0',
        ),
        (
            "S1,C1,basic,10,month,2025-03-05,,2025-01-05",
            r'column "ended_at".*ended_at must not be before started_at',
        ),
        (
            "S1,C1,basic,10,month,2025-01-05,2025-04-01,2025-03-05",
            r'column "cancelled_at".*cancelled_at must not be after ended_at',
        ),
        ("S1,C1,basic,10,weekly,2025-01-05,,", r'column "billing_period"'),
    ],
)
def test_bad_subscription_rows_are_refused_at_import(
    ws: Workspace, tmp_path: Path, line: str, message: str
) -> None:
    path = write(tmp_path, "subs.csv", HEADER + line + "\n")
    with pytest.raises(ImportRejected, match=message):
        ws.import_file(path, "subscriptions")
    assert ws.counts()["subscriptions"] == 0


def test_overlapping_duplicates_pass_import_but_not_the_metrics(
    ws: Workspace, tmp_path: Path
) -> None:
    rows = [
        "S1,C1,basic,10,month,2025-01-05,,",
        "S2,C1,basic,10,month,2025-01-05,,2025-06-05",  # a copy of S1 under another id
        "S3,C1,extra,10,month,2025-01-05,,",  # another plan beside it is fine
        "S4,C1,basic,10,month,2025-02-05,,",  # a second box of the same plan, another day
    ]
    ws.import_file(write(tmp_path, "subs.csv", HEADER + "\n".join(rows) + "\n"), "subscriptions")
    with pytest.raises(QueryError, match=r"S1 and S2 \(customer C1, plan basic\)") as caught:
        ws.metric("nrr")
    message = str(caught.value)
    assert "S3" not in message and "S4" not in message and "count MRR twice" in message


def test_an_order_margin_above_its_amount_is_refused(ws: Workspace, tmp_path: Path) -> None:
    text = "order_id,customer_id,ordered_at,amount,margin\nO1,C1,2025-01-05,20,25\n"
    with pytest.raises(ImportRejected, match="margin must not exceed the order amount"):
        ws.import_file(write(tmp_path, "orders.csv", text), "orders")
