"""The metric reference: one Markdown page per family, written from :data:`REGISTRY`.

The documentation's metric pages (``docs/metrics/<family>.md``) are generated here rather than
written by hand so that a definition, a variant or an interval method changed in code cannot
leave the docs saying something else: the docs build fails while a page is stale, and
``python -m cxpulse.metrics.reference`` rewrites them.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

from cxpulse.metrics.spec import REGISTRY, MetricSpec, Variant
from cxpulse.metrics.stats import Kind


@dataclass(frozen=True)
class Family:
    slug: str
    title: str
    intro: str
    tables: tuple[str, ...]
    notes: str = ""
    """Hand-written Markdown after the metrics: definitions that are not registry metrics."""


FAMILIES: tuple[Family, ...] = (
    Family(
        "feedback",
        "Feedback metrics",
        "Scores from your surveys (`survey_responses`) and the invitations behind them "
        "(`survey_invitations`). Answers without a score never count; a partial response with a "
        "score does.",
        ("survey_responses", "survey_invitations"),
    ),
    Family(
        "support",
        "Support metrics",
        "Durations, rates and counts from the `tickets` table. Durations are in calendar hours, "
        "or in business hours (the `business_hours...` variants) when a schedule is configured.",
        ("tickets",),
        """## Negative interactions

Not a metric by period but a count per customer (`cxpulse support negatives`). A **negative
interaction** is a ticket with a sentiment below -0.3, or escalated, or rated below the
satisfied boxes on the CSAT answer linked to it (below 4 on 1-5, below 6 on 1-7), dated at the
ticket's creation. `cxpulse support churn-curve` counts each customer once, at the most negative
interactions they had within any 90 days, and shows the share who churned (their last
subscription ended) in the 90 days after, with Wilson intervals: where churn jumps is where a
rule such as `{negative_interactions: {count: 4, days: 90}}` should open a case.

## Staffing

