"""Themes from the keyword taxonomy: matching rules and clear errors for a bad file."""

from __future__ import annotations

from pathlib import Path

import pytest

from cxpulse.demo.workspace import DEMO_TAXONOMY
from cxpulse.errors import ConfigError
from cxpulse.text.themes import assign_themes, load_taxonomy


def test_built_in_taxonomy_is_for_any_business() -> None:
    tax = load_taxonomy()
    assert {
        "delivery", "wait_time", "support", "staff", "price", "billing", "refund", "returns",
        "cancellation", "account", "bugs", "usability", "product_quality", "communication",
    } <= set(tax.names)  # fmt: skip
    assert "coffee_quality" not in tax.names  # the demo's themes live with the demo
    assert tax.themes[0].label("fr") == "Livraison"
    for theme in tax.themes:  # every theme is found in both languages
        assert theme.keywords.get("en") and theme.keywords.get("fr"), theme.name


def test_the_demo_taxonomy_is_a_package_file() -> None:
    tax = load_taxonomy(DEMO_TAXONOMY)
    assert tax.names[:3] == ["delivery", "price", "coffee_quality"]
    with pytest.raises(ConfigError, match="no Python package 'nowhere_pkg'"):
        load_taxonomy("nowhere_pkg:themes.yaml")


def test_accents_case_plurals_prefixes_and_phrases() -> None:
    found = assign_themes(
        [
            "COLIS LIVRÉ",  # no accents needed, any case
            "Les colis sont arrivés",  # plural
            "Toujours pas remboursée",  # prefix rembours*
            "Thanks to customer service",  # phrase
            "The parcels were late and the app crashed",
            "Nothing to say",
            None,
            "J'ai dû résilier mon abonnement, la facture était fausse",
            "Couldn't log in, password reset never came; the staff were rude",
        ],
        ["fr", "fr", "fr", "en", "en", "en", None, "fr", "en"],
    )
    assert found[0] == ["delivery"]
    assert found[1] == ["delivery"]
    assert found[2] == ["refund"]
    assert found[3] == ["support"]
    assert found[4] == ["delivery", "wait_time", "bugs", "website_app"]
    assert found[5] == [] and found[6] == []
    assert found[7] == ["billing", "cancellation", "subscription"]
    assert found[8] == ["staff", "account"]


@pytest.mark.parametrize(
    ("text", "language"),
    [
        # short words and prefixes inside other words, and words of several meanings
        ("I appreciate the attention, the appetizer was great", "en"),
        ("My return flight was on a plane full of happy people", "en"),
        ("Good, nice, great, super, bad, awful", "en"),
        ("Je conseille ce site à tous, je me suis rendu compte que c'est bien", "fr"),
        ("Page d'accueil claire, données personnelles respectées", "fr"),
        ("Conforme à mes attentes, par défaut en français", "fr"),
        ("Super, génial, nul, bien, mauvais", "fr"),
    ],
)
def test_no_theme_from_generic_or_look_alike_words(text: str, language: str) -> None:
    tax = load_taxonomy()
    assert tax.assign(text, language) in ([], ["website_app"], ["product_quality"])
    assert not {"staff", "wait_time", "subscription", "returns", "account", "support"} & set(
        tax.assign(text, language)
    )


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
