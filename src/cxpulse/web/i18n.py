"""English and French for the dashboard: messages, numbers and dates in the user's locale.

The English text is the message id (as gettext does), so a missing French entry shows English
rather than a key; a test checks that every message used in the templates and pages has its
French entry.
"""

from __future__ import annotations

import math
from datetime import date, datetime

from cxpulse import wording
from cxpulse.metrics.spec import COUNT_UNITS
from cxpulse.schema import LANGUAGES

NNBSP = "\u202f"  # French thousands separator and the space before %
NBSP = "\u00a0"

FR: dict[str, str] = {
    # cases, rules, surveys and the public survey pages
    "Acknowledge": "Prendre en charge",
    "Cases contacted by their due time, among those whose outcome is known (contacted, or not "
    "contacted and past due).": (
        "Dossiers où le client a été contacté avant l'échéance, parmi ceux dont l'issue est "
        "connue (contactés, ou non contactés et en retard)."
    ),
    "Contacted": "Contactés",
    "Detractor cases": "Dossiers détracteurs",
    "Detractor cases whose customer answered again with a higher score, among those who "
    "answered again.": (
        "Dossiers détracteurs dont le client a de nouveau répondu avec une meilleure note, parmi "
        "ceux qui ont de nouveau répondu."
    ),
    "Follow-up figures (JSON)": "Indicateurs de suivi (JSON)",
    "Median time from opening a case to the first contact with the customer, over the "
    "contacted cases.": (
        "Délai médian entre l'ouverture d'un dossier et le premier contact avec le client, sur "
        "les dossiers contactés."
    ),
    "Recovery rate": "Taux de reconquête",
    "Time to first contact": "Délai de premier contact",
    "Within SLA": "Dans les délais",
    "median": "médiane",
    "Actions": "Actions",
    "Add a note": "Ajouter une note",
    "Add note": "Ajouter la note",
    "Added": "Ajoutée le",
    "Answered": "Répondu",
    "Case": "Dossier",
    "Cause": "Origine",
    "Channel": "Canal",
    "Customer": "Client",
    "Customer timeline": "Historique du client",
    "No known customer": "Aucun client connu",
    "Definition (YAML)": "Définition (YAML)",
    "Delivered": "Remises",
    "Disable": "Désactiver",
    "Email": "E-mail",
    "Enable": "Activer",
    "Enabled": "Active",
    "Filter by state": "Filtrer par état",
    "Fired": "Déclenchée le",
    "First contact due": "Premier contact avant le",
    "History": "Historique",
    "Invitations": "Invitations",
    "Last run": "Dernier déclenchement",
    "Last runs": "Derniers déclenchements",
    "Mark contacted": "Marquer comme contacté",
    "Never fired yet.": "Jamais déclenchée.",
    "Next": "Suivante",
    "New survey": "Nouvelle enquête",
    "No cases here.": "Aucun dossier ici.",
    "No invitations yet.": "Aucune invitation pour l'instant.",
    "No notes yet.": "Aucune note pour l'instant.",
    "No rules yet: add one with `cxpulse rules add FILE.yaml`.": (
        "Aucune règle : ajoutez-en une avec `cxpulse rules add FICHIER.yaml`."
    ),
    "No surveys yet.": "Aucune enquête pour l'instant.",
    "Note": "Note",
    "Notes": "Notes",
    "Opened": "Ouvert le",
    "Owner": "Responsable",
    "Pages": "Pages",
    "Preview": "Aperçu",
    "Preview language": "Langue de l'aperçu",
    "Questions": "Questions",
    "Read only: your role cannot change surveys.": (
        "Lecture seule : votre rôle ne permet pas de modifier les enquêtes."
    ),
    "Reminded": "Relancées",
    "Resolve": "Clore",
    "Resolved": "Clos",
    "Response rate": "Taux de réponse",
    "Response rate by survey and channel": "Taux de réponse par enquête et par canal",
    "Root cause": "Cause racine",
    "Rule": "Règle",
    "Runs": "Déclenchements",
    "SLA": "Délai cible",
    "Save": "Enregistrer",
    "Send": "Envoyer",
    "State": "État",
    "Subject": "Objet",
    "Survey": "Enquête",
    "Survey saved:": "Enquête enregistrée :",
    "Text part": "Version texte",
    "Thank you! Your answers are saved.": "Merci ! Vos réponses sont enregistrées.",
    "This survey has closed: its link has expired. Thank you all the same.": (
        "Cette enquête est close : son lien a expiré. Merci tout de même."
    ),
    "This survey link is not valid.": "Ce lien d'enquête n'est pas valide.",
    (
        "This survey link is not valid: it was altered or cut. Open it again from the email, "
        "as it is."
    ): (
        "Ce lien d'enquête n'est pas valide : il a été modifié ou coupé. Ouvrez-le à nouveau "
        "depuis l'e-mail, tel quel."
    ),
    "Touchpoint": "Point de contact",
    "Trigger": "Déclencheur",
    "Unsubscribe from surveys": "Ne plus recevoir d'enquêtes",
    "Unsubscribe from surveys?": "Ne plus recevoir d'enquêtes ?",
    "Unsubscribe": "Me désinscrire",
    "We will not send you surveys any more, and messages already on their way will be cancelled.": (
        "Nous ne vous enverrons plus d'enquêtes, et les messages déjà en route seront annulés."
    ),
    "Your score is chosen below. Press Send to save it; you may add a comment first.": (
        "Votre note est choisie ci-dessous. Appuyez sur Envoyer pour l'enregistrer ; vous "
        "pouvez d'abord ajouter un commentaire."
    ),
    "We could not find this survey. The link may be incomplete.": (
        "Nous ne trouvons pas cette enquête. Le lien est peut-être incomplet."
    ),
    "We will not send you surveys any more. Messages already on their way have been cancelled.": (
        "Nous ne vous enverrons plus d'enquêtes. Les messages en attente d'envoi ont été annulés."
    ),
    "What is the main reason for your score?": "Quelle est la raison principale de votre note ?",
    "When": "Condition",
    "Widget": "Widget",
    "You are unsubscribed": "Votre désinscription est enregistrée",
    (
        "You have already answered this survey. Thank you! You can still change your answers below."
    ): (
        "Vous avez déjà répondu à cette enquête. Merci ! Vous pouvez encore modifier vos "
        "réponses ci-dessous."
    ),
    "Your answer could not be saved:": "Votre réponse n'a pas pu être enregistrée :",
    "acknowledged": "pris en charge",
    "active": "en cours",
    "all": "tous",
    "contacted": "contacté",
    "delay": "délai",
    "left": "restant",
    "line": "ligne",
    "met": "respecté",
    "missed by": "dépassé de",
    "no": "non",
    "open": "ouvert",
    "overdue by": "en retard de",
    "resolved": "clos",
    "score": "note",
    "yes": "oui",
    "Scorecard": "Tableau de bord",
    "Feedback": "Avis clients",
    "Revenue": "Revenus",
    "Support": "Support",
    "Website": "Site web",
    "Social": "Réseaux sociaux",
    "Loyalty": "Fidélité",
    "Journey": "Parcours",
    "Cases": "Dossiers",
    "Rules": "Règles",
    "Surveys": "Enquêtes",
    "Customers": "Clients",
    "Log in": "Se connecter",
    "Log out": "Se déconnecter",
    "User": "Utilisateur",
    "Password": "Mot de passe",
    "Wrong user name or password.": "Nom d'utilisateur ou mot de passe incorrect.",
    "Too many attempts; wait a few minutes and try again.": (
        "Trop de tentatives ; attendez quelques minutes et réessayez."
    ),
    "Metric": "Indicateur",
    "Period": "Période",
    "Last": "Dernière valeur",
    "Previous": "Précédente",
    "Change": "Évolution",
    "Interval": "Intervalle",
    "Target": "Objectif",
    "Benchmark": "Référence",
    "Answers": "Réponses",
    "few": "peu",
    "partial": "partielle",
    "This period is not over (or the range cuts it): it is not compared and not drawn.": (
        "Cette période n'est pas terminée (ou la plage la coupe) : elle n'est ni comparée ni "
        "tracée."
    ),
    "significant": "significatif",
    "Trend": "Tendance",
    "By segment": "Par segment",
    "Segment": "Segment",
    "Value": "Valeur",
    "Grain": "Granularité",
    "From": "Du",
    "To": "Au",
    "Apply": "Appliquer",
    "month": "mois",
    "week": "semaine",
    "quarter": "trimestre",
    "year": "année",
    "day": "jour",
    "JSON": "JSON",
    "Download CSV": "Télécharger en CSV",
    "No data for this period.": "Aucune donnée pour cette période.",
    "Definition": "Définition",
    "Source": "Source",
    "as of": "au",
    "Show all metrics": "Afficher tous les indicateurs",
    "Show the main metrics": "Afficher les indicateurs principaux",
    "Language": "Langue",
    "Page not found.": "Page introuvable.",
    "You do not have access to this page.": "Vous n'avez pas accès à cette page.",
    "Something is wrong with the request": "La demande comporte une erreur",
    "Back to the scorecard": "Retour au tableau de bord",
    "Confidence interval": "Intervalle de confiance",
    "Meets target": "Objectif atteint",
    "Misses target": "Objectif manqué",
    "Variant": "Variante",
    "needs a setting": "réglage manquant",
    # dashboard pages (feedback, revenue, support, website, social, loyalty, journey)
    "All": "Tous",
    "All responses": "Toutes les réponses",
    "Churn and net revenue retention": "Attrition et rétention nette du revenu",
    "Clear": "Effacer",
    "Click a point to read the responses behind it.": (
        "Cliquez sur un point pour lire les réponses correspondantes."
    ),
    "Closing MRR": "MRR de clôture",
    "Cohort": "Cohorte",
    "Cohorts": "Cohortes",
    "Comment": "Commentaire",
    "Customer journey": "Parcours client",
    "Date": "Date",
    "Distribution of scores": "Répartition des notes",
    "Excess": "Écart",
    "Exit rate": "Taux de sortie",
    "Flagged": "Signalée",
    "Highest score": "Note maximale",
    "Lowest score": "Note minimale",
    "MRR bridge": "Pont du MRR",
    "Net change": "Variation nette",
    "Next page": "Page suivante",
    "No response matches these filters.": "Aucune réponse ne correspond à ces filtres.",
    "Opening MRR": "MRR d'ouverture",
    "Page": "Page",
    "Pages whose exit rate is abnormally high for their traffic, worst first.": (
        "Pages dont le taux de sortie est anormalement élevé pour leur trafic, les pires d'abord."
    ),
    "Previous page": "Page précédente",
    "Problem pages": "Pages à problème",
    "Question": "Question",
    "Reset": "Réinitialiser",
    "Responses": "Réponses",
    "Revenue and retention": "Revenus et rétention",
    "Score": "Note",
    "Sentiment": "Sentiment",
    "Sentiment computed for the rows shown (run `cxpulse text score` to annotate every comment).": (
        "Sentiment calculé pour les lignes affichées (lancez `cxpulse text score` pour "
        "annoter tous les commentaires)."
    ),
    "Show logo retention": "Afficher la rétention des clients",
    "Show revenue retention": "Afficher la rétention du revenu",
    "Site rate": "Taux du site",
    "Touchpoints in the order of the customer journey; the change is on the previous period.": (
        "Points de contact dans l'ordre du parcours client ; l'évolution est calculée sur "
        "la période précédente."
    ),
    "Trends": "Tendances",
    "Verbatims": "Verbatims",
    "Views": "Vues",
    "With a comment": "Avec un commentaire",
    "at least": "au moins",
    "churn": "attrition",
    "compared with": "comparé à",
    "contraction": "contraction",
    "expansion": "expansion",
    "logo retention": "rétention des clients",
    "margin": "marge",
    "new": "nouveau",
    "obs.": "obs.",
    "points": "points",
    "reactivation": "réactivation",
    "responses": "réponses",
    "revenue retention": "rétention du revenu",
    "views": "vues",
    "negative": "négatif",
    "neutral": "neutre",
    "positive": "positif",
    "(none)": "(aucun)",
    "Tickets: speed, resolution and volume.": "Tickets : rapidité, résolution et volume.",
    "Sessions and pages of the website.": "Sessions et pages du site web.",
    "Mentions and reviews on social platforms.": "Mentions et avis sur les réseaux sociaux.",
    "The loyalty programme's points.": "Les points du programme de fidélité.",
    # the API reference (/api/docs)
    "API reference": "Référence de l'API",
    (
        "Every page has its JSON twin under /api/v1. Programs authenticate with an API token in "
        "the header Authorization: Bearer TOKEN (create one with `cxpulse token create NAME "
        "--scopes read`); in this browser your session is enough."
    ): (
        "Chaque page a son équivalent JSON sous /api/v1. Les programmes s'authentifient avec un "
        "jeton d'API dans l'en-tête Authorization: Bearer JETON (créez-en un avec `cxpulse token "
        "create NOM --scopes read`) ; dans ce navigateur, votre session suffit."
    ),
    "Contents": "Sommaire",
    "Default": "Valeur par défaut",
    "Description": "Description",
    "Field": "Champ",
    "In": "Dans",
    "Parameter": "Paramètre",
    "Request body": "Corps de la requête",
    "Required": "Obligatoire",
    "Schemas": "Schémas",
    "The OpenAPI document (JSON)": "Le document OpenAPI (JSON)",
    "Type": "Type",
    # customer search and timeline
    "Answer": "Réponse",
    "Churn risk": "Risque d'attrition",
    "Country": "Pays",
    "Detail": "Détail",
    "Erase": "Effacer",
    "Event": "Événement",
    "Everything": "Tout",
    "Export personal data (JSON)": "Exporter les données personnelles (JSON)",
    "Id, email or name": "Identifiant, e-mail ou nom",
    "Invitation": "Invitation",
    "Lifetime value": "Valeur vie client",
    "Mention": "Mention",
    "Name": "Nom",
    "No customer matches.": "Aucun client ne correspond.",
    "Nothing recorded.": "Rien d'enregistré.",
    "Order": "Commande",
    "Personal data erased for": "Données personnelles effacées pour",
    "Plan": "Offre",
    "Predicted lifetime value": "Valeur vie client prévue",
    "Search": "Rechercher",
    "Signup": "Inscription",
    "Since": "Client depuis",
    "Subscription": "Abonnement",
    "Survey decision": "Décision d'enquête",
    "Survey emails": "E-mails d'enquête",
    "Tag": "Étiquette",
    "Tags": "Étiquettes",
    "Ticket": "Ticket",
    "Timeline": "Chronologie",
    "Type the id to erase this customer's personal data": (
        "Saisissez l'identifiant pour effacer les données personnelles de ce client"
    ),
    "What": "Quoi",
    "When (UTC)": "Quand (UTC)",
    "customers found": "clients trouvés",
    "last": "dernière",
    "pages": "pages",
    "visits": "visites",
}
CATALOGS: dict[str, dict[str, str]] = {"en": {}, "fr": FR}

