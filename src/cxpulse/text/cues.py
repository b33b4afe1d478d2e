"""Customer-service cues that word lexicons miss: implicit complaints and sarcasm.

"I waited three weeks for a refund" has no negative word, yet every support lead reads it as
a complaint; "Oh great, the app crashed again" has a positive word and is one too. Both are
frequent in comments and tickets (see the ``implicit`` and ``sarcasm`` rows of the labelled
sets). This module finds them with a few patterns per language and returns:

- ``valence``: extra valence (VADER's -4..+4 scale) added to the analyzer's sum,
- ``text``: the text with sarcastic praise removed, so the lexicon does not count it as praise.

Sarcasm is only assumed when the same comment states a concrete problem (a complaint pattern or
a problem word such as "late", "crashed", "en retard"): praise at the start of a sentence, or a
short sentence of praise ("Brilliant.", "Merci."), then counts against the comment. Patterns run
on folded tokens joined by spaces (see :mod:`cxpulse.text.normalize`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from cxpulse.text.normalize import tokens

_NUM_EN = r"(?:\d+|a|an|one|two|three|four|five|six|seven|eight|nine|ten|several|many|few)"
_NUM_FR = r"(?:\d+|un|une|deux|trois|quatre|cinq|six|sept|huit|neuf|dix|quinze|plusieurs|quelques)"
_W = r"(?:\S+ ){0,5}?"  # up to five words in between

_EN: tuple[tuple[str, float], ...] = (
    # waiting: "waited three weeks", "took 8 days", "after 9 days", "since forever"
    (rf"\b(?:wait\w*|took|taken|takes|taking|after|chase\w*) {_W}{_NUM_EN} (?:more )?"
     r"(?:hours?|days?|weeks?|months?)\b", -2.0),
    (r"\b(?:since forever|for ages|forever)\b", -1.5),
    (r"\bon hold\b", -2.0),
    (r"\bstill (?:\S+ ){0,3}?(?:no|not|nothing|waiting|haven't|hasn't|didn't|isn't|doesn't|don't|"
     r"can't|missing)\b", -2.0),
    (r"\bno \w+ yet\b", -1.8),
    # a thing that should have happened and did not
    (r"\b(?:never|not|didn't|haven't|hasn't|wasn't|isn't|doesn't|don't|won't|wouldn't|"
     r"nobody|no one|nothing|nowhere) (?:\S+ ){0,3}?(?:arrived|arrive|received|receive|came|"
     r"come|got|get|replied|reply|answered|answer|responded|delivered|refunded|shipped|moved|"
     r"called|show|shows|updated|changed|explained|read|heard|emailed|told|warned|recogni[sz]e|"
     r"work|works|worked|working|open|opens|load|loads|let|solve|solved|fix|fixed|reads)\b", -2.0),
    (r"\bnot what (?:i|we) (?:\S+ ){0,2}?(?:promised|expected|ordered|paid for)\b", -2.0),
    # "never had a single late delivery": the problem word is praise here
    (r"\b(?:never|not once) (?:had|got) (?:a |any )?(?:single )?(?:late|bad|problem|issue|"
     r"complaint|delay)\w*", 3.0),
    (r"\b(?:can't|cannot|couldn't|unable to|impossible to) (?:\S+ ){0,1}?(?:find|log|login|"
     r"pause|cancel|skip|change|update|use|pay|reach|get)\b", -1.5),
    (r"\b(?:twice|(?:two|three|four|five|six|\d+) times)\b", -1.5),
    (r"\b(?:i'll|i will|going to|gonna|thinking of|about to|might|probably) (?:\S+ ){0,2}?"
     r"cancel\w*\b", -2.0),
    (r"\bgo(?:ing)? back to\b", -1.2),
    (r"\bused to (?:be|taste|love)\b|\bthan (?:it )?used to\b|\bthan before\b", -2.6),
    (r"\bwithout (?:my |any |a |me )?(?:asking|consent|permission|notice|warning|telling)\b",
     -1.8),
    (r"\bcheaper elsewhere\b", -1.6),
    (r"\b(?:charged|billed|debited|renewed) (?:\S+ ){0,4}?(?:after|even though|although|"
     r"despite)\b", -2.0),
    (r"\bordered (?:\S+ ){0,6}?(?:and|but) (?:got|received)\b", -1.8),
    (r"\bwhere is my\b", -1.0),
    (r"\bwhy (?:is|was|do|does|did|am|are|can't|isn't|won't)\b", -1.0),
    (r"\b(?:zero|0|one|1) stars?\b", -2.5),
    (r"\bkeeps? (?:getting|crashing|timing|rejecting|logging|failing|freezing|sending)\b",
     -1.5),
)  # fmt: skip

_FR: tuple[tuple[str, float], ...] = (
    (rf"\b(?:attendu|attends?|attente|attendre|depuis|apres|pris|prend|fallu|relance\w*) "
     rf"{_W}{_NUM_FR} (?:heures?|jours?|semaines?|mois)\b", -2.0),
    (rf"\bca fait {_W}{_NUM_FR} (?:jours?|semaines?|mois)\b", -2.0),
    (rf"\b{_NUM_FR} (?:jours?|semaines?|mois) (?:pour|sans|a attendre)\b", -1.8),
    (r"\b\d+ minutes (?:d attente|au telephone|en attente|en ligne)\b", -2.0),
    (r"\btoujours (?:pas|rien|aucun|aucune|en attente|sans)\b", -2.0),
    (r"\b(?:attends?|attend) (?:toujours|encore)\b", -2.0),
    (r"\b(?:jamais|pas|rien|personne|aucun|aucune|ne|n) (?:\S+ ){0,3}?(?:recu|arrive|"
     r"rembourse|repondu|repond|livre|rappele|rappelle|lu|bouge|marche|fonctionne|affiche|"
     r"explique|prevenu|decroche|reconnai\w*|regle|resout|eu(?! a\b)|obtenu|lit|lisent)\b", -2.0),
    (r"\bpas ce (?:qu|que) (?:\S+ ){0,3}?(?:promis|commande|attendu|paye)\b", -2.0),
    (r"\b(?:ne|n) (?:\S+ ){0,2}?plus ce (?:qu|que)\b", -2.0),
    (r"\b(?:ne|n) (?:\S+ ){0,3}?(?:ouvre|ouvert\w*|charge|lance)\b", -2.0),
    (r"\b(?:ne|n) (?:me |nous )?(?:laisse|permet)\w* (?:pas|plus)\b", -1.5),
    (r"\bimpossible (?:de|d)\b", -1.5),
    (r"\b(?:deux|trois|quatre|cinq|six|\d+) fois\b", -1.5),
    (r"\b(?:vais|va|pense a|envie de|compte|songe a) (?:\S+ ){0,2}?resilier\b", -2.0),
    (r"\bje retourne (?:au|chez|a)\b", -1.2),
    (r"\b(?:meilleur|mieux) avant\b|\bqu avant\b|\bque avant\b", -2.6),
    (r"\bmoins cher ailleurs\b", -1.6),
    (r"\b(?:debite|preleve|facture|renouvele)\w* (?:\S+ ){0,4}?(?:apres|alors que|bien que|"
     r"malgre)\b", -2.0),
    (r"\b(?:commande|demande|pris) (?:\S+ ){0,6}?j ai (?:recu|eu)\b", -1.8),
    (r"\bau lieu de\b", -1.0),
    (r"\bsans (?:me |nous |mon |notre )?(?:prevenir|demander|accord|preavis|consentement)\b",
     -1.8),
    (r"\bou est ma\b", -1.0),
    (r"\bpourquoi\b", -1.0),
    (r"\b(?:zero|0|une|1) etoiles?\b", -2.5),
)  # fmt: skip

# Politeness that lexicons read as feeling; these adjust the score but are no complaint.
_POLITE: dict[str, tuple[tuple[str, float], ...]] = {
    "en": (),
    # "merci de + infinitive" is a polite imperative, not thanks: cancel "merci"
    "fr": ((r"\bmerci (?:de|d) (?:me |nous )?(?!avoir\b|etre\b)\w+(?:er|ir|re)\b", -1.6),),
}

# Words that name a concrete problem: their presence makes sentence-initial praise sarcastic.
_PROBLEMS = {
    "en": r"\b(?:late|delayed|crash\w*|bug\w*|broken|torn|crushed|damaged|missing|stale|burnt|"
    r"slow|error|fail\w*|lost|wrong|overcharged|another|in a row|copy-paste|canned|"
    r"nightmare)\b",
    "fr": r"\b(?:retard\w*|plant\w*|bug\w*|ecrase\w*|dechire\w*|abime\w*|casse\w*|rassis|"
    r"brule\w*|lent\w*|erreur|echou\w*|perdu\w*|manquant\w*|encore (?:une?|le|la|les|l)|"
    r"augmente\w*|copie\w*|cauchemar)\b",
}


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_PRAISE = {
    "en": _words(
        "great brilliant love loving wonderful fantastic amazing perfect thanks thank wow awesome "
        "super helpful generous impressive impressed classic lovely nice excellent sure shocking"
    ),
    "fr": _words(
        "genial bravo super merci parfait excellent chapeau adore top classique magnifique "
        "formidable incroyable genereux timing aimable"
    ),
}
# Skipped before the praise word: "Oh great", "I love waiting", "J'adore attendre".
_LEADS = _words("oh ah well so yeah wow ha hmm eh i ben bah oui ouais j je")
SENTENCE = re.compile(r"[^.!?…]+[.!?…]*")
# A sentence of its own that says the problem repeats: "... the day after I left. Again."
_REPEAT = frozenset(
    {
        ("again",),
        ("yet", "again"),
        ("as", "usual"),
        ("encore",),
        ("comme", "d", "habitude"),
        ("comme", "toujours"),
        ("comme", "d", "hab"),
    }
)


@dataclass(frozen=True)
class CueResult:
    text: str
    valence: float
    hits: tuple[str, ...]


class Cues:
    """The cue patterns of one language."""

    def __init__(self, language: str) -> None:
        if language not in _PRAISE:
            raise ValueError(f"no cue patterns for language {language!r}")
        self.language = language
        table = _EN if language == "en" else _FR
        self._patterns = tuple((re.compile(p), v) for p, v in table)
        self._polite = tuple((re.compile(p), v) for p, v in _POLITE[language])
        self._problems = re.compile(_PROBLEMS[language])
        self._praise = _PRAISE[language]

    def apply(self, text: str) -> CueResult:
        joined = " ".join(tokens(text))
        valence = 0.0
        hits: list[str] = []
        complaint = praise = False
        for pattern, value in self._patterns:
            for match in pattern.finditer(joined):
                valence += value
                hits.append(match.group(0))
                complaint, praise = complaint or value < 0, praise or value > 0
        for pattern, value in self._polite:
            for match in pattern.finditer(joined):
                valence += value
                hits.append(match.group(0))
        sentences = [tokens(s) for s in SENTENCE.findall(text)]
        repeated = any(tuple(words) in _REPEAT for words in sentences)
        problem = complaint or repeated or bool(self._problems.search(joined))
        if praise or not problem:  # "never had a late delivery" is praise, not a problem
            return CueResult(text, valence, tuple(hits))
        kept: list[str] = []
        for sentence, words in zip(SENTENCE.findall(text), sentences, strict=True):
            sarcastic = self._sarcastic_start(words)
            if sarcastic and len(words) <= 5:
                valence -= 1.5  # a sentence of praise beside a problem: "Brilliant."
                hits.append(" ".join(words))
                continue
            if sarcastic:
                valence -= 1.5
                hits.append(words[sarcastic - 1])
                sentence = _drop_tokens(sentence, sarcastic)
            kept.append(sentence)
        return CueResult(" ".join(kept).strip(), valence, tuple(hits))

    def _sarcastic_start(self, words: list[str]) -> int:
        """How many leading words form sarcastic praise (0 if none): "oh great" -> 2."""
        i = 0
        while i < len(words) - 1 and words[i] in _LEADS:
            i += 1
        if i < len(words) and words[i] in self._praise:
            return i + 1
        return 0


def _drop_tokens(sentence: str, n: int) -> str:
    """The sentence without the words that hold its first ``n`` tokens ("J'adore" is two)."""
    words = sentence.split()
    count = 0
    for index, word in enumerate(words):
        count += len(tokens(word))
        if count >= n:
            return " ".join(words[index + 1 :])
    return ""
