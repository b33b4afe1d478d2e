"""Who gets a digest by email, and in which language, resolved when it is sent: a role's
users are those of today (a new analyst gets the next digest)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from cxpulse.accounts.users import list_users
from cxpulse.digests.definition import LANGUAGES, Digest

if TYPE_CHECKING:
    from cxpulse.context import Context


@dataclass(frozen=True)
class Address:
    email: str
    language: str


def addresses(ws: Context, digest: Digest) -> list[Address]:
    """Each address once (the first mention decides its language). A role's users are its
    enabled users whose login is an email address (cxpulse keeps no other address for them);
    each is written to in their own language when a digest has it, else the digest's."""
    found: dict[str, Address] = {}
    users = list_users(ws) if any(r.role for r in digest.recipients) else []
    for r in digest.recipients:
        if r.email:
            found.setdefault(r.email.lower(), Address(r.email, r.language or digest.language))
            continue
        for user in users:
            if user.role != r.role or user.disabled or "@" not in user.user_id:
                continue
            own = user.language if user.language in LANGUAGES else digest.language
            found.setdefault(user.user_id.lower(), Address(user.user_id, r.language or own))
    return list(found.values())
