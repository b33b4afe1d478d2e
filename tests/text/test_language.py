"""English/French detection: measured on the labelled sets and on real ticket subjects."""

from __future__ import annotations

import pytest

from cxpulse.demo.subjects import SUBJECTS
from cxpulse.text.evaluate import load_labelled
from cxpulse.text.language import detect_language, detect_languages, supported


def _labelled() -> list[tuple[str, str]]:
    return [(t, lang) for lang in ("en", "fr") for t in load_labelled(lang)["text"]]


def _subjects() -> list[tuple[str, str]]:
    # SUBJECTS holds four English then four French subject lines per category
    return [(s, "en" if (i // 4) % 2 == 0 else "fr") for i, s in enumerate(SUBJECTS)]


def test_accuracy_on_labelled_comments() -> None:
    items = _labelled()
    found = detect_languages([t for t, _ in items])
    wrong = [(t, g) for (t, g), f in zip(items, found, strict=True) if f is not None and f != g]
    undecided = [t for (t, _), f in zip(items, found, strict=True) if f is None]
    accuracy = 1 - (len(wrong) + len(undecided)) / len(items)
    print(f"\nlanguage: accuracy {accuracy:.3f}, {len(undecided)} undecided ({undecided})")
    assert not wrong  # measured: 0 wrong, 7 undecided ("Ok", "☕😍", "meh", "bof"...)
    assert accuracy >= 0.97


def test_ticket_subjects_are_short_but_detected() -> None:
    items = _subjects()
    found = [detect_language(t) for t, _ in items]
    assert all(f in (None, g) for f, (_, g) in zip(found, items, strict=True))
    assert sum(f is not None for f in found) >= 42  # measured: 44 of 48


def test_short_or_ambiguous_texts_use_the_default() -> None:
    assert detect_language("ok") is None
    assert detect_language("☕😍", default="fr") == "fr"
    assert detect_language("", default="en") == "en"
    assert detect_language(None) is None
    assert detect_language("Livré à l’heure, merci") == "fr"
    assert detect_language("LIVRAISON EN RETARD") == "fr"
    assert detect_language("I don't get it") == "en"


def test_language_codes_are_reduced_to_en_and_fr() -> None:
    assert supported(["fr-CA", "EN", "de", None, "", float("nan")]) == ["fr", "en"] + [None] * 4


def test_better_than_langdetect_on_subjects() -> None:
    langdetect = pytest.importorskip("langdetect")
    langdetect.DetectorFactory.seed = 0
    items = _subjects()
    theirs = sum(langdetect.detect(t) == g for t, g in items) / len(items)
    ours = sum(detect_language(t) == g for t, g in items) / len(items)
    print(f"\nticket subjects: cxpulse {ours:.3f}, langdetect {theirs:.3f}")
    assert ours > theirs
