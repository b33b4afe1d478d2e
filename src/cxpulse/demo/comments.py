"""Open-text comments for survey answers and social mentions, in the customer's language.

The English and French template banks are expanded once into a few thousand distinct variants
(slots such as the product, a delay or an agent's name), then each comment picks a variant that
fits its feeling (a detractor writes a complaint, a promoter praise) and its touchpoint (support
answers talk about support), sometimes with an opener ("Honestly,") and a closer ("Please fix
this."), so comments are varied without being random words.
"""

from __future__ import annotations

import itertools
import string
from dataclasses import dataclass
from functools import lru_cache
from types import ModuleType
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from cxpulse.demo import comments_en, comments_fr
from cxpulse.demo import surveys as sv
from cxpulse.demo.calendar import F64, I64
from cxpulse.demo.template import Template

BANKS: tuple[ModuleType, ...] = (comments_en, comments_fr)  # index = customers.EN / FR
FEELINGS = ("neg", "mixed", "pos")  # index = surveys.NEGATIVE / MIXED / POSITIVE
THEMES = (
    "delivery", "price", "support", "app", "refund", "quality", "checkout", "help",
    "onboarding", "general",
)  # fmt: skip
GENERAL = THEMES.index("general")
_MAX_VARIANTS = 8
_OPENER_RATE = 0.2
_CLOSER_RATE = 0.3
# Detractors write more often than promoters.
COMMENT_RATE = np.array([0.50, 0.33, 0.27])

_TOUCHPOINT_THEMES: dict[int, dict[str, float]] = {
    sv.ONBOARDING: {"onboarding": 0.6, "app": 0.3, "general": 0.1},
    sv.SUPPORT: {"support": 0.65, "refund": 0.2, "app": 0.1, "general": 0.05},
    sv.DELIVERY: {"delivery": 0.8, "quality": 0.15, "general": 0.05},
    sv.PURCHASE: {"checkout": 0.35, "price": 0.25, "quality": 0.25, "delivery": 0.15},
    sv.KNOWLEDGE_BASE: {"help": 0.8, "app": 0.15, "general": 0.05},
    sv.PRICING_PAGE: {"price": 0.8, "checkout": 0.1, "general": 0.1},
    sv.RELATIONSHIP: {
        "quality": 0.3, "delivery": 0.2, "price": 0.2, "support": 0.15, "app": 0.1,
        "general": 0.05,
    },
}  # fmt: skip
MENTION_THEMES = {
    "quality": 0.3, "delivery": 0.25, "price": 0.15, "support": 0.15, "app": 0.05,
    "general": 0.1,
}  # fmt: skip


