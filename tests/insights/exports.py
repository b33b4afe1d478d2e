"""Files as a CX lead's own tools export them, for the imported-workspace test: a billing
tool's customers and subscriptions (CSV, semicolons, European decimals, day-first dates), a
survey tool's answers (Excel, its own column names, capitalised codes) and a helpdesk's
tickets (CSV, local times as text), each with a few bad rows.

The plan, seeded: 2025 by month, 600 customers in three segments. CSAT is asked after three
touchpoints (delivery, support, onboarding) and NPS once a month; the only planted change is
a drop of CSAT at the **delivery** touchpoint in **October 2025** (satisfied share 82 % ->
45 %), whose unhappy customers complain about late and damaged parcels, in English and French.
Everything else is drawn from the same distribution every month.
"""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from openpyxl import Workbook

YEAR = 2025
PLANTED_MONTH = 10
PLANTED_TOUCHPOINT = "delivery"
TOUCHPOINTS = {"delivery": 150, "support": 100, "onboarding": 100}  # CSAT answers a month
SEGMENTS = ("smb", "mid_market", "enterprise")
SATISFIED = 0.82
SATISFIED_PLANTED = 0.45

# what unhappy customers write, by language: the planted theme, and the everyday complaints
# (price, app, billing) drawn in every month and touchpoint alike
LATE_PARCEL = {
    "en": [
        "My parcel arrived two weeks late and nobody told me",
        "The courier lost my parcel, still not received",
        "Parcel arrived damaged, the box was crushed",
        "Delivery was late again, the tracking number never worked",
        "The shipping took forever and the parcel was damaged",
    ],
    "fr": [
        "Mon colis est arrivé avec deux semaines de retard",
        "Le transporteur a perdu mon colis, toujours pas reçu",
        "Colis livré abîmé, le carton était écrasé",
        "Livraison encore en retard, le numéro de suivi ne marche pas",
        "Le livreur a laissé le colis abîmé devant la porte",
    ],
}
EVERYDAY = {
    "en": [
        "Too expensive for what it is",
        "The app keeps crashing when I log in",
        "I was charged twice on my invoice",
        "The price went up again",
        "The website is confusing",
    ],
    "fr": [
        "Trop cher pour ce que c'est",
        "L'application plante quand je me connecte",
        "J'ai été facturé deux fois",
        "Le prix a encore augmenté",
        "Le site est compliqué",
    ],
}
HAPPY = {
    "en": ["Great service, thank you", "All good", "Quick and easy"],
    "fr": ["Très bon service, merci", "Rien à redire", "Rapide et simple"],
}


@dataclass(frozen=True)
class Exported:
    """The files written, and how many bad rows each holds."""

    customers: Path
    subscriptions: Path
    surveys: Path
    tickets: Path
    bad_surveys: int
    bad_tickets: int


