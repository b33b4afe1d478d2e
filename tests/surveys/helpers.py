"""Survey YAML texts shared by the survey tests."""

from __future__ import annotations

from pathlib import Path

SUPPORT_CSAT = """
id: support-csat
name: Support satisfaction
touchpoint: support
priority: 10
min_gap_days: 30
subject: {en: "How did we do?", fr: "Comment nous en sommes-nous sortis ?"}
intro: {en: "Your ticket was solved.", fr: "Votre demande est résolue."}
trigger: {event: ticket_solved, delay: 24 hours}
questions:
  - id: satisfaction
    type: csat
    points: 5
    text: {en: "How satisfied are you?", fr: "Êtes-vous satisfait ?"}
    follow_up:
      - {scores: 1-2, text: {en: "What went wrong?", fr: "Qu'est-ce qui n'a pas été ?"}}
      - {scores: 4-5, text: {en: "What did we do well?", fr: "Qu'avons-nous bien fait ?"}}
  - id: comment
    type: text
    text: {en: "Anything else?", fr: "Autre chose ?"}
"""

RELATIONAL_NPS = """
id: relational-nps
touchpoint: relationship
priority: 1
trigger: {every: 90 days}
questions:
  - id: recommend
    type: nps
    text: {en: "Would you recommend us?", fr: "Nous recommanderiez-vous ?"}
    follow_up:
      - {scores: 0-6, text: {en: "What should we fix?", fr: "Que devons-nous corriger ?"}}
      - {scores: 9-10, text: "What do you like most?"}
"""

ONBOARDING_CES = """
id: onboarding-ces
touchpoint: onboarding
priority: 5
trigger: {attribute: created_at, delay: 30 days}
audience: {plan: [pro]}
questions:
  - id: effort
    type: ces
    points: 7
    polarity: high_is_easy
    text: {en: "Getting started was easy.", fr: "La prise en main a été facile."}
"""


def write(tmp: Path, name: str, text: str) -> Path:
    path = tmp / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    return path
