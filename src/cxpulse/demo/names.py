"""Names, e-mail domains and handles for the demo's people (English and French)."""

from __future__ import annotations

FIRST_EN = (
    "Oliver", "Emma", "James", "Olivia", "Harry", "Amelia", "Jack", "Isla", "George", "Ava",
    "Noah", "Mia", "Leo", "Grace", "Oscar", "Sophie", "Henry", "Lily", "Ethan", "Chloe",
    "Liam", "Hannah", "Lucas", "Ella", "Daniel", "Emily", "Samuel", "Ruby", "Thomas", "Zoe",
    "Michael", "Sarah", "David", "Laura", "Ryan", "Megan", "Adam", "Jessica", "Ben", "Kate",
)  # fmt: skip
LAST_EN = (
    "Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Robinson",
    "Wright", "Thompson", "Evans", "Walker", "White", "Roberts", "Green", "Hall", "Wood",
    "Jackson", "Clarke", "Miller", "Anderson", "Martin", "Campbell", "Stewart", "Murphy",
    "Kelly", "Baker", "Cooper", "Morgan", "Hughes", "Edwards", "Turner", "Parker", "Collins",
    "Bennett", "Reid", "Fraser", "Patel", "Nguyen",
)  # fmt: skip
FIRST_FR = (
    "Camille", "Léa", "Manon", "Chloé", "Inès", "Jade", "Louise", "Emma", "Sarah", "Julie",
    "Clara", "Anaïs", "Margaux", "Élodie", "Pauline", "Mathilde", "Céline", "Aurélie",
    "Nathalie", "Sophie", "Lucas", "Hugo", "Louis", "Nathan", "Gabriel", "Arthur", "Jules",
    "Théo", "Raphaël", "Antoine", "Maxime", "Nicolas", "Julien", "Thomas", "Mathieu",
    "Guillaume", "François", "Étienne", "Karim", "Mehdi",
)  # fmt: skip
LAST_FR = (
    "Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy",
    "Moreau", "Simon", "Laurent", "Lefèvre", "Michel", "Garcia", "David", "Bertrand", "Roux",
    "Vincent", "Fournier", "Morel", "Girard", "André", "Mercier", "Dupont", "Lambert",
    "Bonnet", "François", "Martinez", "Legrand", "Garnier", "Faure", "Rousseau", "Blanc",
    "Guérin", "Muller", "Henry", "Roussel", "Gagnon", "Tremblay",
)  # fmt: skip
# E-mail local parts without accents, in the same order as the names above.
_PLAIN = str.maketrans("àâäçéèêëîïôöùûüÿ", "aaaceeeeiioouuuy")


def ascii_slug(name: str) -> str:
    return name.lower().translate(_PLAIN).replace(" ", "-")


DOMAINS_EN = ("gmail.com", "outlook.com", "yahoo.com", "icloud.com", "hotmail.co.uk", "proton.me")
DOMAINS_FR = ("gmail.com", "orange.fr", "free.fr", "laposte.net", "hotmail.fr", "sfr.fr")
COMPANY_WORDS = (
    "atelier", "studio", "conseil", "digital", "partners", "lab", "agence", "works",
    "cabinet", "group", "factory", "collective",
)  # fmt: skip
