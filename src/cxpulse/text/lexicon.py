"""Read the sentiment lexicons shipped as package data (or a user's copy).

A lexicon is a tab-separated file of ``term<TAB>valence`` lines (``#`` starts a comment) on
VADER's scale, -4 to +4. Errors name the file and the line, since users are invited to edit
their own copy.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

from cxpulse.errors import ConfigError
from cxpulse.text.normalize import fold, stem, tokens


def data_path(name: str) -> Path:
    """A data file shipped in the cxpulse.text package."""
    return Path(str(resources.files("cxpulse.text").joinpath(name)))


@lru_cache(maxsize=16)
def read_entries(path: Path) -> dict[str, float]:
    """``term -> valence`` in file order; terms folded (lower case, no accents)."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise ConfigError(f"cannot read the lexicon {path}: {exc.strerror or exc}") from None
    entries: dict[str, float] = {}
    for number, line in enumerate(lines, start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        term, sep, raw = line.partition("\t")
        where = f"{path}, line {number}"
        if not sep or not term.strip():
            raise ConfigError(f"{where}: expected 'term<TAB>valence', got {line!r}")
        try:
            valence = float(raw)
        except ValueError:
            raise ConfigError(f"{where}: valence {raw.strip()!r} is not a number") from None
        if not -4 <= valence <= 4:
            raise ConfigError(f"{where}: valence {valence} is outside -4..4")
        key = fold(term.strip())
        if key in entries:
            raise ConfigError(f"{where}: {term.strip()!r} is listed twice")
        entries[key] = valence
    return entries


@dataclass(frozen=True)
class Lexicon:
    """A lexicon compiled for matching on stemmed tokens."""

    words: dict[str, float]
    phrases: dict[tuple[str, ...], float]
    prefixes: tuple[tuple[str, float], ...]
    longest: int

    @classmethod
    def compile(cls, entries: dict[str, float]) -> Lexicon:
        words: dict[str, float] = {}
        phrases: dict[tuple[str, ...], float] = {}
        prefixes: list[tuple[str, float]] = []
        for term, valence in entries.items():
            if term.endswith("*") and " " not in term:
                prefixes.append((term[:-1], valence))
                continue
            key = tuple(stem(t) for t in tokens(term))
            if len(key) == 1:
                words[key[0]] = valence
            elif key:
                phrases[key] = valence
        # longest prefixes first, so "bugg*" wins over "bug*"
        prefixes.sort(key=lambda p: -len(p[0]))
        longest = max((len(k) for k in phrases), default=1)
        return cls(words, phrases, tuple(prefixes), longest)

    def word(self, stemmed: str) -> float | None:
        value = self.words.get(stemmed)
        if value is not None:
            return value
        for prefix, valence in self.prefixes:
            if stemmed.startswith(prefix):
                return valence
        return None
