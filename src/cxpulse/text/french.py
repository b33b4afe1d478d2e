"""The default French analyzer: a hand-written lexicon with VADER's rules, written for cxpulse.

Measured against textblob-fr on the labelled French comments (see tests/text/test_accuracy.py
and the README): textblob-fr scores adjectives only, so it misses « J'attends mon
remboursement depuis trois semaines », reads « pas terrible » as praise, and needs nltk. This
analyzer follows VADER's recipe in French:

- a lexicon of words and phrases (``lexicon_fr.tsv``), idioms first (« pas mal », « pas
  terrible », « rien à redire », Quebec « pas pire »), then words, then ``word*`` prefixes;
- negation: « ne », « pas », « jamais », « aucun », « rien », « sans », « ni » in the four
  words before a word (French puts « pas » after the verb: « n'est vraiment pas bon ») flip and
  shrink it (x -0.74, VADER's constant); clauses (commas, full
  stops) end the scope, so « Pas de retard, bon café » keeps « bon » positive;
- intensifiers (« très », « trop », « vraiment », « super » before a sentiment word) and
  softeners (« un peu », « assez »);
- contrast: after « mais » (« par contre », « pourtant »), words weigh 1.5 and before it 0.5;
- exclamation marks strengthen, and the customer-service cues of :mod:`cxpulse.text.cues`
  (waiting times, sarcasm) add their valence.

The sum is squashed to -1..1 as VADER does (``x / sqrt(x² + 15)``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt

from cxpulse.text.cues import Cues
from cxpulse.text.lexicon import Lexicon, data_path, read_entries
from cxpulse.text.normalize import stem, tokens
from cxpulse.text.sentiment import ThresholdLabels, squash

# Keys are stemmed like the text ("tres" -> "tre", "sans" -> "san").
NEGATORS = frozenset(
    stem(w) for w in ("ne", "n", "pas", "jamais", "aucun", "aucune", "rien", "sans", "ni")
)
_BOOSTERS: dict[str, float] = {
    "tres": 0.3,
    "trop": 0.3,
    "vraiment": 0.3,
    "super": 0.3,
    "hyper": 0.35,
    "ultra": 0.35,
    "tellement": 0.3,
    "si": 0.2,
    "extremement": 0.4,
    "vachement": 0.3,
    "particulierement": 0.25,
    "absolument": 0.3,
    "completement": 0.3,
    "totalement": 0.3,
    "carrement": 0.3,
    "grave": 0.3,
    "ben": 0.2,
    "assez": -0.25,
    "plutot": -0.25,
    "legerement": -0.3,
    "moyennement": -0.4,
    "peu": -0.3,  # in "un peu"; "peu" alone negates, see _modify
}
BOOSTERS = {stem(w): v for w, v in _BOOSTERS.items()}
CONTRASTS = frozenset(stem(w) for w in ("mais", "cependant", "pourtant", "toutefois", "neanmoins"))
N_SCALAR = -0.74  # VADER's factor for a negated word
_CLAUSE = re.compile(r"[,.;:!?…()\n]+")


class FrenchLexiconAnalyzer(ThresholdLabels):
    """Scores French comments from -1 (very negative) to +1 (very positive)."""

    name = "cxpulse-fr"
    version = "1"
    language = "fr"

    def __init__(self, lexicon: str | Path | None = None) -> None:
        path = Path(lexicon) if lexicon is not None else data_path("lexicon_fr.tsv")
        self.lexicon = Lexicon.compile(read_entries(path))
        self._cues = Cues("fr")

    def score(self, texts: Sequence[str]) -> npt.NDArray[np.float64]:
        return np.array([self.score_one(t) for t in texts], dtype=np.float64)

    def score_one(self, text: str) -> float:
        cue = self._cues.apply(text)
        items: list[float] = []
        contrast_at: int | None = None
        for clause in _CLAUSE.split(cue.text):
            stems = [stem(t) for t in tokens(clause)]
            if contrast_at is None:
                first = _contrast_index(stems)
                if first is not None:
                    contrast_at = len(items) + _items_before(self, stems, first)
            items.extend(self._clause_items(stems))
        if contrast_at is not None:
            items = [v * (0.5 if i < contrast_at else 1.5) for i, v in enumerate(items)]
        total = sum(items)
        if total:
            total += math.copysign(min(text.count("!"), 4) * 0.292, total)
        return squash(total + cue.valence)

    def _clause_items(self, stems: list[str]) -> list[float]:
        lex = self.lexicon
        items: list[float] = []
        i = 0
        while i < len(stems):
            for length in range(min(lex.longest, len(stems) - i), 1, -1):
                value = lex.phrases.get(tuple(stems[i : i + length]))
                if value is not None:
                    # a phrase that starts with a negation ("pas terrible") is not negated again
                    negatable = stems[i] not in NEGATORS
                    items.append(_modify(value, stems, i, negatable))
                    i += length
                    break
            else:
                value = lex.word(stems[i])
                booster = stems[i] in BOOSTERS and i + 1 < len(stems)
                if value is not None and not (booster and lex.word(stems[i + 1]) is not None):
                    items.append(_modify(value, stems, i, True))
                i += 1
        return items


def _modify(value: float, stems: list[str], i: int, negatable: bool) -> float:
    for back in (1, 2):
        j = i - back
        if j >= 0 and stems[j] in BOOSTERS:
            boost = BOOSTERS[stems[j]]
            if stems[j] == "peu" and (j == 0 or stems[j - 1] != "un"):
                value *= N_SCALAR * 0.7  # "peu aimable": hardly friendly
                negatable = False
                continue
            value *= 1 + boost * (1 if back == 1 else 0.95)
    if negatable and any(s in NEGATORS for s in stems[max(0, i - 4) : i]):
        value *= N_SCALAR
    return value


def _contrast_index(stems: list[str]) -> int | None:
    for i, s in enumerate(stems):
        if s in CONTRASTS or (s == "par" and i + 1 < len(stems) and stems[i + 1] == "contre"):
            return i
    return None


def _items_before(analyzer: FrenchLexiconAnalyzer, stems: list[str], index: int) -> int:
    """How many lexicon items the clause has before the contrast word."""
    return len(analyzer._clause_items(stems[:index]))