def variants(template: Template, slots: dict[str, tuple[str, ...]]) -> list[str]:
    """Up to _MAX_VARIANTS fillings of the template's slots, spread over all combinations."""
    names = list(dict.fromkeys(f for _, f, _, _ in string.Formatter().parse(template.text) if f))
    combos = list(itertools.product(*(slots[name] for name in names)))
    step = max(1, len(combos) // _MAX_VARIANTS)
    picked = combos[::step][:_MAX_VARIANTS]
    return [template.text.format(**dict(zip(names, combo, strict=True))) for combo in picked]


def _lower_first(text: str, keep: tuple[str, ...]) -> str:
    first = text.split(" ", 1)[0].rstrip(",.!?:")
    return text if first in keep else text[:1].lower() + text[1:]


@dataclass(frozen=True)
class Bank:
    """All expanded variants: ``text`` holds them as written then with a lowercase first letter
    (used after an opener)."""

    text: Any
    n: int
    language: I64
    feeling: I64
    theme: I64
    template: I64  # global template number
    plain: npt.NDArray[np.bool_]
    buckets: dict[int, I64]  # bucket key -> variant numbers
    openers: Any  # all openers, then "" (no opener)
    opener_slice: dict[tuple[int, int], tuple[int, int]]
    closers: Any
    closer_slice: dict[tuple[int, int], tuple[int, int]]

    def templates_per_language(self) -> list[int]:
        return [len(np.unique(self.template[self.language == i])) for i in range(len(BANKS))]


def bucket_key(language: I64 | int, feeling: I64 | int, theme: I64 | int) -> Any:
    return (np.asarray(language) * len(FEELINGS) + feeling) * len(THEMES) + theme


@lru_cache(maxsize=1)
def bank() -> Bank:
    texts: list[str] = []
    lowered: list[str] = []
    meta: list[tuple[int, int, int, int, bool]] = []
    openers: list[str] = []
    closers: list[str] = []
    opener_slice: dict[tuple[int, int], tuple[int, int]] = {}
    closer_slice: dict[tuple[int, int], tuple[int, int]] = {}
    number = 0
    for lang, module in enumerate(BANKS):
        for template in module.TEMPLATES:
            feel = FEELINGS.index(template.feeling)
            theme = THEMES.index(template.theme)
            for text in variants(template, module.SLOTS):
                texts.append(text)
                lowered.append(_lower_first(text, module.KEEP_CAPITAL))
                meta.append((lang, feel, theme, number, template.plain))
            number += 1
        for feel, name in enumerate(FEELINGS):
            opener_slice[lang, feel] = (len(openers), len(module.OPENERS[name]))
            openers.extend(module.OPENERS[name])
            closer_slice[lang, feel] = (len(closers), len(module.CLOSERS[name]))
            closers.extend(module.CLOSERS[name])
    cols = np.array(meta, dtype=np.int64).T
    keys = bucket_key(cols[0], cols[1], cols[2])
    buckets = {int(k): np.flatnonzero(keys == k) for k in np.unique(keys)}
    return Bank(
        text=pa.array(texts + lowered, type=pa.string()),
        n=len(texts),
        language=cols[0],
        feeling=cols[1],
        theme=cols[2],
        template=cols[3],
        plain=cols[4].astype(bool),
        buckets=buckets,
        openers=pa.array([*openers, ""], type=pa.string()),
        opener_slice=opener_slice,
        closers=pa.array([*closers, ""], type=pa.string()),
        closer_slice=closer_slice,
    )


def choose_themes(rng: np.random.Generator, mix_of: I64, mixes: dict[int, dict[str, float]]) -> I64:
    """A theme per row, drawn from the mix named by ``mix_of`` (e.g. the touchpoint)."""
    theme = np.full(len(mix_of), GENERAL, dtype=np.int64)
    for code, mix in mixes.items():
        rows = np.flatnonzero(mix_of == code)
        weights = np.array(list(mix.values()))
        codes = np.array([THEMES.index(t) for t in mix])
        theme[rows] = codes[rng.choice(len(codes), size=len(rows), p=weights / weights.sum())]
    return theme


def compose(rng: np.random.Generator, language: I64, feeling: I64, theme: I64) -> Any:
    """One text per row in its language, feeling and theme; a negative theme gives null."""
    b = bank()
    n = len(language)
    pick = np.full(n, -1, dtype=np.int64)
    key = np.where(theme >= 0, bucket_key(language, feeling, theme), -1)
    order = np.argsort(key, kind="stable")
    sorted_keys = key[order]
    for k in np.unique(sorted_keys[sorted_keys >= 0]):
        lo, hi = np.searchsorted(sorted_keys, [k, k + 1])
        rows = order[lo:hi]
        members = b.buckets.get(int(k))
        if members is None:  # no template for this theme: fall back to a general one
            lang, rest = divmod(int(k), len(FEELINGS) * len(THEMES))
            members = b.buckets[int(bucket_key(lang, rest // len(THEMES), GENERAL))]
        pick[rows] = members[rng.integers(0, len(members), len(rows))]

    has = pick >= 0
    safe = np.where(has, pick, 0)
    decorated = has & ~b.plain[safe]
    opener = np.full(n, len(b.openers) - 1, dtype=np.int64)
    closer = np.full(n, len(b.closers) - 1, dtype=np.int64)
    for (lang, feel), (start, count) in b.opener_slice.items():
        rows = np.flatnonzero(decorated & (language == lang) & (feeling == feel))
        use = rows[rng.random(len(rows)) < _OPENER_RATE]
        opener[use] = start + rng.integers(0, count, len(use))
        c_start, c_count = b.closer_slice[lang, feel]
        use = rows[rng.random(len(rows)) < _CLOSER_RATE]
        closer[use] = c_start + rng.integers(0, c_count, len(use))
    body_index = np.where(opener < len(b.openers) - 1, pick + b.n, pick)
    body = pc.take(b.text, pa.array(np.where(has, body_index, 0), mask=~has))
    joined = pc.binary_join_element_wise(
        pc.take(b.openers, pa.array(opener)), body, pc.take(b.closers, pa.array(closer)), " "
    )
    return pc.utf8_trim_whitespace(joined)


def survey_comments(
    rng: np.random.Generator, language: I64, question: I64, score: I64, touchpoint: I64
) -> Any:
    """Comments for survey answers: who writes depends on the score; what they write on the
    score and the touchpoint."""
    feeling = sv.feeling(question, score)
    writes = rng.random(len(score)) < COMMENT_RATE[feeling]
    theme = np.where(writes, choose_themes(rng, touchpoint, _TOUCHPOINT_THEMES), -1)
    return compose(rng, language, feeling, theme)


def sentiment_of(rng: np.random.Generator, feeling: I64) -> F64:
    """A sentiment score in [-1, 1] consistent with the feeling of a text."""
    centre = np.array([-0.6, 0.05, 0.65])[feeling]
    return np.round(np.clip(centre + rng.normal(0.0, 0.2, len(feeling)), -1.0, 1.0), 3).astype(
        np.float64
    )
