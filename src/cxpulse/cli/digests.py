"""``cxpulse digests``: thin commands over :mod:`cxpulse.digests` (library errors become one
message in the app's command group)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from cxpulse.cli import render
from cxpulse.cli.automations import JsonOpt, NowOpt, WorkspaceOpt, _open
from cxpulse.cli.surveys import _now, out
from cxpulse.errors import ConfigError

digests_app = typer.Typer(help="Scheduled digests by email and chat webhooks.")

PeriodOpt = Annotated[
    str | None,
    typer.Option(
        "--period",
        help="The period: 2025-11 (monthly), 2025-W47 (weekly) or a day in it "
        "(default: the last complete one).",
    ),
]


@digests_app.command("add")
def add(
    file: Annotated[Path, typer.Argument(help="The digest's YAML definition.")],
    workspace: WorkspaceOpt = None,
    now: NowOpt = None,
) -> None:
    """Check a digest definition and store it (a digest with the same name is replaced)."""
    from cxpulse.digests.recipients import addresses
    from cxpulse.digests.store import add_digest

    with _open(workspace) as ws:
        digest = add_digest(ws, file, _now(now))
        to = [f"{a.email} ({a.language})" for a in addresses(ws, digest)]
    out.print(f"Added {digest.describe(os.environ)}")
    if digest.email:
        # a role's users without an email login get nothing: say whom it reaches today
        plural = "es" if len(to) != 1 else ""
        out.print(f"Emails go to {len(to)} address{plural} today: {', '.join(to) or 'none'}")


@digests_app.command("list")
def list_(workspace: WorkspaceOpt = None, json_: JsonOpt = False, now: NowOpt = None) -> None:
    """Every digest: schedule, sections, channels, recipients and when it goes out next."""
    from cxpulse.digests.schedule import local_today, send_day, upcoming
    from cxpulse.digests.store import stored_digests

    with _open(workspace) as ws:
        today = local_today(_now(now), ws.settings.zone)
        rows = []
        for digest, _added in stored_digests(ws):
            nxt = upcoming(digest.schedule, today)
            rows.append({"name": digest.name, "description": digest.describe(os.environ),
                         "next_period": nxt.label,
                         "next_send": send_day(nxt, digest.schedule).isoformat()})  # fmt: skip
    if json_:
        out.print_json(render.to_json(rows))
        return
    if not rows:
        out.print("No digests yet: cxpulse digests add FILE.yaml")
    for r in rows:
        out.print(f"{r['description']}; next: {r['next_period']} on {r['next_send']}")


@digests_app.command("preview")
def preview(
    name: Annotated[str, typer.Argument(help="The digest's name.")],
    to: Annotated[
        Path | None, typer.Option("--to", help="Write the HTML email to this file.")
    ] = None,
    lang: Annotated[str, typer.Option("--lang", help="en or fr.")] = "",
    period: PeriodOpt = None,
    text: Annotated[bool, typer.Option("--text", help="Print the plain-text part.")] = False,
    json_: JsonOpt = False,
    workspace: WorkspaceOpt = None,
    now: NowOpt = None,
) -> None:
    """Render a digest for a period without sending it: the HTML email (charts inside) to a
    file to open in a browser, its plain text, or its data (--json)."""
    from cxpulse.digests.compose import compose
    from cxpulse.digests.definition import LANGUAGES
    from cxpulse.digests.schedule import chosen
    from cxpulse.digests.store import get_digest

    if lang and lang not in LANGUAGES:
        raise ConfigError(f"--lang takes {' or '.join(LANGUAGES)}, not {lang!r}")
    moment = _now(now)
    with _open(workspace) as ws:
        digest, _ = get_digest(ws, name)
        when = chosen(digest.schedule, period, moment, ws.settings.zone)
        composed = compose(ws, digest, when, moment)
        mail = composed.email(lang or digest.language)
    if json_:  # the data behind it, in no language
        out.print_json(render.to_json(composed.to_dict()))
        return
    if to is not None:
        to.write_text(mail.standalone_html(), encoding="utf-8")
        out.print(f"Wrote {to} ({mail.subject}, {len(mail.charts)} charts)")
    if text or to is None:
        out.print(mail.text, highlight=False)


@digests_app.command("send")
def send(
    name: Annotated[str, typer.Argument(help="The digest's name.")],
    period: PeriodOpt = None,
    workspace: WorkspaceOpt = None,
    now: NowOpt = None,
) -> None:
    """Queue a digest for a period now (once per recipient: sending again queues nothing)
    and send what is queued."""
    from cxpulse.automations.outbox import http_post
    from cxpulse.digests.outbox import outcomes, queue, send_queued
    from cxpulse.digests.schedule import chosen
    from cxpulse.digests.store import get_digest
    from cxpulse.surveys.email import email_blocked

    moment = _now(now)
    with _open(workspace) as ws:
        digest, _ = get_digest(ws, name)
        when = chosen(digest.schedule, period, moment, ws.settings.zone)
        done = queue(ws, digest, when, moment)
        sent = send_queued(ws, moment, post=http_post)
        blocked = email_blocked(ws.settings) if digest.email else None
        waiting = [r for r in outcomes(ws, digest, when) if r["status"] != "sent"]
    out.print(f"{done.summary()}; outbox: {sent.sent} sent, {sent.retrying} retrying, "
              f"{sent.dead} failed for good")  # fmt: skip
    if blocked:
        out.print(f"The emails wait in the outbox until it is set up: {blocked}")
    for r in waiting:
        if r["last_error"]:
            out.print(f"{r['target']}: {r['status']} after {r['attempts']} attempts: "
                      f"{r['last_error']}")  # fmt: skip


def register(app: typer.Typer) -> None:
    """Add the ``digests`` group to the main app."""
    app.add_typer(digests_app, name="digests")
