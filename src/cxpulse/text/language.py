"""Offline English/French detection for short customer comments and ticket subjects.

General detectors (langdetect, fastText) are trained on long texts in dozens of languages and
stumble on "Gift card" or "Colis non reçu"; this one only has to choose between the two
languages cxpulse analyses, so it counts evidence: function words, letters with French accents,
elisions ("l'", "qu'") and English contractions ("don't", "I've"), and the words of the theme
taxonomy and the sentiment lexicons. A text with too little evidence (an emoji, "ok") gets no
language; callers then use the row's language column, the customer's language or a default.
Accuracy against langdetect is measured in tests/text/test_language.py.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import lru_cache

from cxpulse.schema import LANGUAGES
from cxpulse.text.normalize import tokens


# Function words that are frequent in one language and absent (or rare) in the other; words
# common to both ("a", "on", "me", "plus", "service", "support") are left out on purpose.
def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


EN_FUNCTION_WORDS = _words(
    """the and is are was were be been being to of in for with at by from this that these
    those it its it's i i'm i've i'd i'll my me we our you your they their them he she his
    her not no yes but or if so very too just still again have has had do does did don't
    doesn't didn't can can't cannot could couldn't would wouldn't should won't will isn't
    aren't wasn't haven't hasn't what when where why how who which there here all any some
    every each more most much many after before about into over up out off than then only also
    even ever never always already yet got get take took make made thanks thank please nothing
    like love great good bad new one two three weeks week days day month months time times
    our waiting waited order ordered arrived delivery coffee beans app website refund charged
    subscription price customer"""
)
FR_FUNCTION_WORDS = _words(
    """le la les un une des du de au aux et est sont etait ete etre avoir ai avons avez ont
    je tu il elle nous vous ils elles mon ma mes ton ta tes son sa ses notre nos votre vos leur
    leurs ce cet cette ces ca cela qui que quoi dont ou pour par avec sans sur sous dans chez
    mais donc car ni ne pas plus jamais rien toujours encore deja tres trop bien tout tous
    toute toutes aussi comme depuis pendant apres avant quand comment pourquoi combien merci
    bonjour svp oui non moi toi lui eux y en fait faire peut veux voudrais suis avait sera
    semaine semaines jour jours mois fois commande livraison colis cafe grains appli
    remboursement abonnement prix facture"""
)
FR_ELISIONS = frozenset({"l", "d", "n", "qu", "j", "c", "s", "m", "t"})
_FR_ACCENTS = re.compile(r"[éèêëàâçùûôîïœÉÈÊÀÇ]")
_EN_CONTRACTION = re.compile(r"\b\w+'(?:s|t|ve|re|ll|d|m)\b", re.IGNORECASE)
MIN_EVIDENCE = 1.0


@lru_cache(maxsize=1)
def _vocabulary() -> tuple[frozenset[str], frozenset[str]]:
    """Words of the shipped lexicons and taxonomy, minus those found in both languages."""
    from cxpulse.text.lexicon import data_path, read_entries
    from cxpulse.text.themes import load_taxonomy

    en: set[str] = {t for k in read_entries(data_path("lexicon_en.tsv")) for t in k.split()}
    fr: set[str] = {t for k in read_entries(data_path("lexicon_fr.tsv")) for t in k.split()}
    for theme in load_taxonomy().themes:
        en.update(w for k in theme.keywords.get("en", ()) for w in k.rstrip("*").split())
        fr.update(w for k in theme.keywords.get("fr", ()) for w in k.rstrip("*").split())
    both = en & fr
    return frozenset(en - both - FR_FUNCTION_WORDS), frozenset(fr - both - EN_FUNCTION_WORDS)


def evidence(text: str) -> dict[str, float]:
    """Evidence points for each language (see the module docstring)."""
    en_vocab, fr_vocab = _vocabulary()
    scores = {"en": 0.0, "fr": 0.0}
    words = tokens(text)
    for i, word in enumerate(words):
        if word in EN_FUNCTION_WORDS:
            scores["en"] += 1.0
        elif word in FR_FUNCTION_WORDS:
            scores["fr"] += 1.0
        elif word in en_vocab:
            scores["en"] += 0.5
        elif word in fr_vocab:
            scores["fr"] += 0.5
        # an elided article or pronoun followed by a word: "l appli", "qu il"
        if word in FR_ELISIONS and i + 1 < len(words):
            scores["fr"] += 0.5
    scores["fr"] += 0.75 * len(_FR_ACCENTS.findall(text))
    scores["en"] += 0.75 * len(_EN_CONTRACTION.findall(text.replace("’", "'")))
    return scores


def detect_language(text: str | None, default: str | None = None) -> str | None:
    """The language of ``text`` (en or fr), or ``default`` when the evidence is too thin."""
    if not text:
        return default
    scores = evidence(text)
    best = max(LANGUAGES, key=lambda lang: scores[lang])
    other = "fr" if best == "en" else "en"
    if scores[best] < MIN_EVIDENCE or scores[best] == scores[other]:
        return default
    return best


def detect_languages(texts: Sequence[str | None], default: str | None = None) -> list[str | None]:
    """:func:`detect_language` for each text (repeated texts are detected once)."""
    seen: dict[str | None, str | None] = {}
    return [_cached(seen, t, default) for t in texts]


def _cached(
    seen: dict[str | None, str | None], text: str | None, default: str | None
) -> str | None:
    if text not in seen:
        seen[text] = detect_language(text, default)
    return seen[text]


def supported(languages: Iterable[object]) -> list[str | None]:
    """Language codes reduced to the two analysed ones ("fr-CA" -> "fr"); others -> None."""
    out: list[str | None] = []
    for lang in languages:
        code = lang.strip().lower()[:2] if isinstance(lang, str) else ""
        out.append(code if code in LANGUAGES else None)
    return out
