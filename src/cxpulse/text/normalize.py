"""Text normalisation shared by language detection, themes and the French analyzer.

Customers type with and without accents (« livre », « livré »), with typographic apostrophes
and in capitals, so every comparison is made on folded text: lower case, accents removed,
ligatures split, apostrophes made plain. Stemming is deliberately light (plural and feminine
endings only): aggressive stemmers merge words such as « livre » (book) and « livrer » less
predictably than a user editing the taxonomy expects; prefixes with ``*`` cover the rest.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "`": "'", "´": "'", "ʼ": "'"})
_LIGATURES = str.maketrans({"œ": "oe", "æ": "ae", "ß": "ss"})
# Words (letters and digits, with inner apostrophes and hyphens) or single symbols such as
# emoji, so "😍" is a token the lexicons can score.
_TOKEN = re.compile(r"[a-z0-9]+(?:['-][a-z0-9]+)*|[^\sa-z0-9.,;:!?'\"()\[\]{}«»/\\-]")
_VARIATION = re.compile("[\ufe0e\ufe0f\u200d]")


def fold(text: str) -> str:
    """Lower case without accents: "Livré à l’heure" -> "livre a l'heure"."""
    lowered = text.translate(_APOSTROPHES).lower().translate(_LIGATURES)
    decomposed = unicodedata.normalize("NFKD", lowered)
    kept = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _VARIATION.sub("", kept)


def tokens(text: str) -> list[str]:
    """Folded tokens; elisions are split ("l'appli" -> "l", "appli") so the word is found."""
    out: list[str] = []
    for tok in _TOKEN.findall(fold(text)):
        if "'" in tok:
            head, _, tail = tok.partition("'")
            # English contractions stay whole ("don't", "i've"): negation reads them.
            if len(head) <= 3 and head in _ELISIONS and tail:
                out.extend((head, tail))
                continue
        out.append(tok)
    return out


# French elided words: "l'", "d'", "n'", "qu'", "j'", "c'", "s'", "m'", "t'", "jusqu'", "lorsqu'"
_ELISIONS = frozenset({"l", "d", "n", "qu", "j", "c", "s", "m", "t"})


@lru_cache(maxsize=65536)
def stem(token: str) -> str:
    """Plural and feminine endings off: "colis"/"coli", "livrees"/"livre", "parcels"/"parcel".

    Both the text and the taxonomy keywords go through this function, so only consistency
    matters, not linguistic accuracy.
    """
    t = token
    if len(t) > 4 and t.endswith("ies"):
        return t[:-3] + "y"
    if len(t) > 3 and t[-1] in "sx" and not t.endswith(("ss", "us", "is")):
        t = t[:-1]
    if len(t) > 4 and t.endswith("ee"):
        t = t[:-1]
    if len(t) > 5 and t.endswith("euse"):  # desastreuse / desastreux
        return t[:-2]
    if len(t) > 4 and t.endswith("ive"):  # intuitive / intuitif
        return t[:-2] + "f"
    if len(t) > 4 and t.endswith(("nne", "lle", "tte")):  # bonne, nulle, nette
        return t[:-2]
    if len(t) > 4 and t.endswith("e") and t[-2] not in "aeiouy":
        t = t[:-1]
    return t


def stems(text: str) -> list[str]:
    return [stem(t) for t in tokens(text)]