`cxpulse staffing` turns the volume per interval and the average handle time into the agents
needed to answer a share of contacts within a target wait (80 % within 20 s by default), with
the Erlang C formula, then adds shrinkage and caps occupancy.
""",
    ),
    Family(
        "revenue",
        "Revenue and retention metrics",
        "Subscription metrics from `subscriptions`: each row's price normalised to a month is "
        "its MRR, and every change of a customer's total MRR is one movement (new, expansion, "
        "contraction, churn, reactivation). Churn is booked when the paid term ends, not when "
        "the customer clicks cancel.",
        ("subscriptions",),
    ),
    Family(
        "orders",
        "Order metrics",
        "For businesses that sell without subscriptions, from `orders`. The CLV models "
        "(`cxpulse clv`) merge one customer's orders of one local day into one transaction.",
        ("orders",),
    ),
    Family(
        "website",
        "Website metrics",
        "Computed over sessions derived from `web_events`: a session ends after "
        "`session_gap_minutes` (30) without a hit; midnight does not end one.",
        ("web_events",),
    ),
    Family(
        "social",
        "Social and review metrics",
        "Mentions and public reviews from `mentions` (imported, for example, with "
        "`cxpulse import FILE --table mentions --preset trustpilot`).",
        ("mentions",),
    ),
    Family(
        "loyalty",
        "Loyalty metrics",
        "Points earned, redeemed and expired, from `loyalty_ledger`.",
        ("loyalty_ledger",),
    ),
    Family(
        "composite",
        "Composite index",
        "A weighted blend of normalised components. The weights are configuration, versioned "
        "(`cxpulse cx-index weights`), and shown beside the index.",
        (),
    ),
)

_COMPOSITE = {"cx_index"}
"""Metrics that blend others: filed under the composite family whatever table they read."""

INTERVALS: dict[Kind, str] = {
    "nps": "adjusted Wald: 3/4 added to each extreme category and 3 to n (Sauro & Lewis)",
    "share": "Wilson score",
    "mean": "Student t on the mean",
    "ratio": "none: an exact figure over the whole population, not a sample",
    "value": "none: computed exactly in the query (a count, a median, a balance)",
}
"""How :func:`cxpulse.metrics.engine` turns each kind of statistic into an interval."""

CHANGE_TESTS: dict[Kind, str] = {
    "nps": "two-sided z test on the net scores (adjusted-Wald variances)",
    "share": "two-sided pooled two-proportion z test",
    "mean": "Welch's two-sided t test",
    "ratio": "none (a change is a change)",
    "value": "none (a change is a change)",
}


def family_of(spec: MetricSpec) -> Family:
    if spec.name in _COMPOSITE:
        return FAMILIES[-1]
    for family in FAMILIES:
        if spec.table in family.tables:
            return family
    raise ValueError(f"metric {spec.name!r} reads {spec.table!r}, which no docs family covers")


def interval_method(variant: Variant) -> str:
    if variant.kind == "nps" and variant.interval == "wald":
        return "plain Wald, SE = sqrt((p + d - (p - d)^2) / n)"
    return INTERVALS[variant.kind]


def _cell(text: str) -> str:
    """Text safe inside one Markdown table cell."""
    return text.replace("|", "\\|").replace("\n", " ")


def _metric_section(spec: MetricSpec) -> list[str]:
    lines = [
        f"## `{spec.name}`",
        "",
        f"**{spec.label}**. Table `{spec.table}`, dated by `{spec.time_column}`; unit: "
        f"{spec.unit}; {'higher' if spec.higher_is_better else 'lower'} is better.",
        "",
    ]
    if spec.segments:
        segments = ", ".join(f"`{s}`" for s in spec.segments)
        lines += [f"Segments of its own table: {segments} (and any column of `customers`).", ""]
    if spec.benchmark:
        lines += [f"Benchmark: {spec.benchmark.text}. Source: {spec.benchmark.source}.", ""]
    lines += [
        "| variant | definition | interval | change test |",
        "|---|---|---|---|",
    ]
    for var in spec.variants.values():
        lines.append(
            f"| `{var.name}` | {_cell(var.definition)} | {_cell(interval_method(var))} "
            f"| {_cell(CHANGE_TESTS[var.kind])} |"
        )
    example = f"cxpulse metric {spec.name} --by month"
    other = [v for v in spec.variants if v != "default"]
    if other:
        example += f" --variant {other[0]}"
    lines += ["", f"```bash\n{example}\n```", ""]
    return lines


def family_page(family: Family) -> str:
    specs = sorted((s for s in REGISTRY if family_of(s) == family), key=lambda s: s.name)
    lines = [
        "<!-- Generated by `python -m cxpulse.metrics.reference` from the metric registry: "
        "edit the definitions in src/cxpulse/metrics, not this file. -->",
        "",
        f"# {family.title}",
        "",
        family.intro,
        "",
        "How to read the tables: each metric has one default definition and named variants "
        "(`--variant NAME`); the interval and the change test follow from the kind of "
        "statistic ([conventions](conventions.md)); known answers are in the "
        "[worked examples](../worked-examples.md).",
        "",
        "| metric | label | unit | variants |",
        "|---|---|---|---|",
    ]
    for spec in specs:
        variants = ", ".join(f"`{v}`" for v in spec.variants if v != "default") or "-"
        lines.append(f"| [`{spec.name}`](#{spec.name}) | {_cell(spec.label)} | {spec.unit} "
                     f"| {variants} |")  # fmt: skip
    lines.append("")
    for spec in specs:
        lines += _metric_section(spec)
    if family.notes:
        lines += [family.notes.strip(), ""]
    return "\n".join(lines).rstrip("\n") + "\n"


def pages() -> dict[str, str]:
    """File name (``support.md``) -> content, for every family."""
    for spec in REGISTRY:  # every metric must land on a page
        family_of(spec)
    return {f"{family.slug}.md": family_page(family) for family in FAMILIES}


def stale_pages(folder: Path) -> list[str]:
    """The generated pages in ``folder`` that are missing or differ from the registry."""
    return [
        name
        for name, text in pages().items()
        if not (folder / name).is_file() or (folder / name).read_text(encoding="utf-8") != text
    ]


def write_pages(folder: Path) -> list[str]:
    """Write the pages that changed; return their names."""
    changed = stale_pages(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for name in changed:
        (folder / name).write_text(pages()[name], encoding="utf-8")
    return changed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("folder", nargs="?", default="docs/metrics", type=Path)
    parser.add_argument("--check", action="store_true", help="fail if a page is stale")
    args = parser.parse_args(argv)
    if args.check:
        stale = stale_pages(args.folder)
        for name in stale:
            print(f"stale: {args.folder / name}", file=sys.stderr)
        return 1 if stale else 0
    for name in write_pages(args.folder):
        print(f"wrote {args.folder / name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