_MONTHS = {
    "en": ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"],
    "fr": [
        "janv.",
        "févr.",
        "mars",
        "avr.",
        "mai",
        "juin",
        "juil.",
        "août",
        "sept.",
        "oct.",
        "nov.",
        "déc.",
    ],
}


def pick_language(*candidates: str | None) -> str:
    """The first supported language among a user's choice, a cookie, Accept-Language."""
    for candidate in candidates:
        if not candidate:
            continue
        for part in candidate.split(","):
            code = part.split(";")[0].strip().lower()[:2]
            if code in LANGUAGES:
                return code
    return "en"


def translate(lang: str, text: str) -> str:
    return CATALOGS.get(lang, {}).get(text, text)


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def format_number(value: float | int | None, lang: str, digits: int = 1) -> str:
    if _missing(value):
        return "–"
    assert value is not None
    text = f"{value:,.{digits}f}"
    if lang == "fr":
        text = text.replace(",", NNBSP).replace(".", ",")
    return text.replace("-", "−") if text.startswith("-") else text


def format_percent(value: float | None, lang: str, digits: int = 1) -> str:
    """``value`` already in percent (cxpulse metrics report 45.2 for 45.2 %)."""
    if _missing(value):
        return "–"
    number = format_number(value, lang, digits)
    return f"{number}{NNBSP}%" if lang == "fr" else f"{number}%"


