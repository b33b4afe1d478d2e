"""Keys for files without one, such as CDNOW's purchase log (customer, day, quantity, amount).

Every canonical table is upserted on its natural key, so a generated key must be the same each
time the same file is imported, or a re-import would add every row again. A row's key is
therefore made from its content: a hash of its cells as read, plus its occurrence number among
rows with exactly the same cells (two identical purchases on one day are two orders). Reading
the file again, in any order, gives the same keys.
"""

from __future__ import annotations

import hashlib
from typing import Any

import pandas as pd

from cxpulse.ingest.parse import TEXT

_SEPARATOR = "\x1f"  # the ASCII unit separator: cannot be typed in a cell by accident
_EMPTY = "\x00"


def content_ids(frame: pd.DataFrame) -> pd.Series[Any]:
    """One key per row of ``frame`` (cells as text): 16 hex digits of the row's BLAKE2b hash,
    a dash and the row's occurrence among identical rows (1, 2, ...)."""
    cells = frame.astype(object).where(frame.notna(), _EMPTY)
    digests = [
        hashlib.blake2b(_SEPARATOR.join(map(str, row)).encode("utf-8"), digest_size=8).hexdigest()
        for row in cells.itertuples(index=False, name=None)
    ]
    hashed = pd.Series(digests, index=frame.index, dtype=object)
    occurrence = hashed.groupby(hashed).cumcount() + 1
    return (hashed + "-" + occurrence.astype(str)).astype(TEXT)
