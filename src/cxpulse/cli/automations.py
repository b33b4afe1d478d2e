"""``cxpulse rules``, ``cxpulse cases`` and ``cxpulse worker``: thin commands over
:mod:`cxpulse.automations` (library errors become one message in the app's command group)."""

from __future__ import annotations

import json
import signal
import threading
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from cxpulse.cli import render
from cxpulse.cli.surveys import _now, out
from cxpulse.settings import ENV_VAR, default_location

if TYPE_CHECKING:  # imported by the commands that open one: `cxpulse rules --help` loads no store
    from cxpulse.workspace import Workspace

WorkspaceOpt = Annotated[
    str | None,
    typer.Option("--workspace", "-w", envvar=ENV_VAR, help="Workspace file or Ibis URL."),
]
NowOpt = Annotated[
    str | None,
    typer.Option("--now", help="Act as if it were this UTC time (ISO, e.g. 2025-06-02T10:00)."),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")]


def _open(workspace: str | None) -> Workspace:
    from cxpulse.workspace import Workspace

    return Workspace.open(workspace or default_location())


rules_app = typer.Typer(help="Automation rules: a condition and the actions it triggers.")
cases_app = typer.Typer(help="Follow-up cases: open -> acknowledged -> contacted -> resolved.")


def _rows(df: Any, json_: bool, empty: str) -> None:
    rows = [{k: (None if v != v else v) for k, v in r.items()} for r in df.to_dict("records")]
    if json_:
        out.print_json(render.to_json(rows))
    elif not rows:
        out.print(empty)
    else:
        for r in rows:
            out.print("  ".join(f"{k}={_text(v)}" for k, v in r.items() if v is not None),
                      highlight=False)  # fmt: skip


def _text(value: Any) -> str:
    """key=value text for people (the --json output keeps full precision)."""
    if isinstance(value, datetime):  # pandas Timestamps too
        return f"{value:%Y-%m-%d %H:%M}"
    if isinstance(value, float):
        return f"{value:.4g}" if abs(value) < 1 else f"{value:.2f}".rstrip("0").rstrip(".")
    if isinstance(value, str) and value.startswith("{"):
        try:  # a JSON detail: its accents as letters, not \u00e9
            return json.dumps(json.loads(value), ensure_ascii=False)
        except ValueError:
            return value
    return str(value)


@rules_app.command("add")
def rules_add(
    file: Annotated[Path, typer.Argument(help="Rule definition (YAML).")],
    workspace: WorkspaceOpt = None,
    now: NowOpt = None,
) -> None:
    """Check a rule YAML file and store it (replacing a rule with the same name)."""
    from cxpulse.automations import add_rule

    with _open(workspace) as ws:
        rule = add_rule(ws, file, _now(now))
    actions = ", ".join(a.name for a in rule.then)
    out.print(
        f"Added rule {rule.name} ({rule.when.name} -> {actions}). It acts on what happens from "
        f"now on; `cxpulse rules dry-run {rule.name}` shows whom it would have hit before."
    )


@rules_app.command("list")
def rules_list(workspace: WorkspaceOpt = None, json_: JsonOpt = False) -> None:
    """The active rules."""
    import pandas as pd

    from cxpulse.automations.rules import stored_rules

    with _open(workspace) as ws:
        found = stored_rules(ws)
    df = pd.DataFrame([{"name": r.name, "when": r.when.name, "then": ",".join(a.name for a in
                        r.then), "added_at": added} for r, added in found])  # fmt: skip
    _rows(df, json_, "No rules yet. Add one with `cxpulse rules add FILE.yaml`.")


@rules_app.command("show")
def rules_show(
    name: Annotated[str, typer.Argument(help="Rule name.")],
    lang: Annotated[str, typer.Option(help="en or fr.")] = "en",
    workspace: WorkspaceOpt = None,
    json_: JsonOpt = False,
) -> None:
    """A rule (enabled or not) in words: what it waits for and what it does."""
    from cxpulse.automations.rule_text import rule_in_words

    with _open(workspace) as ws:
        found = rule_in_words(ws, name, lang)
    if json_:
        out.print_json(render.to_json(found))
        return
    state = "enabled" if found["enabled"] else "disabled"
    out.print(f"{found['name']} ({state}, added {found['added_at']:%Y-%m-%d %H:%M} UTC)",
              highlight=False)  # fmt: skip
    if found["description"]:
        out.print(found["description"], highlight=False)
    out.print(f"when: {found['when']}", highlight=False)
    out.print("then:", highlight=False)
    for line in found["then"]:
        out.print(f"  - {line}", highlight=False)


@rules_app.command("dry-run")
def rules_dry_run(
    name: Annotated[str, typer.Argument(help="Rule name.")],
    days: Annotated[int, typer.Option(help="How far back to look.")] = 90,
    workspace: WorkspaceOpt = None,
    now: NowOpt = None,
    json_: JsonOpt = False,
) -> None:
    """Whom the rule would have hit over the past days, without acting."""
    from cxpulse.automations import dry_run

    with _open(workspace) as ws:
        df = dry_run(ws, name, _now(now), days)
    if not json_:
        people = df.customer_id[df.customer_id != ""].nunique()  # "": a metric, no customer
        out.print(f"{name} would have hit {people} customers ({len(df)} causes) in {days} days")
    _rows(df, json_, "")


@cases_app.command("list")
def cases_list(
    state: Annotated[str | None, typer.Option(help="Only this state.")] = None,
    workspace: WorkspaceOpt = None,
    json_: JsonOpt = False,
) -> None:
    """Cases, oldest first."""
    from cxpulse.automations import cases

    with _open(workspace) as ws:
        df = cases(ws, state)
    cols = ["case_id", "state", "customer_id", "owner", "team", "sla_due_at", "summary"]
    _rows(df if json_ else df[cols], json_, "No cases.")


@cases_app.command("show")
def cases_show(case_id: str, workspace: WorkspaceOpt = None, json_: JsonOpt = False) -> None:
    """One case with its notes."""
    import pandas as pd

    from cxpulse.automations import get_case
    from cxpulse.automations.cases import notes

    with _open(workspace) as ws:
        row, found = get_case(ws, case_id), notes(ws, case_id)
    _rows(pd.DataFrame([row]), json_, "")
    _rows(found[["written_at", "text"]], json_, "No notes.")


@cases_app.command("open")
def cases_open(
    customer: Annotated[str, typer.Argument(help="customer_id")],
    summary: Annotated[str, typer.Option(help="What the case is about.")],
    owner: Annotated[str | None, typer.Option(help="Who follows it up.")] = None,
    team: Annotated[str | None, typer.Option(help="The team it belongs to.")] = None,
    sla_hours: Annotated[float, typer.Option(help="Hours until first contact is due.")] = 24.0,
    workspace: WorkspaceOpt = None,
    now: NowOpt = None,
) -> None:
    """Open a case by hand (a phone call, a letter): same states, SLA and re-survey."""
    from cxpulse.automations import open_case

    with _open(workspace) as ws:
        row = open_case(ws, customer, summary, _now(now), sla_hours=sla_hours, owner=owner,
                        team=team)  # fmt: skip
    out.print(f"Opened {row['case_id']} for {customer}, first contact due "
              f"{row['sla_due_at']:%Y-%m-%d %H:%M} UTC")  # fmt: skip


@cases_app.command("assign")
def cases_assign(
    case_id: str,
    owner: Annotated[str | None, typer.Option(help="New owner (empty to clear).")] = None,
    team: Annotated[str | None, typer.Option(help="New team (empty to clear).")] = None,
    workspace: WorkspaceOpt = None,
) -> None:
    """Give a case to another owner or team."""
    from cxpulse.automations import reassign

    with _open(workspace) as ws:
        row = reassign(ws, case_id, owner=owner, team=team)
    out.print(f"Case {case_id}: owner {row['owner'] or '-'}, team {row['team'] or '-'}")


@cases_app.command("metrics")
def cases_metrics(
    workspace: WorkspaceOpt = None, now: NowOpt = None, json_: JsonOpt = False
) -> None:
    """How the follow-up goes: per rule, cases contacted within their SLA and the median hours
    to first contact; and the recovery rate (detractors who answered higher next time)."""
    from cxpulse.automations.case_metrics import recovery_rate, sla_summary

    with _open(workspace) as ws:
        sla, recovered = sla_summary(ws, _now(now)), recovery_rate(ws)
    if json_:
        out.print_json(render.to_json({"sla": render.frame_records(sla),
                                       "recovery": render.frame_records(recovered)}))  # fmt: skip
        return
    _rows(sla, False, "No cases yet.")
    _rows(recovered, False, "")


def _move(case_id: str, to: str, workspace: str | None, now: str | None, **kw: Any) -> None:
    from cxpulse.automations import move

    with _open(workspace) as ws:
        row = move(ws, case_id, to, _now(now), **kw)
    out.print(f"Case {case_id} is {row['state']}")


@cases_app.command("ack")
def cases_ack(case_id: str, workspace: WorkspaceOpt = None, now: NowOpt = None) -> None:
    """Acknowledge a case (someone owns it)."""
    _move(case_id, "acknowledged", workspace, now)


@cases_app.command("contact")
def cases_contact(case_id: str, workspace: WorkspaceOpt = None, now: NowOpt = None) -> None:
    """Record the first contact with the customer (what the SLA measures)."""
    _move(case_id, "contacted", workspace, now)


@cases_app.command("resolve")
def cases_resolve(
    case_id: str,
    root_cause: Annotated[str, typer.Option("--root-cause", help="Short category.")],
    workspace: WorkspaceOpt = None,
    now: NowOpt = None,
) -> None:
    """Resolve a case; records `case_resolved` so a survey can ask again."""
    _move(case_id, "resolved", workspace, now, root_cause=root_cause)


@cases_app.command("note")
def cases_note(case_id: str, text: str, workspace: WorkspaceOpt = None, now: NowOpt = None) -> None:
    """Add a note to a case."""
    from cxpulse.automations import add_note

    with _open(workspace) as ws:
        add_note(ws, case_id, text, _now(now))
    out.print(f"Noted on {case_id}")


def worker(
    once: Annotated[bool, typer.Option("--once", help="One tick, then exit.")] = False,
    interval: Annotated[float, typer.Option(help="Seconds between ticks.")] = 60.0,
    workspace: WorkspaceOpt = None,
    now: NowOpt = None,
) -> None:
    """Sync sources; run surveys, rules, digests, insights and the outbox every --interval s."""
    from cxpulse.automations import run_forever
    from cxpulse.automations.worker import Tick, utc_now
    from cxpulse.workspace import Workspace

    location = workspace or default_location()
    fixed = _now(now) if now else None
    failed: list[str] = []

    def report(tick: Tick) -> None:
        out.print(tick.summary(), highlight=False)
        failed[:] = tick.errors

    stop = threading.Event()

    def finish_the_tick(signum: int, frame: object) -> None:
        if stop.is_set():  # asked twice: stop now
            raise KeyboardInterrupt
        stop.set()
        typer.echo("Stopping after this tick (Ctrl-C again to stop at once).", err=True)

    # SIGTERM (a deploy, systemd) and Ctrl-C end the loop between ticks, not mid-send
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, finish_the_tick)
    run_forever(lambda: Workspace.open(location), interval=interval,
                clock=(lambda: fixed) if fixed else utc_now, report=report,
                ticks=1 if once else None, stop=stop,
                progress=lambda line: typer.echo(line, err=True))  # fmt: skip
    if once and failed:  # a cron job or a script must see that a step failed
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add the ``rules`` and ``cases`` groups and ``worker`` to the main app."""
    app.add_typer(rules_app, name="rules")
    app.add_typer(cases_app, name="cases")
    app.command("worker")(worker)
