"""Rule texts and a small customer base shared by the automation tests."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from cxpulse import Workspace
from cxpulse.automations import add_rule
from tests.conftest import add_rows

T0 = datetime(2025, 6, 1, 9, 0)

DETRACTOR = """
name: detractor-case
when: {response: detractor}
then:
  - case:
      sla_hours: 24
      assign:
        - {segment: enterprise, team: key-accounts, owner: kim}
        - {language: fr, team: cx-fr, owner: camille}
        - {round_robin: [ana, ben], team: cx}
  - webhook: {url: "URL", format: json}
  - tag: detractor
"""

CSAT_LOW = DETRACTOR.replace("detractor-case", "csat-case").replace(
    "response: detractor", "response: csat_unsatisfied"
)

PROMOTER = """
name: ask-review
when: {response: promoter}
then:
  - review_request: {platform: trustpilot}
  - tag: promoter
"""


def rule(
    ws: Workspace, tmp: Path, text: str, url: str = "http://127.0.0.1:9/none", at: datetime = T0
) -> None:
    path = tmp / "rule.yaml"
    path.write_text(text.replace("URL", url), encoding="utf-8")
    add_rule(ws, path, at)


def people(ws: Workspace) -> None:
    base = {"created_at": datetime(2025, 1, 1), "email_consent": True, "segment": "smb"}
    add_rows(
        ws,
        "customers",
        [
            {**base, "customer_id": "alice", "email": "a@x.io", "language": "fr"},
            {**base, "customer_id": "bob", "email": "b@x.io", "language": "en"},
            {**base, "customer_id": "carl", "email": "c@x.io", "language": "en"},
            {**base, "customer_id": "dora", "email": "d@x.io", "segment": "enterprise"},
        ],
    )
