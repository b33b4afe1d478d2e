"""The worker's text phase: new and changed texts annotated in batches, nothing else."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import ibis
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cxpulse import Workspace
from cxpulse.schema import SURVEY_RESPONSES, TEXT_ANNOTATIONS_TABLE
from cxpulse.text.arrival import annotate_arrivals
from cxpulse.text.sentiment import FloatArray, get_analyzer
from tests.conftest import add_rows

AT = datetime(2025, 3, 1, 12)


class Counting:
    """The default analyzer of a language, counting the texts it is asked to score; it can be
    made to fail after ``fail_after`` texts (a crash in the middle of a backlog)."""

    def __init__(self, lang: str, fail_after: int | None = None) -> None:
        self.inner = get_analyzer(lang)
        self.name, self.version = self.inner.name, self.inner.version
        self.scored = 0
        self.fail_after = fail_after

    def score(self, texts: Sequence[str]) -> FloatArray:
        if self.fail_after is not None and self.scored + len(texts) > self.fail_after:
            raise RuntimeError("analyzer crashed")
        self.scored += len(texts)
        return self.inner.score(texts)

    def label(self, texts: Sequence[str]) -> list[str]:
        return self.inner.label(texts)


def comments(ws: Workspace, n: int, start: int = 0) -> None:
    add_rows(ws, "survey_responses", [
        {"response_id": f"R{i:04d}", "score": i % 11, "responded_at": AT,
         "comment": f"Order {i} arrived late, the parcel was damaged"}
        for i in range(start, start + n)
    ])  # fmt: skip


def annotated(ws: Workspace) -> dict[str, tuple[str, str]]:
    a = ws.store.table(TEXT_ANNOTATIONS_TABLE).execute()
    return {r.row_key: (r.label, r.themes) for r in a.itertuples()}


def test_the_first_tick_does_the_backlog_in_batches_then_nothing_is_read(ws: Workspace) -> None:
    comments(ws, 5)
    add_rows(ws, "tickets", [{"ticket_id": "T1", "created_at": AT, "subject": "Refund please"}])
    add_rows(ws, "survey_responses", [{"response_id": "blank", "comment": "  ", "score": 3}])
    en = Counting("en")
    lines: list[str] = []
    done = annotate_arrivals(ws, batch=2, analyzers={"en": en}, progress=lines.append)
    assert done.annotated == {"survey_responses": 5, "tickets": 1}
    assert done.batches == 4  # 2 + 2 + 1 comments, 1 ticket
    assert en.scored == 6
    assert lines == [f"text: survey_responses {n} of 5 annotated" for n in (2, 4, 5)]
    assert set(annotated(ws)) == {f"R{i:04d}" for i in range(5)} | {"T1"}
    assert "delivery" in annotated(ws)["R0001"][1]

    again = annotate_arrivals(ws, batch=2, analyzers={"en": en})
    assert (again.read, again.batches, again.total, en.scored) == (0, 0, 0, 6)


def test_only_new_and_changed_texts_are_annotated_again(ws: Workspace) -> None:
    comments(ws, 3)
    annotate_arrivals(ws)
    comments(ws, 2, start=3)  # two more arrive
    changed = ws.store.table("survey_responses").filter(lambda t: t.response_id == "R0000")
    row = changed.mutate(comment=ibis.literal("Lovely coffee, thank you")).execute()
    ws.store.upsert(
        "survey_responses",
        ibis.memtable(row, schema=ibis.schema(SURVEY_RESPONSES.ibis_schema())),
        on="response_id",
    )
    en = Counting("en")
    done = annotate_arrivals(ws, analyzers={"en": en})
    assert done.annotated == {"survey_responses": 3} and done.read == 3 and en.scored == 3
    label, themes = annotated(ws)["R0000"]
    assert label == "positive" and "delivery" not in themes


def test_a_crash_in_the_middle_of_a_backlog_resumes_after_the_last_batch(ws: Workspace) -> None:
    comments(ws, 7)
    with pytest.raises(RuntimeError):
        annotate_arrivals(ws, batch=3, analyzers={"en": Counting("en", fail_after=4)})
    assert len(annotated(ws)) == 3  # the first batch was committed
    en = Counting("en")
    done = annotate_arrivals(ws, batch=3, analyzers={"en": en})
    assert done.annotated == {"survey_responses": 4} and en.scored == 4
    assert len(annotated(ws)) == 7


@settings(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(sizes=st.lists(st.integers(0, 6), min_size=1, max_size=3), batch=st.integers(1, 4))
def test_every_text_is_annotated_exactly_once_whatever_the_batches(
    ws: Workspace, sizes: list[int], batch: int
) -> None:
    ws.store.con.raw_sql("DELETE FROM survey_responses; DELETE FROM text_annotations")
    en, start = Counting("en"), 0
    for n in sizes:
        comments(ws, n, start)
        start += n
        annotate_arrivals(ws, batch=batch, analyzers={"en": en})
    assert en.scored == start == len(annotated(ws))
