"""Ticket subject lines, four per category and language (English, French)."""

from __future__ import annotations

# Subject lines, four per category and language: SUBJECTS[(category * 2 + language) * 4 + k].
SUBJECTS = (
    "Where is my order?", "Parcel not delivered", "Delivery delayed", "Tracking not updating",
    "Où est ma commande ?", "Colis non reçu", "Livraison en retard", "Le suivi ne bouge plus",
    "Charged twice", "Question about my invoice", "Wrong amount on my card", "VAT invoice",
    "Prélevé deux fois", "Question sur ma facture", "Montant incorrect", "Facture avec TVA",
    "App crashes", "Cannot change delivery date", "Error at checkout", "Login not working",
    "L'appli plante", "Impossible de changer la date", "Erreur au paiement", "Connexion impossible",
    "Change my address", "Pause my subscription", "Update payment method", "Close my account",
    "Changer mon adresse", "Suspendre mon abonnement", "Changer de carte", "Supprimer mon compte",
    "Which grind for a moka pot?", "Decaf options?", "Roast date of my beans", "Gift card",
    "Quelle mouture pour une italienne ?", "Vous avez du déca ?", "Date de torréfaction",
    "Carte cadeau",
    "Refund request", "Still waiting for my refund", "Return a grinder", "Damaged item refund",
    "Demande de remboursement", "Toujours pas remboursé", "Retour d'un moulin", "Article abîmé",
)  # fmt: skip
