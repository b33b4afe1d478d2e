"""``cxpulse surveys add|list|run|send|report`` and ``cxpulse why CUSTOMER``: thin commands over
:mod:`cxpulse.surveys`.

Registered by :mod:`cxpulse.cli.app` (``register(app)``); library errors are cxpulse errors,
which the app's command group turns into one message and exit code 1. ``--now`` is the clock
the library takes (no command reads the time inside the logic), so a run can be replayed.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated

import typer
from rich import box
from rich.console import Console
from rich.table import Table

from cxpulse.cli import render
from cxpulse.cli.options import WorkspaceOpt
from cxpulse.cli.options import open_workspace as _open
from cxpulse.errors import ConfigError

out = Console(soft_wrap=True, markup=False)

NowOpt = Annotated[
    str | None,
    typer.Option("--now", help="Act as if it were this UTC time (ISO, e.g. 2025-06-02T10:00)."),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")]

surveys_app = typer.Typer(help="Surveys asked at the right moment, within one fatigue budget.")
events_app = typer.Typer(help="Named customer events that trigger surveys and rules.")


def _now(text: str | None) -> datetime:
    """Naive UTC, as the tables store it."""
    if text is None:
        return datetime.now(UTC).replace(tzinfo=None)  # the edge reads the clock, not the logic
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise ConfigError(
            f"--now takes an ISO time such as 2025-06-02T10:00, not {text!r}"
        ) from None
    return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value


@surveys_app.command("add")
def add(
    file: Annotated[Path, typer.Argument(help="Survey definition (YAML).")],
    workspace: WorkspaceOpt = None,
    now: NowOpt = None,
) -> None:
    """Check a survey YAML file and store it (replacing a survey with the same id)."""
    from cxpulse.schema import SURVEY_DEFINITIONS_TABLE
    from cxpulse.surveys.definition import load_survey
    from cxpulse.surveys.store import add_survey
    from cxpulse.surveys.triggers import known_events

    checked = load_survey(file)  # a bad file is refused before the workspace is opened
    with _open(workspace) as ws:
        stored = ws.store.table(SURVEY_DEFINITIONS_TABLE)  # ids only: a broken one may be fixed
        replaced = bool(stored.filter(stored.survey_id == checked.id).count().execute())
        survey = add_survey(ws, file, _now(now))
        events = known_events(ws)
    n = len(survey.questions)
    verb = "Replaced" if replaced else "Added"
    out.print(f"{verb} survey {survey.id} ({n} question{'s' if n != 1 else ''}, "
              f"{survey.touchpoint})", highlight=False)  # fmt: skip
    event = survey.trigger.event if survey.trigger.kind == "event" else None
    if event and event not in events:  # a typo would otherwise wait forever, silently
        out.print(f"Note: no '{event}' event has been recorded yet (known: {', '.join(events)}); "
                  "the survey waits for the first one.", highlight=False)  # fmt: skip


@surveys_app.command("list")
def list_(workspace: WorkspaceOpt = None, json_: JsonOpt = False) -> None:
    """The stored surveys: trigger, priority, gap."""
    from cxpulse.surveys.store import surveys

    with _open(workspace) as ws:
        found = surveys(ws, active_only=False)
    rows = [
        {
            "survey_id": s.id,
            "touchpoint": s.touchpoint,
            "trigger": _describe(
                s.trigger.kind,
                s.trigger.event or s.trigger.attribute,
                s.trigger.delay,
                s.trigger.every_days,
            ),
            "priority": s.priority,
            "min_gap_days": int(s.min_gap_days) if s.min_gap_days % 1 == 0 else s.min_gap_days,
            "questions": len(s.questions),
        }
        for s in found
    ]
    if json_:
        out.print_json(render.to_json(rows))
        return
    if not rows:
        out.print("No surveys yet. Add one with `cxpulse surveys add FILE.yaml`.")
        return
    table = Table(box=box.SIMPLE)
    for col in rows[0]:
        table.add_column(col)
    for row in rows:
        table.add_row(*(str(v) for v in row.values()))
    render.print_table(out, table)


def _describe(kind: str, name: str, delay: timedelta, every_days: float) -> str:
    if kind == "recurring":
        return f"every {every_days:g} days"
    if kind == "quarterly":
        return "each quarter"
    if kind == "none":
        return "web widget"
    if kind == "manual":
        return "manual (surveys send)"
    return f"{_duration(delay)} after {name}"


def _duration(delay: timedelta) -> str:
    """As a survey file would say it: 24 hours, 30 days, 90 minutes."""
    minutes = round(delay.total_seconds() / 60)
    if minutes and minutes % (24 * 60) == 0 and minutes >= 2 * 24 * 60:
        return f"{minutes // (24 * 60)} days"
    if minutes and minutes % 60 == 0:
        hours = minutes // 60
        return f"{hours} hour{'s' if hours != 1 else ''}"
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


@surveys_app.command("run")
def run(
    workspace: WorkspaceOpt = None,
    now: NowOpt = None,
    no_send: Annotated[bool, typer.Option("--no-send", help="Decide, do not email.")] = False,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="List every decision and reminder.")
    ] = False,
) -> None:
    """Evaluate triggers, apply the fatigue budget, create invitations, send due emails."""
    from collections import Counter

    from cxpulse.surveys import run_surveys

    with _open(workspace) as ws:
        report = run_surveys(ws, _now(now), send=not no_send)
    skipped = len(report.decisions) - len(report.invited)
    reminded = sum(d.outcome == "reminded" for d in report.reminders)
    out.print(
        f"{len(report.invited)} invited, {skipped} skipped, {reminded} reminded; emails: "
        f"{report.sent} sent, {report.failed} failed, {report.queued} queued"
    )
    if verbose:  # one line per trigger: a customer with two solved tickets has two
        for d in [*report.decisions, *report.reminders]:
            c = d.candidate
            out.print(f"  {c.customer_id} {c.survey_id} ({c.trigger_key.split(':', 2)[-1]}): "
                      f"{d.reason} - {d.detail}", highlight=False)  # fmt: skip
        return
    per_survey: dict[str, Counter[str]] = {}
    for d in [*report.decisions, *report.reminders]:
        per_survey.setdefault(d.candidate.survey_id, Counter())[d.reason] += 1
    for survey_id, reasons in sorted(per_survey.items()):
        counts = ", ".join(f"{n:,} {reason}" for reason, n in reasons.most_common())
        out.print(f"  {survey_id}: {counts}", highlight=False)
    if per_survey:
        out.print("--verbose lists each decision; `cxpulse why CUSTOMER` explains one customer.")


@surveys_app.command("send")
def send(
    survey: Annotated[str, typer.Argument(help="The survey id to send.")],
    filter_: Annotated[
        list[str] | None,
        typer.Option("--filter", help="customers column=value (col=a,b for several); repeat."),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Decide and report; invite nobody.")
    ] = False,
    workspace: WorkspaceOpt = None,
    now: NowOpt = None,
    json_: JsonOpt = False,
) -> None:
    """Send a survey to a segment now, within the fatigue budget and consent."""
    from cxpulse.metrics.selection import parse_filters
    from cxpulse.surveys.manual import send_to_segment, values_of

    filters = parse_filters(filter_)
    with _open(workspace) as ws:
        report = send_to_segment(ws, survey, filters, _now(now), dry_run=dry_run)
        known = {col: values_of(ws, col) for col in filters} if not report.matched else {}
    if json_:
        out.print_json(render.to_json(report.as_dict()))
        return
    verb = "would invite" if dry_run else "invited"
    out.print(f"{report.matched} customers match; {verb} {report.invited}", highlight=False)
    for col, values in known.items():  # nobody matched: show what the column holds
        out.print(f"  {col} values: {', '.join(values) or '(none)'}", highlight=False)
    for reason, count in sorted(report.skipped.items()):
        out.print(f"  skipped {count}: {reason}", highlight=False)
    if report.invited and not dry_run:
        out.print("Queued; `cxpulse surveys run` or the worker sends them.")


@surveys_app.command("report")
def report_(
    by: Annotated[
        str, typer.Option("--by", help="Group by any of survey_id,channel,touchpoint.")
    ] = "survey_id,channel,touchpoint",
    start: Annotated[
        str | None, typer.Option("--from", "--start", help="First local day (YYYY-MM-DD).")
    ] = None,
    end: Annotated[
        str | None, typer.Option("--to", "--end", help="Last local day (YYYY-MM-DD).")
    ] = None,
    workspace: WorkspaceOpt = None,
    json_: JsonOpt = False,
) -> None:
    """Response rate per survey, channel and touchpoint, with invitation counts."""
    from cxpulse.surveys.report import response_rates

    groups = tuple(g.strip() for g in by.split(",") if g.strip())
    with _open(workspace) as ws:
        rows = response_rates(ws, groups, start=start, end=end)
    if json_:
        out.print_json(render.to_json(rows))
        return
    if not rows:
        out.print("No survey invitations in this range.")
        return
    table = Table(box=box.SIMPLE)
    for col in rows[0]:
        table.add_column(col)
    for row in rows:
        table.add_row(*("" if v is None else str(v) for v in row.values()))
    render.print_table(out, table)


def why(
    customer: Annotated[str, typer.Argument(help="customer_id")],
    workspace: WorkspaceOpt = None,
    now: NowOpt = None,
    json_: JsonOpt = False,
) -> None:
    """Why was (or wasn't) this customer asked for feedback, and when can they be asked next."""
    from cxpulse.surveys.decisions import why as explain

    with _open(workspace) as ws:
        moment = _now(now)
        answer = explain(ws, customer, moment, timedelta(days=ws.settings.survey_fatigue_days))
    unknown = answer.audiences is None and not answer.decisions  # a typo, most likely
    if json_:
        out.print_json(render.to_json(answer.as_dict()))
        if unknown:
            raise typer.Exit(1)
        return
    if answer.audiences is None:
        out.print(f"{customer}: no such customer in this workspace.")
        raise typer.Exit(1 if unknown else 0)
    for survey_id, gaps in answer.audiences.items():
        where = "in its audience" if not gaps else f"left out: {'; '.join(gaps)}"
        out.print(f"{survey_id}: {where}", highlight=False)
    if not answer.decisions and answer.last_invited_at is None:
        out.print(f"{customer}: never considered by a survey trigger yet.")
    for d in answer.decisions:
        reason = "" if d["reason"] == d["outcome"] else f" ({d['reason']})"
        out.print(f"{d['decided_at']} {d['survey_id']}: {d['outcome']}{reason} - {d['detail']}",
                  highlight=False)  # fmt: skip
    if answer.last_invited_at is not None:
        out.print(f"Last asked {answer.last_invited_at:%Y-%m-%d %H:%M} UTC ({answer.last_survey}).")
    nxt = answer.next_eligible_at
    reachable = any(not gaps for gaps in answer.audiences.values())
    if not reachable:
        out.print("Outside every survey's audience: will not be asked until that changes.")
    elif nxt:
        out.print(f"The budget allows asking again from {nxt:%Y-%m-%d %H:%M} UTC.")
    else:
        out.print("The budget allows asking now.")


@surveys_app.command("widget-key")
def widget_key(workspace: WorkspaceOpt = None, now: NowOpt = None) -> None:
    """The key your site's server signs logged-in customers' ids with, so the web widget counts
    in their one survey budget (keep it secret, like a password)."""
    from cxpulse.surveys.widget import identity_key

    with _open(workspace) as ws:
        key = identity_key(ws, _now(now)).hex()
    out.print(key, highlight=False)
    out.print(
        "Sign on your server, then embed data-customer and data-signature:\n"
        f"  python: hmac.new(bytes.fromhex('{key[:8]}...'), customer_id.encode(), "
        "'sha256').hexdigest()\n"
        "  node:   crypto.createHmac('sha256', Buffer.from(key, 'hex')).update(customerId)"
        ".digest('hex')",
        highlight=False,
    )


@events_app.command("import")
def events_import(
    file: Annotated[Path, typer.Argument(help="CSV, JSON lines or Parquet file.")],
    workspace: WorkspaceOpt = None,
) -> None:
    """Record customer events (onboarding_finished, trial_expired...) from a file: a survey
    with trigger {event: NAME} or a rule with when: {event: NAME} reacts to them."""
    from cxpulse.surveys.events import import_events

    with _open(workspace) as ws:
        done = import_events(ws, file)
    extra = [f"{done.known:,} already recorded"] if done.known else []
    extra += [f"{done.repeated:,} repeated in the file"] if done.repeated else []
    tail = f" ({', '.join(extra)}: kept once)" if extra else ""
    out.print(f"Recorded {done.new:,} new events from {file.name}{tail}.", highlight=False)


def register(app: typer.Typer) -> None:
    """Add the ``surveys`` and ``events`` groups and ``why`` to the main app."""
    app.add_typer(surveys_app, name="surveys")
    app.add_typer(events_app, name="events")
    app.command("why")(why)
