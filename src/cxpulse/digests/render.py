"""A digest's sections as an email (HTML and plain text) and as Slack blocks.

The HTML is written for mail clients, not browsers: tables for layout, every style inline
(Gmail and Outlook drop ``<style>`` blocks and most CSS), a 600-pixel column, the charts as PNG
images attached to the message (``cid:`` links; the preview file carries them as ``data:``
URIs instead) with their meaning in ``alt``. Links go to the dashboard when the workspace's
``public_url`` is set, and are left out when it is not.
"""

from __future__ import annotations

import base64
import html
from dataclasses import dataclass
from typing import Any

from cxpulse.digests.charts import Chart
from cxpulse.digests.schedule import Period
from cxpulse.digests.sections import Part, fr

FONT = "font-family:Helvetica,Arial,sans-serif;color:#24292f"
CELL = "padding:4px 8px;border-bottom:1px solid #d0d7de;font-size:13px;text-align:left"


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str  # charts as cid: links
    charts: tuple[Chart, ...]

    def standalone_html(self) -> str:
        """The HTML with its charts inside it (``data:`` URIs), to open in a browser."""
        page = self.html
        for chart in self.charts:
            uri = "data:image/png;base64," + base64.b64encode(chart.png).decode()
            page = page.replace(f'src="cid:{chart.name}"', f'src="{uri}"')
        return page


def subject(name: str, period: Period, lang: str) -> str:
    return fr(
        lang, f"{name}: CX digest for {period.label}", f"{name}\u00a0: synthèse CX {period.label}"
    )


def render_email(
    name: str, period: Period, parts: list[Part], lang: str, base_url: str
) -> Rendered:
    title = subject(name, period, lang)
    return Rendered(
        title,
        _text(title, parts, lang, base_url),
        _html(title, parts, lang, base_url),
        tuple(c for p in parts for c in p.charts),
    )


def _url(base_url: str, path: str) -> str:
    return f"{base_url.rstrip('/')}{path}" if base_url and path else ""


def _text(title: str, parts: list[Part], lang: str, base_url: str) -> str:
    out = [title, "=" * len(title)]
    for part in parts:
        out += ["", part.title, "-" * len(part.title), *part.lines]
        if part.rows:
            widths = [max(len(str(r[i])) for r in [part.columns, *part.rows])
                      for i in range(len(part.columns))]  # fmt: skip
            out.append("")
            for row in [part.columns, *part.rows]:
                out.append("  ".join(str(v).ljust(w) for v, w in zip(row, widths, strict=True)))
        link = _url(base_url, part.link)
        if link:
            out += ["", fr(lang, f"Open in cxpulse: {link}", f"Ouvrir dans cxpulse\u00a0: {link}")]
    return "\n".join(line.rstrip() for line in out) + "\n"


def _html(title: str, parts: list[Part], lang: str, base_url: str) -> str:
    e = html.escape
    body = [f'<h1 style="{FONT};font-size:20px;margin:0 0 16px">{e(title)}</h1>']
    for part in parts:
        body.append(f'<h2 style="{FONT};font-size:16px;margin:24px 0 8px">{e(part.title)}</h2>')
        body += [f'<p style="{FONT};font-size:14px;margin:0 0 6px">{e(s)}</p>' for s in part.lines]
        if part.rows:
            head = "".join(f'<th style="{CELL}">{e(c)}</th>' for c in part.columns)
            rows = "".join(
                "<tr>" + "".join(f'<td style="{CELL}">{e(str(v))}</td>' for v in row) + "</tr>"
                for row in part.rows
            )
            body.append(
                f'<table role="presentation" cellpadding="0" cellspacing="0" width="100%" '
                f'style="{FONT};border-collapse:collapse;margin:8px 0">'
                f"<tr>{head}</tr>{rows}</table>"
            )
        for chart in part.charts:
            body.append(
                f'<img src="cid:{chart.name}" width="600" alt="{e(chart.alt)}" '
                'style="display:block;width:100%;max-width:600px;height:auto;margin:8px 0">'
            )
        link = _url(base_url, part.link)
        if link:
            label = fr(lang, "Open in cxpulse", "Ouvrir dans cxpulse")
            body.append(f'<p style="{FONT};font-size:13px"><a href="{e(link)}" '
                        f'style="color:#0969da">{e(label)} &rarr;</a></p>')  # fmt: skip
    inner = "".join(body)
    return (
        f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width"><title>{e(title)}</title></head>'
        '<body style="margin:0;padding:0;background:#f6f8fa">'
        '<table role="presentation" width="100%" cellpadding="0" cellspacing="0" '
        'style="background:#f6f8fa"><tr><td align="center" style="padding:16px">'
        '<table role="presentation" width="600" cellpadding="0" cellspacing="0" '
        'style="width:600px;max-width:100%;background:#ffffff;border:1px solid #d0d7de">'
        f'<tr><td style="padding:24px">{inner}</td></tr></table></td></tr></table>'
        "</body></html>"
    )


def slack_blocks(
    name: str, period: Period, parts: list[Part], lang: str, base_url: str
) -> dict[str, Any]:
    """Slack's Block Kit message (also read by Mattermost and Rocket.Chat's Slack-compatible
    webhooks): a header, then each section's sentences and table as text. Charts are left
    out: a webhook message can only show images at a public URL."""
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": subject(name, period, lang)}}
    ]
    for part in parts:
        lines = [f"*{part.title}*", *part.lines]
        if part.rows:
            table = [" | ".join(part.columns), *(" | ".join(map(str, r)) for r in part.rows)]
            lines.append("```" + "\n".join(table) + "```")
        link = _url(base_url, part.link)
        if link:
            lines.append(f"<{link}|{fr(lang, 'Open in cxpulse', 'Ouvrir dans cxpulse')}>")
        # a section block holds at most 3,000 characters
        blocks.append(
            {"type": "section", "text": {"type": "mrkdwn", "text": "\n".join(lines)[:3000]}}
        )
    return {"text": subject(name, period, lang), "blocks": blocks}
