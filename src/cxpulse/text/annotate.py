"""Annotate texts, and the text columns of a workspace, with language, sentiment and themes.

``score_workspace`` reads the comments of survey_responses, the subjects of tickets and the
texts of mentions, and writes one row per text into ``text_annotations`` (keyed by table and
row key, so a re-run replaces the annotations of the same rows), with the MD5 of the text it
was made from: :func:`pending` is the rows whose text has no annotation or changed since
(computed by the backend, so finding that nothing is new reads no text). A row's language is its
``language`` column when it has one, else detected from the text, else the customer's
language, else English. Identical texts are analysed once: ticket subjects repeat a lot.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import ibis
import pandas as pd

from cxpulse.errors import ConfigError
from cxpulse.schema import LANGUAGES, TEXT_ANNOTATIONS_SCHEMA, TEXT_ANNOTATIONS_TABLE
from cxpulse.text.language import detect_languages, supported
from cxpulse.text.sentiment import Analyzer, FloatArray, ThresholdLabels, get_analyzer, labels
from cxpulse.text.themes import Taxonomy, load_taxonomy

if TYPE_CHECKING:
    from cxpulse.context import Context


@dataclass(frozen=True)
class TextSource:
    """Where a workspace table keeps its free text."""

    table: str
    key: str
    text: str
    time: str
    language: str | None


SOURCES: dict[str, TextSource] = {
    s.table: s
    for s in (
        TextSource("survey_responses", "response_id", "comment", "responded_at", "language"),
        TextSource("tickets", "ticket_id", "subject", "created_at", None),
        TextSource("mentions", "mention_id", "text", "posted_at", "language"),
    )
}
DEFAULT_TABLES = tuple(SOURCES)
AnalyzerChoice = Mapping[str, "str | Analyzer"]


def resolve_analyzers(choice: AnalyzerChoice | None = None) -> dict[str, Analyzer]:
    """One analyzer per language: given objects, registered names or specs, else defaults."""
    chosen = dict(choice or {})
    unknown = set(chosen) - set(LANGUAGES)
    if unknown:
        raise ConfigError(f"analyzers are chosen per language (en, fr), not {sorted(unknown)}")
    out: dict[str, Analyzer] = {}
    for lang in LANGUAGES:
        given = chosen.get(lang)
        out[lang] = given if not isinstance(given, str | None) else get_analyzer(lang, given)
    return out


def annotate_texts(
    texts: Sequence[str | None],
    languages: Sequence[str | None] | None = None,
    *,
    analyzers: AnalyzerChoice | None = None,
    taxonomy: Taxonomy | str | Path | None = None,
    fallback: Sequence[str | None] | None = None,
    default_language: str = "en",
) -> pd.DataFrame:
    """Language, sentiment, label, themes, analyzer and version of each text (one row each).

    A text's language is ``languages[i]`` when given (en or fr), else detected, else
    ``fallback[i]`` (e.g. the customer's language), else ``default_language``.
    """
    n = len(texts)
    given = supported(languages) if languages is not None else [None] * n
    backup = supported(fallback) if fallback is not None else [None] * n
    if len(given) != n or len(backup) != n:
        raise ConfigError(f"{n} texts but {len(given)} languages and {len(backup)} fallbacks")
    detected = detect_languages(
        [t if g is None else None for t, g in zip(texts, given, strict=True)]
    )
    langs = [
        g or d or b or default_language for g, d, b in zip(given, detected, backup, strict=True)
    ]
    tax = taxonomy if isinstance(taxonomy, Taxonomy) else load_taxonomy(taxonomy)
    models = resolve_analyzers(analyzers)
    frame = pd.DataFrame({"text": list(texts), "language": langs})
    frame["sentiment"] = float("nan")
    frame["label"] = None
    frame["analyzer"] = None
    frame["analyzer_version"] = None
    for lang, model in models.items():
        rows = frame.index[(frame["language"] == lang) & frame["text"].notna()]
        if not len(rows):
            continue
        unique = list(pd.unique(frame.loc[rows, "text"]))
        values = model.score(unique)
        scores = pd.Series(values, index=unique)
        cuts = pd.Series(_labels(model, unique, values), index=unique)
        frame.loc[rows, "sentiment"] = frame.loc[rows, "text"].map(scores).to_numpy()
        frame.loc[rows, "label"] = frame.loc[rows, "text"].map(cuts).to_numpy()
        frame.loc[rows, "analyzer"] = model.name
        frame.loc[rows, "analyzer_version"] = model.version
    frame["themes"] = _themes(frame, tax)
    return frame


def _labels(model: Analyzer, texts: list[str], scores: FloatArray) -> list[str]:
    """The model's labels; for threshold labels, cut the scores already computed."""
    if isinstance(model, ThresholdLabels) and getattr(type(model), "label", None) is (
        ThresholdLabels.label
    ):
        return labels(scores, model.thresholds)
    return model.label(texts)


def _themes(frame: pd.DataFrame, tax: Taxonomy) -> list[list[str]]:
    seen: dict[tuple[Any, str], list[str]] = {}
    out = []
    for text, lang in zip(frame["text"], frame["language"], strict=True):
        if (text, lang) not in seen:
            seen[(text, lang)] = tax.assign(text, lang)
        out.append(seen[(text, lang)])
    return out


def score_workspace(
    ws: Context,
    tables: Sequence[str] = DEFAULT_TABLES,
    *,
    analyzers: AnalyzerChoice | None = None,
    taxonomy: Taxonomy | str | Path | None = None,
    only_new: bool = False,
    progress: Callable[[str], None] | None = None,
) -> dict[str, int]:
    """Annotate the text columns of ``tables``; return the rows written per table.

    ``only_new`` skips rows whose annotation was made from their current text (faster after
    an import; re-run without it after changing the analyzer or the taxonomy). Without
    ``taxonomy``, the workspace's ``theme_taxonomy`` setting chooses (empty: the built-in one).
    """
    unknown = [t for t in tables if t not in SOURCES]
    if unknown:
        raise ConfigError(f"no text to analyse in {', '.join(unknown)}; use {', '.join(SOURCES)}")
    models = resolve_analyzers(analyzers)
    tax = (
        taxonomy
        if isinstance(taxonomy, Taxonomy)
        else load_taxonomy(taxonomy or ws.settings.theme_taxonomy or None)
    )
    say = progress or (lambda _line: None)
    written: dict[str, int] = {}
    for table in tables:
        rows = read_texts(ws, SOURCES[table], only_new)
        write_annotations(ws, table, rows, annotate_rows(rows, models, tax))
        written[table] = len(rows)
        say(f"{table}: {len(rows):,} texts annotated")
    return written


@ibis.udf.scalar.builtin  # type: ignore[untyped-decorator]  # ibis types it loosely
def md5(value: str) -> str:  # type: ignore[empty-body]
    """The backend's own md5() (DuckDB, PostgreSQL and Spark all have it, as hex text)."""


def texts(ws: Context, source: TextSource) -> ibis.Table:
    """The non-blank texts of a table: key, text, language, customer_id and text_hash."""
    t = ws.table(source.table)
    text = t[source.text]
    lang = t[source.language] if source.language else ibis.null().cast("string")
    return t.filter(text.notnull() & (text.strip() != "")).select(
        key=t[source.key].cast("string"),
        text=text,
        language=lang,
        customer_id=t.customer_id,
        text_hash=md5(text),
    )


def pending(ws: Context, source: TextSource) -> ibis.Table:
    """The texts of ``source`` with no annotation made from their current text."""
    rows = texts(ws, source)
    done = ws.store.table(TEXT_ANNOTATIONS_TABLE)
    done = done.filter(done.table_name == source.table)
    done = done.select(done_key=done.row_key, done_hash=done.text_hash)
    return rows.anti_join(done, [rows.key == done.done_key, rows.text_hash == done.done_hash])


def read_texts(
    ws: Context,
    source: TextSource,
    only_new: bool,
    *,
    after: str | None = None,
    limit: int | None = None,
) -> pd.DataFrame:
    """The texts to annotate, with their customer's language; ``after`` and ``limit`` read
    them in batches by key (a batch never returns, so a backlog always moves on)."""
    rows = pending(ws, source) if only_new else texts(ws, source)
    if after is not None:
        rows = rows.filter(rows.key > after)
    if limit is not None:
        rows = rows.order_by("key").limit(limit)
    c = ws.table("customers")
    customers = c.select(_cid=c.customer_id, customer_language=c.language)
    rows = rows.left_join(customers, rows.customer_id == customers._cid).drop("_cid")
    if limit is not None:
        rows = rows.order_by("key")
    frame: pd.DataFrame = rows.execute()
    return frame.reset_index(drop=True)


def annotate_rows(rows: pd.DataFrame, models: AnalyzerChoice, tax: Taxonomy) -> pd.DataFrame:
    """:func:`annotate_texts` on rows read by :func:`read_texts`."""
    return annotate_texts(
        list(rows["text"]),
        list(rows["language"]),
        analyzers=models,
        taxonomy=tax,
        fallback=list(rows["customer_language"]),
    )


def write_annotations(ws: Context, table: str, rows: pd.DataFrame, result: pd.DataFrame) -> None:
    """Upsert the annotations of ``rows`` (read by :func:`read_texts`), in one transaction."""
    if rows.empty:
        return
    now = datetime.now(UTC).replace(tzinfo=None)
    out = pd.DataFrame(
        {
            "annotation_id": table + ":" + rows["key"].astype(str),
            "table_name": table,
            "row_key": rows["key"].astype(str),
            "language": result["language"],
            "sentiment": result["sentiment"].astype(float),
            "label": result["label"],
            "themes": [",".join(t) for t in result["themes"]],
            "analyzer": result["analyzer"],
            "analyzer_version": result["analyzer_version"],
            "annotated_at": now,
            "text_hash": rows["text_hash"],
        }
    )
    memtable = ibis.memtable(out, schema=ibis.schema(TEXT_ANNOTATIONS_SCHEMA))
    with ws.store.transaction():
        ws.store.upsert(TEXT_ANNOTATIONS_TABLE, memtable, on="annotation_id")
