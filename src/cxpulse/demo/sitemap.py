"""The shop's website as a Markov chain: pages, how visitors move between them, when they leave.

A session walks from page type to page type until it exits; the chance of leaving from a page is
that page's exit rate. /checkout/shipping is the planted problem: the shipping form (postcode
validation, shipping costs shown late) loses 55 % of the visitors who reach it, where every
other page with comparable traffic loses 15-32 %.
"""

from __future__ import annotations

import numpy as np

from cxpulse.demo.calendar import F64

STATES = (
    "home", "pricing", "subscribe", "shop", "product", "cart", "shipping", "payment",
    "confirmation", "help", "help_article", "account", "blog", "about", "login",
)  # fmt: skip
S = {name: i for i, name in enumerate(STATES)}
EXIT = len(STATES)

PAGES: dict[str, tuple[str, ...]] = {
    "home": ("/",),
    "pricing": ("/pricing",),
    "subscribe": ("/subscribe",),
    "shop": ("/shop",),
    "product": (
        "/shop/ethiopia-yirgacheffe", "/shop/colombia-huila", "/shop/house-blend",
        "/shop/espresso-maison", "/shop/guatemala-antigua", "/shop/decaf-mexico",
        "/shop/cold-brew-pack", "/shop/hario-grinder", "/shop/v60-kit", "/shop/moka-pot",
        "/shop/gift-card", "/shop/mug-set",
    ),
    "cart": ("/checkout/cart",),
    "shipping": ("/checkout/shipping",),
    "payment": ("/checkout/payment",),
    "confirmation": ("/checkout/confirmation",),
    "help": ("/help",),
    "help_article": (
        "/help/delivery-times", "/help/pause-subscription", "/help/cancel-subscription",
        "/help/refunds", "/help/change-address", "/help/grind-size", "/help/payment-methods",
        "/help/gift-subscriptions",
    ),
    "account": ("/account", "/account/orders", "/account/subscription"),
    "blog": (
        "/blog/v60-brewing-guide", "/blog/cafe-glace-recette", "/blog/espresso-at-home",
        "/blog/meet-our-roaster", "/blog/decaf-myths", "/blog/cold-brew",
    ),
    "about": ("/about",),
    "login": ("/login",),
}  # fmt: skip

EXIT_RATE = {
    "home": 0.30, "pricing": 0.28, "subscribe": 0.22, "shop": 0.22, "product": 0.26,
    "cart": 0.25, "shipping": 0.55, "payment": 0.18, "confirmation": 0.32, "help": 0.20,
    "help_article": 0.30, "account": 0.24, "blog": 0.32, "about": 0.30, "login": 0.08,
}  # fmt: skip

# Where visitors go next (relative weights; the exit rate is taken off first).
NEXT: dict[str, dict[str, float]] = {
    "home": {"pricing": 15, "subscribe": 10, "shop": 25, "product": 10, "help": 7, "blog": 8,
             "about": 5, "login": 10, "account": 10},
    "pricing": {"subscribe": 45, "shop": 10, "home": 10, "help": 10, "cart": 15, "login": 10},
    "subscribe": {"cart": 60, "pricing": 20, "home": 10, "help": 10},
    "shop": {"product": 75, "cart": 10, "home": 10, "help": 5},
    "product": {"product": 30, "cart": 35, "shop": 25, "home": 5, "help": 5},
    "cart": {"shipping": 75, "product": 10, "shop": 10, "home": 5},
    "shipping": {"payment": 85, "cart": 15},
    "payment": {"confirmation": 80, "shipping": 15, "help": 5},
    "confirmation": {"account": 50, "shop": 30, "home": 20},
    "help": {"help_article": 80, "home": 10, "account": 10},
    "help_article": {"help_article": 35, "help": 25, "account": 20, "home": 10, "shop": 10},
    "account": {"account": 35, "help": 20, "shop": 20, "home": 10, "subscribe": 15},
    "blog": {"blog": 30, "product": 30, "shop": 20, "home": 20},
    "about": {"home": 40, "shop": 30, "blog": 30},
    "login": {"account": 70, "home": 10, "shop": 20},
}  # fmt: skip

LANDING_ANONYMOUS = {
    "home": 36, "product": 14, "blog": 16, "pricing": 7, "shop": 10, "help_article": 7,
    "subscribe": 5, "about": 2, "help": 3,
}  # fmt: skip
LANDING_LOGGED_IN = {
    "home": 25, "account": 30, "shop": 15, "product": 10, "help": 8, "help_article": 7,
    "subscribe": 5,
}  # fmt: skip

DWELL_SECONDS = {  # median time on page
    "home": 20, "pricing": 45, "subscribe": 40, "shop": 30, "product": 50, "cart": 25,
    "shipping": 55, "payment": 45, "confirmation": 15, "help": 20, "help_article": 70,
    "account": 35, "blog": 110, "about": 40, "login": 12,
}  # fmt: skip
SCROLL_DEPTH = {  # mean of the deepest scroll, as a share of the page
    "home": 0.55, "pricing": 0.7, "subscribe": 0.6, "shop": 0.6, "product": 0.65, "cart": 0.5,
    "shipping": 0.45, "payment": 0.5, "confirmation": 0.4, "help": 0.5, "help_article": 0.75,
    "account": 0.4, "blog": 0.7, "about": 0.6, "login": 0.3,
}  # fmt: skip

SITE = "https://maisoncafeine.com"
EXTERNAL_REFERRERS = {  # None = direct (typed address, bookmark)
    "https://www.google.com/": 38, None: 25, "https://www.instagram.com/": 10,
    "https://mail.google.com/": 10, "https://www.facebook.com/": 5, "https://www.tiktok.com/": 4,
    "https://www.bing.com/": 4, "https://duckduckgo.com/": 4,
}  # fmt: skip

PATHS: tuple[str, ...] = tuple(p for name in STATES for p in PAGES[name])
PATH_START = np.cumsum([0] + [len(PAGES[name]) for name in STATES])[:-1]
PATH_COUNT = np.array([len(PAGES[name]) for name in STATES])


def cumulative_transitions() -> F64:
    """Row s: cumulative probabilities over the next state (columns 0..S-1) and exit (S)."""
    out = np.zeros((len(STATES), len(STATES) + 1))
    for name, row in NEXT.items():
        total = sum(row.values())
        for target, weight in row.items():
            out[S[name], S[target]] = (1 - EXIT_RATE[name]) * weight / total
        out[S[name], EXIT] = EXIT_RATE[name]
    return np.asarray(np.cumsum(out, axis=1), dtype=np.float64)


def landing(weights: dict[str, int]) -> F64:
    p = np.zeros(len(STATES))
    for name, w in weights.items():
        p[S[name]] = w
    return np.asarray(p / p.sum(), dtype=np.float64)


def path_weights() -> F64:
    """Within a page type, popular pages first (weights 1, 1/2, 1/3... normalised per type)."""
    w = np.concatenate([1.0 / np.arange(1, k + 1) for k in PATH_COUNT])
    sums = np.repeat(np.add.reduceat(w, PATH_START), PATH_COUNT)
    return np.asarray(w / sums, dtype=np.float64)
