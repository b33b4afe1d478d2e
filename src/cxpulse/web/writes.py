"""What a successful request does to the cached results (:mod:`cxpulse.web.cache`), in one place.

A request whose method changes state (anything but GET, HEAD, OPTIONS) is taken as a change a
user made and expects to see at once: a hard invalidation. The table below names the
exceptions by method and route (the route's path template, matched as the router matches it;
a test checks that each one names a route of the app):

- ``NONE``: requests that change no data any cached result reads (sessions, accounts, tokens,
  a preview that stores nothing). The survey editor's preview posts every 400 ms while the user
  types: it must not empty the cache each time.
- ``SOFT``: changes that stream in from outside, at the customers' pace: public survey answers,
  unsubscribes and widget offers. Dashboards serve what they have while one background refresh
  catches up. A widget offer is a GET that writes (its counter, and a signed-in customer's
  invitation): listed so it counts at all. The email's score and unsubscribe links write
  nothing on GET (mail scanners fetch them); their pages' POSTs do.

- ``PURGE``: a customer's erasure. Every cached result is dropped and none is served while it
  is recomputed: a slow result served stale after a hard invalidation would still show the
  erased person's answers (a metric filtered on their id, their segment's comments).

A request refused for want of a login changes nothing, though a page answers it with a redirect
(303, below 400): :func:`mark_refused` says so, or anyone could empty the cache by posting.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, MutableMapping
from enum import Enum
from typing import Any

from starlette.routing import compile_path

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class Effect(Enum):
    NONE = "none"
    SOFT = "soft"
    HARD = "hard"
    PURGE = "purge"


EFFECTS: dict[tuple[str, str], Effect] = {
    # sessions and the user's own preferences: no cached result reads them
    ("POST", "/login"): Effect.NONE,
    ("POST", "/logout"): Effect.NONE,
    ("POST", "/language"): Effect.NONE,
    # renders the YAML being edited; nothing is stored
    ("POST", "/surveys/preview"): Effect.NONE,
    # accounts and API tokens: no cached result reads them
    ("POST", "/api/v1/users"): Effect.NONE,
    ("PATCH", "/api/v1/users/{user_id}"): Effect.NONE,
    ("POST", "/api/v1/tokens"): Effect.NONE,
    ("DELETE", "/api/v1/tokens/{token_id}"): Effect.NONE,
    # the customers' own answers, at their pace
    ("POST", "/s/{token}"): Effect.SOFT,
    ("POST", "/s/{token}/unsubscribe"): Effect.SOFT,
    ("GET", "/public/widget/survey"): Effect.SOFT,  # counts the offer (may invite a customer)
    ("POST", "/public/widget/answer"): Effect.SOFT,
    # vendors' webhooks stream in from outside, like the answers: a burst of ticket events must
    # not make every dashboard view recompute in front of its viewer
    ("POST", "/hooks/{source}"): Effect.SOFT,
    # erasure: nothing computed before it may be shown after it
    ("POST", "/api/v1/customers/{customer_id}/erase"): Effect.PURGE,
    ("POST", "/customers/{customer_id}/erase"): Effect.PURGE,
}


def _compile() -> dict[str, list[tuple[re.Pattern[str], Effect]]]:
    by_method: dict[str, list[tuple[re.Pattern[str], Effect]]] = {}
    for (method, template), change in EFFECTS.items():
        regex, _, _ = compile_path(template)  # as the router matches it
        by_method.setdefault(method, []).append((regex, change))
    return by_method


_BY_METHOD = _compile()


def effect(method: str, path: str) -> Effect:
    """What a successful ``method`` request to ``path`` does to the cache."""
    for regex, change in _BY_METHOD.get(method, ()):
        if regex.match(path):
            return change
    return Effect.NONE if method in SAFE_METHODS else Effect.HARD


_REFUSED = "cxpulse_refused"


def mark_refused(scope: MutableMapping[str, Any]) -> None:
    """Record that this request was refused (it changed nothing, whatever its status)."""
    scope.setdefault("state", {})[_REFUSED] = True


def refused(scope: Mapping[str, Any]) -> bool:
    return bool(scope.get("state", {}).get(_REFUSED))
