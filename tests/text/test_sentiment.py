"""Sentiment analyzers: negation, idioms, implicit complaints, sarcasm, registry, labels."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest

from cxpulse.errors import ConfigError
from cxpulse.text.sentiment import (
    Analyzer,
    ThresholdLabels,
    Thresholds,
    analyzer_names,
    get_analyzer,
    labels,
    register_analyzer,
)


def label(language: str, text: str) -> str:
    return get_analyzer(language).label([text])[0]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Le café est bon.", "positive"),
        ("Le café n'est pas bon.", "negative"),
        ("Le café n'est vraiment pas bon.", "negative"),  # « pas » three words before
        ("La livraison ? Pas terrible.", "negative"),  # idiom: not great = bad
        ("Pas mal du tout !", "positive"),  # idiom: not bad at all = good
        ("Jamais déçu en deux ans.", "positive"),
        ("Aucun problème avec la livraison.", "positive"),
        ("Pas de retard, bon café.", "positive"),  # the comma ends the negation
        ("Livraison pas pire pantoute.", "positive"),  # Quebec: pretty good
        ("Ce n'est plus ce que c'était.", "negative"),
        ("Un peu cher mais la qualité est excellente.", "positive"),  # after « mais » weighs more
        ("Bon café, mais la livraison est catastrophique.", "negative"),
    ],
)
def test_french_negation_and_idioms(text: str, expected: str) -> None:
    assert label("fr", text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Not bad at all, the decaf is lovely.", "positive"),
        ("The coffee is not great.", "negative"),
        ("No complaints, it just works.", "positive"),
        ("Never had a single late delivery.", "positive"),
        ("Couldn't fault the support team.", "positive"),
        ("I wouldn't recommend it.", "negative"),
    ],
)
def test_english_negation(text: str, expected: str) -> None:
    assert label("en", text) == expected


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "I waited three weeks for a refund."),
        ("en", "Still no sign of my parcel."),
        ("en", "Charged twice this month."),
        ("fr", "J'attends mon remboursement depuis trois semaines."),
        ("fr", "Toujours pas de colis."),
        ("fr", "Prélevé deux fois ce mois-ci."),
    ],
)
def test_implicit_complaints_are_negative(language: str, text: str) -> None:
    assert label(language, text) == "negative"


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "Oh great, the app crashed again. Love that for me."),
        ("en", "Brilliant, my express delivery took 8 days."),
        ("fr", "Bravo, encore une livraison en retard. Merci."),
        ("fr", "Génial, ma livraison express a pris trois semaines."),
    ],
)
def test_sarcasm_beside_a_problem_is_negative(language: str, text: str) -> None:
    assert label(language, text) == "negative"


def test_praise_without_a_problem_stays_praise() -> None:
    assert label("en", "Great coffee, will order again!") == "positive"
    assert label("fr", "Génial, livré en deux jours.") == "positive"


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "Please add PayPal as a payment option."),
        ("en", "What time does the support line open?"),
        ("fr", "Merci de noter mon nouveau numéro."),  # a polite imperative, not thanks
        ("fr", "Ajoutez PayPal comme moyen de paiement svp."),
    ],
)
def test_requests_are_neutral(language: str, text: str) -> None:
    assert label(language, text) == "neutral"


def test_scores_are_in_range_and_accept_odd_input() -> None:
    for lang in ("en", "fr"):
        scores = get_analyzer(lang).score(["", "!!!", "😡😡😡", "a" * 5000, "Super super super"])
        assert scores.shape == (5,) and np.all(np.abs(scores) <= 1)
        assert scores[0] == 0


def test_labels_and_thresholds() -> None:
    assert labels([-0.5, -0.15, 0.0, 0.15, 0.9]) == [
        "negative",
        "negative",
        "neutral",
        "positive",
        "positive",
    ]
    assert labels([0.1], Thresholds(-0.05, 0.05)) == ["positive"]
    with pytest.raises(ConfigError, match="thresholds"):
        Thresholds(0.5, -0.5)


class Constant(ThresholdLabels):
    name = "constant"
    version = "1"

    def score(self, texts: Sequence[str]) -> np.ndarray:
        return np.full(len(texts), 0.5)


def test_registry() -> None:
    assert {"cxpulse-en", "vader"} <= set(analyzer_names("en"))
    assert isinstance(get_analyzer("fr"), Analyzer)
    assert get_analyzer("en").name == "cxpulse-en"
    with pytest.raises(ConfigError, match="cxpulse-fr"):
        get_analyzer("fr", "nope")
    with pytest.raises(ConfigError, match="en and fr"):
        get_analyzer("de")
    register_analyzer("fr", "constant", Constant)
    try:
        assert get_analyzer("fr", "constant").label(["x"]) == ["positive"]
        assert get_analyzer("fr").name == "cxpulse-fr"  # the default did not change
    finally:
        from cxpulse.text import sentiment

        del sentiment._REGISTRY["fr"]["constant"]
