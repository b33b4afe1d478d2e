"""Lexicon files: a user's copy is read with errors naming the file and the line."""

from __future__ import annotations

from pathlib import Path

import pytest

from cxpulse.errors import ConfigError
from cxpulse.text.french import FrenchLexiconAnalyzer
from cxpulse.text.lexicon import data_path, read_entries
from cxpulse.text.normalize import fold, stem, tokens


def test_shipped_lexicons_load() -> None:
    assert len(read_entries(data_path("lexicon_fr.tsv"))) > 300
    assert read_entries(data_path("lexicon_en.tsv"))["support"] == 0


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("bon 2\n", "expected 'term<TAB>valence'"),
        ("bon\tgood\n", "is not a number"),
        ("bon\t9\n", "outside -4..4"),
        ("bon\t2\nBon\t1\n", "listed twice"),
    ],
)
def test_bad_lexicon_lines(tmp_path: Path, content: str, problem: str) -> None:
    path = tmp_path / "mine.tsv"
    path.write_text("# my words\n" + content, encoding="utf-8")
    with pytest.raises(ConfigError, match=problem) as info:
        read_entries(path)
    assert str(path) in str(info.value) and ", line " in str(info.value)


def test_a_user_lexicon_changes_the_score(tmp_path: Path) -> None:
    path = tmp_path / "mine.tsv"
    path.write_text("cafe\t3\n", encoding="utf-8")
    assert FrenchLexiconAnalyzer(path).label(["Le café."]) == ["positive"]
    with pytest.raises(ConfigError, match="cannot read"):
        FrenchLexiconAnalyzer(tmp_path / "missing.tsv")


def test_normalisation() -> None:
    assert fold("Livré À L’Heure, Œuvre") == "livre a l'heure, oeuvre"
    assert tokens("L'appli m'a déconnecté 😡 !") == ["l", "appli", "m", "a", "deconnecte", "😡"]
    assert tokens("I don't know") == ["i", "don't", "know"]
    assert stem("livrees") == stem(fold("livré")) == stem("livree")
    assert stem("parcels") == stem("parcel")
    assert stem("désastreuse".replace("é", "e")) == stem("desastreux")
