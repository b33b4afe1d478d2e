"""What the presets' reshape steps share: scores written with their labels, the NPS question
found among columns named by their text."""

from __future__ import annotations

import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from cxpulse.ingest.presets.reshaping import find_nps, score_values, text

LABELS = st.text(alphabet=st.characters(categories=["L", "Zs"]), min_size=1, max_size=20).filter(
    lambda s: any(c.isalpha() for c in s)
)


@given(st.integers(0, 10), LABELS, st.sampled_from(["{n} - {l}", "{l} - {n}", "{n} ({l})"]))
def test_a_labelled_score_reads_as_its_number(n: int, label: str, form: str) -> None:
    value = form.format(n=n, l=label.strip() or "x")
    assert score_values(text([value])).tolist() == [str(n)]


@given(st.text(max_size=12))
def test_a_value_is_never_invented(value: str) -> None:
    (read,) = score_values(text([value])).tolist()
    # either kept as written (the import rejects it with its line) or its own digits
    assert read == value or (read is not None and read in value and read.isdigit())


def test_the_nps_question_by_text_then_by_answers() -> None:
    frame = pd.DataFrame(
        {
            "Why that score?": text(["meh", "ok"]),
            "How likely are you to recommend us?": text(["3", "9"]),
            "Stars": text(["4", "5"]),
        }
    )
    assert find_nps(frame) == "How likely are you to recommend us?"
    by_values = frame.rename(columns={"How likely are you to recommend us?": "Q7"})
    assert find_nps(by_values) == "Q7"  # the only 0-10 column (Stars stays under 8)
    assert find_nps(by_values, ["Why?", "Overall, would you recommend Acme?", "Stars"]) == "Q7"
    assert find_nps(by_values.assign(Other=text(["10", "8"]))) is None  # two: --map decides
