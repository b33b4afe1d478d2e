"""Planted pattern 4: French and English comments, varied and consistent with the score."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from cxpulse.demo import comments, comments_en, comments_fr

from .conftest import Query

FEELING_OF_SCORE = """
case
  when question_type = 'nps' then case when score <= 6 then 'neg' when score <= 8 then 'mixed'
    else 'pos' end
  when scale_max = 7 then case when score <= 3 then 'neg' when score = 4 then 'mixed'
    else 'pos' end
  else case when score <= 2 then 'neg' when score = 3 then 'mixed' else 'pos' end
end"""


@pytest.fixture(scope="module")
def answered(sql: Query) -> pd.DataFrame:
    return sql(
        f"""select r.*, c.language customer_language, {FEELING_OF_SCORE} feeling
            from survey_responses r join customers c using (customer_id)
            where r.comment is not null"""
    )


def _lookup() -> dict[str, tuple[str, str]]:
    """Every variant in the banks (as written and lower-cased after an opener) -> (language,
    feeling)."""
    b = comments.bank()
    texts = b.text.to_pylist()
    out: dict[str, tuple[str, str]] = {}
    for i in range(b.n):
        meaning = (("en", "fr")[b.language[i]], comments.FEELINGS[b.feeling[i]])
        out[texts[i]] = out[texts[i + b.n]] = meaning
    return out


def _decorations() -> tuple[list[str], list[str]]:
    openers = [o for m in (comments_en, comments_fr) for v in m.OPENERS.values() for o in v]
    closers = [c for m in (comments_en, comments_fr) for v in m.CLOSERS.values() for c in v]
    return openers, closers


def _meaning(text: str, lookup: dict[str, tuple[str, str]]) -> tuple[str, str] | None:
    """The template a comment came from, once its opener and closer are taken off."""
    openers, closers = _decorations()
    heads = [text] + [text[len(o) + 1 :] for o in openers if text.startswith(o + " ")]
    for head in heads:
        for body in [head] + [head[: -len(c) - 1] for c in closers if head.endswith(" " + c)]:
            if body in lookup:
                return lookup[body]
    return None


def test_each_language_has_at_least_60_templates() -> None:
    assert all(n >= 60 for n in comments.bank().templates_per_language())
    for module in (comments_en, comments_fr):
        feelings = {t.feeling for t in module.TEMPLATES}
        assert feelings == {"neg", "mixed", "pos"}


def test_tricky_phrasings_are_in_the_banks() -> None:
    en = " ".join(t.text for t in comments_en.TEMPLATES)
    fr = " ".join(t.text for t in comments_fr.TEMPLATES)
    for phrase in (
        "Not bad at all",
        "No complaints",
        "Thanks a lot",
        "I waited {duration} for a refund",
    ):
        assert phrase in en
    for phrase in (
        "Pas terrible",
        "Pas mal du tout",
        "Bravo, encore",
        "J'attends mon remboursement",
    ):
        assert phrase in fr


def test_both_languages_and_the_customers_language(answered: pd.DataFrame) -> None:
    share = answered.language.value_counts(normalize=True)
    assert share["en"] > 0.4 and share["fr"] > 0.35
    assert (answered.language == answered.customer_language).all()


def test_comment_text_is_in_the_language_of_the_answer(answered: pd.DataFrame) -> None:
    lookup = _lookup()
    meanings = answered.comment.map(lambda text: _meaning(text, lookup))
    assert meanings.notna().all()
    assert (meanings.str[0] == answered.language).all()
    # An independent check with common words of each language.
    french = re.compile(r"\b(le|la|les|de|du|des|pas|est|je|j'|mon|ma|ça|et|en|au|une?)\b", re.I)
    english = re.compile(r"\b(the|my|i|is|was|and|to|for|not|it|a|an|of|in)\b", re.I)
    fr_words = answered.comment.str.count(french)
    en_words = answered.comment.str.count(english)
    guess = (fr_words > en_words).map({True: "fr", False: "en"})
    decided = fr_words != en_words
    assert (guess[decided] == answered.language[decided]).mean() > 0.9


def test_comments_agree_with_the_score(answered: pd.DataFrame) -> None:
    lookup = _lookup()
    feeling = answered.comment.map(lambda text: _meaning(text, lookup)).str[1]
    assert (feeling == answered.feeling).all()
    nps = answered[answered.question_type == "nps"]
    detractors = nps[nps.score <= 6]
    assert len(detractors) > 50 and (feeling[detractors.index] == "neg").all()


def test_comments_talk_about_their_touchpoint(answered: pd.DataFrame) -> None:
    support = answered[answered.touchpoint == "support"].comment.str.lower()
    about_support = support.str.contains(
        "support|service|agent|repl|répon|attente|hold|refund|rembours|appli|app "
    )
    assert about_support.mean() > 0.5


def test_comments_are_varied(answered: pd.DataFrame) -> None:
    assert len(answered) > 3000
    assert answered.comment.nunique() > 1000
    assert answered.comment.value_counts(normalize=True).iloc[0] < 0.02


def test_a_third_of_answers_have_a_comment(sql: Query) -> None:
    share = sql("select avg((comment is not null)::int) s from survey_responses").s[0]
    assert 0.25 < share < 0.45
    by_feel = (
        sql(
            f"""select {FEELING_OF_SCORE} feeling, avg((comment is not null)::int) s
            from survey_responses group by 1"""
        )
        .set_index("feeling")
        .s
    )
    assert by_feel["neg"] > by_feel["pos"]
