"""The generated metric pages: every metric and variant of the registry, the interval each
kind gets, and the committed pages in docs/metrics/ current."""

from __future__ import annotations

import dataclasses
import typing
from pathlib import Path

import pytest

from cxpulse.metrics import REGISTRY
from cxpulse.metrics import reference as ref
from cxpulse.metrics.spec import MetricSpec
from cxpulse.metrics.stats import Kind

DOCS = Path(__file__).parents[2] / "docs"


def test_the_committed_pages_are_current() -> None:
    assert ref.stale_pages(DOCS / "metrics") == [], (
        "run `python -m cxpulse.metrics.reference` and commit docs/metrics/"
    )


def test_every_metric_is_on_exactly_one_page_with_every_variant() -> None:
    pages = ref.pages()
    for spec in REGISTRY:
        holding = [name for name, text in pages.items() if f"## `{spec.name}`\n" in text]
        assert holding == [f"{ref.family_of(spec).slug}.md"], spec.name
        text = pages[holding[0]]
        for var in spec.variants.values():
            assert f"| `{var.name}` | {ref._cell(var.definition)} |" in text
        if spec.benchmark:
            assert spec.benchmark.source in text


def test_every_page_is_in_the_docs_navigation() -> None:
    nav = (DOCS.parent / "mkdocs.yml").read_text(encoding="utf-8")
    for name in ref.pages():
        assert f"metrics/{name}" in nav


def test_every_kind_of_statistic_has_an_interval_and_a_change_test() -> None:
    kinds = set(typing.get_args(Kind))
    assert set(ref.INTERVALS) == kinds == set(ref.CHANGE_TESTS)


def test_the_interval_follows_the_variant() -> None:
    nps = REGISTRY.get("nps")
    assert ref.interval_method(nps.default).startswith("adjusted Wald")
    assert ref.interval_method(nps.variant("wald")).startswith("plain Wald")
    assert ref.interval_method(REGISTRY.get("csat").default) == "Wilson score"
    assert ref.interval_method(REGISTRY.get("mrr").default).startswith("none")


def test_a_metric_on_a_table_no_family_covers_is_refused() -> None:
    spec = dataclasses.replace(REGISTRY.get("volume"), name="new_metric", table="invoices")
    with pytest.raises(ValueError, match="no docs family"):
        ref.family_of(spec)


def test_a_pipe_in_a_definition_does_not_break_the_table() -> None:
    assert ref._cell("good | bad\nrest") == "good \\| bad rest"


def test_check_and_write_from_the_command_line(tmp_path: Path) -> None:
    assert ref.main([str(tmp_path), "--check"]) == 1
    assert ref.main([str(tmp_path)]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(ref.pages())
    assert ref.main([str(tmp_path), "--check"]) == 0
    (tmp_path / "support.md").write_text("edited by hand\n", encoding="utf-8")
    assert ref.stale_pages(tmp_path) == ["support.md"]


def test_specs_are_sorted_by_name_on_their_page() -> None:
    text = ref.family_page(ref.FAMILIES[0])
    names = [s.name for s in REGISTRY if ref.family_of(s) == ref.FAMILIES[0]]
    positions = [text.index(f"## `{n}`\n") for n in sorted(names)]
    assert positions == sorted(positions)
    assert isinstance(REGISTRY.get("nps"), MetricSpec)
