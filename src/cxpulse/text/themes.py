"""Themes: the recurring topics of comments, from a user-editable keyword taxonomy.

The built-in taxonomy (``taxonomy.yaml`` next to this module) holds the topics customers of
any business write about (delivery, price, billing, support, returns, bugs...); users copy and
edit it, and a workspace names its own with the ``theme_taxonomy`` setting (the demo company
uses its coffee themes, ``cxpulse.demo:taxonomy.yaml``). Keywords match on folded, lightly
stemmed tokens (see :mod:`cxpulse.text.normalize`): a word, a ``prefix*`` or a phrase of
several words. A text gets every theme one of whose keywords it
contains, in the taxonomy's order; a text in an unknown language is matched against the
keywords of every language.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from cxpulse.errors import ConfigError
from cxpulse.schema import LANGUAGES
from cxpulse.text.normalize import fold, stem, tokens

_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class _Matcher:
    words: frozenset[str]
    prefixes: tuple[str, ...]
    # phrases by their first stem (a phrase item ending in "*" is a prefix; such phrases are
    # indexed under "*" and tried at every position)
    phrases: Mapping[str, tuple[tuple[str, ...], ...]]

    @classmethod
    def build(cls, keywords: Sequence[str]) -> _Matcher:
        words: set[str] = set()
        prefixes: list[str] = []
        phrases: dict[str, list[tuple[str, ...]]] = {}
        for keyword in keywords:
            parts = tokens(keyword.rstrip("*"))
            if keyword.endswith("*") and parts:
                parts[-1] += "*"
            if len(parts) == 1 and parts[0].endswith("*"):
                prefixes.append(parts[0][:-1])
            elif len(parts) == 1:
                words.add(stem(parts[0]))
            elif parts:
                phrase = tuple(p if p.endswith("*") else stem(p) for p in parts)
                first = "*" if phrase[0].endswith("*") else phrase[0]
                phrases.setdefault(first, []).append(phrase)
        return cls(frozenset(words), tuple(prefixes), {k: tuple(v) for k, v in phrases.items()})

    def matches(self, toks: list[str], stems: list[str], stem_set: set[str]) -> bool:
        if self.words & stem_set:
            return True
        if self.prefixes and any(t.startswith(self.prefixes) for t in toks):
            return True
        anywhere = self.phrases.get("*", ())
        for i, first in enumerate(stems):
            for phrase in (*self.phrases.get(first, ()), *anywhere):
                if _phrase_at(phrase, i, toks, stems):
                    return True
        return False


def _phrase_at(phrase: tuple[str, ...], i: int, toks: list[str], stems: list[str]) -> bool:
    if i + len(phrase) > len(stems):
        return False
    return all(
        toks[i + k].startswith(p[:-1]) if p.endswith("*") else stems[i + k] == p
        for k, p in enumerate(phrase)
    )


@dataclass(frozen=True)
class Theme:
    name: str
    labels: Mapping[str, str]
    keywords: Mapping[str, tuple[str, ...]]
    _matchers: Mapping[str, _Matcher] = field(repr=False, compare=False, default_factory=dict)

    def label(self, language: str = "en") -> str:
        return self.labels.get(language) or self.labels.get("en") or self.name


@dataclass(frozen=True)
class Taxonomy:
    themes: tuple[Theme, ...]
    source: str

    @property
    def names(self) -> list[str]:
        return [t.name for t in self.themes]

    def assign(self, text: str | None, language: str | None = None) -> list[str]:
        """The themes of one text."""
        if not text:
            return []
        toks = tokens(text)
        stems = [stem(t) for t in toks]
        stem_set = set(stems)
        langs = [language] if language in LANGUAGES else list(LANGUAGES)
        return [
            theme.name
            for theme in self.themes
            if any(
                theme._matchers[lang].matches(toks, stems, stem_set)
                for lang in langs
                if lang in theme._matchers
            )
        ]


def default_taxonomy_path() -> Path:
    from cxpulse.text.lexicon import data_path

    return data_path("taxonomy.yaml")


# "package.module:file.yaml": a taxonomy shipped inside a Python package (the demo's, a plugin's)
_RESOURCE = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*):([^:/\\].*)$")


def load_taxonomy(path: str | Path | None = None) -> Taxonomy:
    """Read a taxonomy: a YAML file, ``package.module:file.yaml`` (a file shipped in a Python
    package, e.g. ``cxpulse.demo:taxonomy.yaml``), or by default the built-in
    customer-experience taxonomy."""
    if not path:
        return _load(default_taxonomy_path())
    found = _RESOURCE.match(str(path)) if isinstance(path, str) else None
    if found and len(found.group(1)) > 1:  # a one-letter "package" is a Windows drive
        return _load(_resource_path(found.group(1), found.group(2)))
    return _load(Path(path).expanduser().resolve())


def _resource_path(package: str, name: str) -> Path:
    from importlib import resources

    try:
        return Path(str(resources.files(package).joinpath(name)))
    except ModuleNotFoundError:
        raise ConfigError(
            f"theme taxonomy {package}:{name}: no Python package {package!r} is installed"
        ) from None


@lru_cache(maxsize=8)
def _load(path: Path) -> Taxonomy:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read the theme taxonomy {path}: {exc.strerror or exc}") from None
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        line = f" (line {where.line + 1})" if where is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(f"{path} is not valid YAML{line}: {problem}") from None
    return parse_taxonomy(raw, str(path))


class _Invalid(Exception):
    """One problem of a taxonomy; :func:`parse_taxonomy` names the file in front of it."""


def parse_taxonomy(raw: Any, source: str) -> Taxonomy:
    """Check and compile a taxonomy read from YAML; errors name ``source`` and the theme."""
    try:
        themes = tuple(_theme(name, body) for name, body in _themes(raw).items())
    except _Invalid as exc:
        raise ConfigError(f"theme taxonomy {source}: {exc}") from None
    return Taxonomy(themes, source)


def _themes(raw: Any) -> dict[Any, Any]:
    if not isinstance(raw, dict) or not isinstance(raw.get("themes"), dict) or not raw["themes"]:
        raise _Invalid("expected a 'themes:' mapping of theme name -> label and keywords")
    if raw.get("version", 1) != 1:
        raise _Invalid(f"version {raw.get('version')!r} is not supported (this cxpulse reads 1)")
    themes: dict[Any, Any] = raw["themes"]
    return themes


def _theme(name: Any, body: Any) -> Theme:
    if not isinstance(name, str) or not _NAME.match(name):
        raise _Invalid(
            f"theme name {name!r} must be lower case letters, digits and _ (e.g. support_wait)"
        )
    if not isinstance(body, dict) or not isinstance(body.get("keywords"), dict):
        raise _Invalid(f"theme {name!r} needs 'keywords:' with a list per language (en, fr)")
    keywords = {lang: _keywords(name, lang, words) for lang, words in body["keywords"].items()}
    if not any(keywords.values()):
        raise _Invalid(f"theme {name!r} has no keywords")
    labels = _labels(name, body.get("label") or {})
    matchers = {lang: _Matcher.build(words) for lang, words in keywords.items()}
    return Theme(name, labels, keywords, matchers)


def _keywords(name: str, lang: Any, words: Any) -> tuple[str, ...]:
    if lang not in LANGUAGES:
        raise _Invalid(f"theme {name!r}: unknown language {lang!r} (use en, fr)")
    if not isinstance(words, list) or not all(isinstance(w, str) and w.strip(" *") for w in words):
        raise _Invalid(f"theme {name!r}: keywords.{lang} must be a list of words or phrases")
    return tuple(fold(w.strip()) for w in words)


def _labels(name: str, labels: Any) -> dict[str, str]:
    if isinstance(labels, str):
        labels = {lang: labels for lang in LANGUAGES}
    if not isinstance(labels, dict):
        raise _Invalid(f"theme {name!r}: label must be text or a mapping en: ..., fr: ...")
    return {str(k): str(v) for k, v in labels.items()}


class KeywordMatcher:
    """Whether a text contains one of ``keywords``, matched as a theme's keywords are (folded,
    lightly stemmed words, ``prefix*``, phrases) in any language: a rule's keyword condition."""

    def __init__(self, keywords: Sequence[str]) -> None:
        self._matcher = _Matcher.build([fold(k.strip()) for k in keywords])

    def __call__(self, text: str | None) -> bool:
        if not text:
            return False
        toks = tokens(text)
        stems = [stem(t) for t in toks]
        return self._matcher.matches(toks, stems, set(stems))


def assign_themes(
    texts: Sequence[str | None],
    languages: Sequence[str | None] | None = None,
    taxonomy: Taxonomy | str | Path | None = None,
) -> list[list[str]]:
    """The themes of each text (a list per text, in the taxonomy's order)."""
    tax = taxonomy if isinstance(taxonomy, Taxonomy) else load_taxonomy(taxonomy)
    langs = list(languages) if languages is not None else [None] * len(texts)
    if len(langs) != len(texts):
        raise ConfigError(f"{len(texts)} texts but {len(langs)} languages")
    seen: dict[tuple[str | None, str | None], list[str]] = {}
    out = []
    for text, lang in zip(texts, langs, strict=True):
        key = (text, lang)
        if key not in seen:
            seen[key] = tax.assign(text, lang)
        out.append(list(seen[key]))
    return out