_UNITS_FR = {"hours": "h", "days": "j", "s": "s", "seconds": "s", "points": "pts"}


def format_value(value: float | None, unit: str, lang: str, currency: str = "") -> str:
    """A metric value with its unit: percent, score points, money, hours, seconds... Money
    carries its ``currency`` (an ISO code; none shown when it is not known, never a guess);
    counts have no decimals."""
    if _missing(value):
        return "–"
    assert value is not None
    if unit == "%":
        return format_percent(value, lang)
    if unit == "currency":
        return wording.money(value, lang, currency)
    whole = unit in COUNT_UNITS or abs(value) >= 1000  # counts have no decimals
    digits = 0 if whole else (2 if abs(value) < 10 else 1)
    number = format_number(value, lang, digits)
    if unit in {"", "x", "score"}:
        return f"{number}{unit}" if unit == "x" else number
    shown = _UNITS_FR.get(unit, unit) if lang == "fr" else unit
    return f"{number}{NBSP}{shown}"


def format_date(value: date | datetime | str | None, lang: str, *, time: bool = False) -> str:
    if value is None or value == "":
        return "–"
    if isinstance(value, str):
        text = value
        try:
            value = datetime.fromisoformat(text)
        except ValueError:
            return text
    month = _MONTHS.get(lang, _MONTHS["en"])[value.month - 1]
    day = (
        f"{value.day} {month} {value.year}"
        if lang == "fr"
        else f"{month} {value.day}, {value.year}"
    )
    if time and isinstance(value, datetime):
        clock = f"{value:%H:%M}"
        return f"{day} {clock}" if lang == "fr" else f"{day}, {clock}"
    return day


def format_period(period: str | None, lang: str) -> str:
    """Engine period labels: 2026-11 (month), 2026-Q3, 2026-W47, 2026, 2026-11-22."""
    if not period:
        return "–"
    parts = period.split("-")
    if len(parts) == 2 and parts[1].isdigit() and len(parts[1]) == 2:
        month = _MONTHS.get(lang, _MONTHS["en"])[int(parts[1]) - 1]
        return f"{month} {parts[0]}"
    if len(parts) == 2 and parts[1].startswith("W") and lang == "fr":
        return f"{parts[0]}-S{parts[1][1:]}"
    if len(parts) == 2 and parts[1].startswith("Q") and lang == "fr":
        return f"{parts[1][1:]}e trim. {parts[0]}" if parts[1] != "Q1" else f"1er trim. {parts[0]}"
    if len(parts) == 3:
        return format_date(period, lang)
    return period