def write_exports(folder: Path, seed: int = 17) -> Exported:
    """Write the four exports of the plan (module docstring) into ``folder``."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    customers = [
        {
            "id": f"ACC-{i:04d}",
            "segment": SEGMENTS[i % 3],
            "language": "fr" if rng.random() < 0.4 else "en",
            "signup": date(2024, 1, 1) + timedelta(days=rng.randrange(330)),
        }
        for i in range(600)
    ]
    out = Exported(
        customers=_billing_customers(folder, customers),
        subscriptions=_billing_subscriptions(folder, customers, rng),
        surveys=folder / "survey_export.xlsx",
        tickets=folder / "helpdesk_tickets.csv",
        bad_surveys=2,
        bad_tickets=1,
    )
    _survey_answers(out.surveys, customers, rng)
    _helpdesk_tickets(out.tickets, customers, rng)
    return out


def _billing_customers(folder: Path, customers: list[dict[str, object]]) -> Path:
    path = folder / "billing_customers.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, delimiter=";")
        w.writerow(["Client ID", "Date d'inscription", "Pays", "Segment", "Langue"])
        for c in customers:
            signup = c["signup"]
            assert isinstance(signup, date)
            country = "FR" if c["language"] == "fr" else "GB"
            w.writerow([c["id"], signup.strftime("%d/%m/%Y"), country, c["segment"], c["language"]])
    return path


def _billing_subscriptions(
    folder: Path, customers: list[dict[str, object]], rng: random.Random
) -> Path:
    path = folder / "billing_subscriptions.csv"
    prices = {"smb": "49,90", "mid_market": "249,00", "enterprise": "1 290,50"}
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, delimiter=";")
        w.writerow(["Abonnement", "Client", "Formule", "Prix mensuel", "Périodicité", "Début",
                    "Fin"])  # fmt: skip
        for i, c in enumerate(customers):
            signup = c["signup"]
            assert isinstance(signup, date)
            end = ""
            if rng.random() < 0.15:  # about one in seven leaves during 2025
                end = (date(YEAR, 1, 15) + timedelta(days=rng.randrange(330))).strftime("%d/%m/%Y")
            segment = str(c["segment"])
            w.writerow([f"SUB-{i:04d}", c["id"], segment, prices[segment], "month",
                        signup.strftime("%d/%m/%Y"), end])  # fmt: skip
    return path


def _survey_answers(path: Path, customers: list[dict[str, object]], rng: random.Random) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Responses"
    sheet.append(["Response ID", "Respondent", "Submitted", "Question", "Score", "Out of",
                  "Lowest", "Verbatim", "Lang", "Journey step", "Channel"])  # fmt: skip
    n = 0
    for month in range(1, 13):
        for touchpoint, answers in TOUCHPOINTS.items():
            planted = month == PLANTED_MONTH and touchpoint == PLANTED_TOUCHPOINT
            for _ in range(answers):
                c = rng.choice(customers)
                lang = str(c["language"])
                happy = rng.random() < (SATISFIED_PLANTED if planted else SATISFIED)
                score = rng.choice((4, 5)) if happy else rng.choice((1, 2, 3))
                comment = _comment(rng, lang, happy, planted)
                n += 1
                sheet.append([f"R{n:06d}", c["id"], _when(rng, month).strftime("%d/%m/%Y %H:%M"),
                              "CSAT", score, 5, 1, comment, lang, touchpoint.capitalize(),
                              "Email"])  # fmt: skip
        for _ in range(150):
            c = rng.choice(customers)
            lang = str(c["language"])
            score = rng.choices(range(11), weights=[1, 1, 1, 1, 2, 3, 4, 8, 12, 14, 12])[0]
            n += 1
            sheet.append([f"R{n:06d}", c["id"], _when(rng, month).strftime("%d/%m/%Y %H:%M"),
                          "NPS", score, 10, 0, _comment(rng, lang, score >= 7, False), lang,
                          "Relationship", "Email"])  # fmt: skip
    # what a survey tool's export also holds: a score off the scale, a date nobody can read
    sheet.append(["R999998", "ACC-0001", "31/02/2025 10:00", "CSAT", 4, 5, 1, "", "en",
                  "Support", "Email"])  # fmt: skip
    sheet.append(["R999999", "ACC-0002", "03/03/2025 10:00", "CSAT", 9, 5, 1, "", "en",
                  "Support", "Email"])  # fmt: skip
    book.save(path)


def _comment(rng: random.Random, lang: str, happy: bool, planted: bool) -> str:
    """Most answers leave no comment; an unhappy one behind the planted drop mostly blames
    the parcel, any other one the everyday complaints."""
    if rng.random() < (0.35 if happy else 0.15):
        return ""
    if happy:
        return rng.choice(HAPPY[lang])
    if planted and rng.random() < 0.85:
        return rng.choice(LATE_PARCEL[lang])
    return rng.choice(EVERYDAY[lang])


def _helpdesk_tickets(path: Path, customers: list[dict[str, object]], rng: random.Random) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["Ticket #", "Requester", "Created", "First response", "Solved", "Via",
                    "Group", "Type", "Escalated?", "Subject"])  # fmt: skip
        n = 0
        for month in range(1, 13):
            for _ in range(200):
                c = rng.choice(customers)
                created = _when(rng, month)
                reply = created + timedelta(minutes=rng.randrange(20, 600))
                solved = reply + timedelta(hours=rng.randrange(1, 72))
                n += 1
                w.writerow([f"T-{n}", c["id"], created.strftime("%Y-%m-%d %H:%M"),
                            reply.strftime("%Y-%m-%d %H:%M"), solved.strftime("%Y-%m-%d %H:%M"),
                            rng.choice(("Email", "Chat", "Phone")),
                            rng.choice(("Tier 1", "Tier 2")),
                            rng.choice(("billing", "account", "bug")),
                            "Yes" if rng.random() < 0.05 else "No", "Question"])  # fmt: skip
        w.writerow(["T-bad", "ACC-0003", "yesterday", "", "", "Email", "Tier 1", "bug", "No",
                    "Question"])  # fmt: skip


def _when(rng: random.Random, month: int) -> datetime:
    """A local time on a working hour of a day of ``month`` (days 1-28: every month has them)."""
    return datetime(YEAR, month, rng.randrange(1, 29), rng.randrange(8, 19), rng.randrange(60))
