"""Themes from the keyword taxonomy: matching rules and clear errors for a bad file."""

from __future__ import annotations

from pathlib import Path

import pytest

from cxpulse.errors import ConfigError
from cxpulse.text.themes import assign_themes, load_taxonomy


def test_shipped_taxonomy() -> None:
    tax = load_taxonomy()
    assert tax.names[:3] == ["delivery", "price", "coffee_quality"]
    assert {"support", "app", "refund", "billing", "subscription", "website"} <= set(tax.names)
    assert tax.themes[0].label("fr") == "Livraison"


def test_accents_case_plurals_prefixes_and_phrases() -> None:
    found = assign_themes(
        [
            "COLIS LIVRÉ EN RETARD",  # no accents needed, any case
            "Les colis sont arrivés",  # plural
            "Toujours pas remboursée",  # prefix rembours*
            "Thanks to customer service",  # phrase
            "The parcels were late and the app crashed",
            "Nothing to say",
            None,
        ],
        ["fr", "fr", "fr", "en", "en", "en", None],
    )
    assert found[0] == ["delivery"]
    assert found[1] == ["delivery"]
    assert found[2] == ["refund"]
    assert found[3] == ["support"]
    assert found[4] == ["delivery", "app"]
    assert found[5] == [] and found[6] == []


def test_unknown_language_uses_every_language() -> None:
    assert assign_themes(["colis"], [None]) == [["delivery"]]
    assert assign_themes(["colis"], ["en"]) == [[]]


def test_a_user_taxonomy(tmp_path: Path) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text(
        "themes:\n"
        "  packaging:\n"
        "    label: {en: Packaging, fr: Emballage}\n"
        "    keywords:\n"
        "      en: [packaging, 'resealable bag', recycl*]\n"
        "      fr: [emballage*, 'sachet refermable']\n",
        encoding="utf-8",
    )
    found = assign_themes(
        ["Love the recyclable packaging", "Les emballages sont jolis"], ["en", "fr"], path
    )
    assert found == [["packaging"], ["packaging"]]


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("themes: [a, b]\n", "expected a 'themes:' mapping"),
        ("version: 2\nthemes:\n  a:\n    keywords: {en: [x]}\n", "version 2"),
        ("themes:\n  Bad Name:\n    keywords: {en: [x]}\n", "theme name 'Bad Name'"),
        ("themes:\n  a:\n    label: A\n", "theme 'a' needs 'keywords:'"),
        ("themes:\n  a:\n    keywords: {de: [x]}\n", "unknown language 'de'"),
        ("themes:\n  a:\n    keywords: {en: x}\n", "keywords.en must be a list"),
        ("themes:\n  a:\n    keywords: {en: ['*']}\n", "keywords.en must be a list"),
        ("themes:\n  a:\n    keywords: {en: []}\n", "theme 'a' has no keywords"),
        ("themes:\n  a:\n    keywords: {en: [x]\n", "is not valid YAML (line 4)"),
    ],
)
def test_taxonomy_errors_name_the_file_and_the_problem(
    tmp_path: Path, content: str, problem: str
) -> None:
    path = tmp_path / "themes.yaml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ConfigError, match=problem.replace("(", r"\(").replace(")", r"\)")) as info:
        load_taxonomy(path)
    assert str(path) in str(info.value)


def test_missing_taxonomy_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read the theme taxonomy .*nope.yaml"):
        load_taxonomy(tmp_path / "nope.yaml")
