"""A digest definition, written in YAML and checked when it is added.

Example::

    name: weekly-cx
    schedule: {every: week, day: monday}  # or {every: month}: on the 1st, for the last month
    language: fr                          # for recipients without their own (default: en)
    recipients:
      - email: ana@acme.com               # a named person (language: optional)
        language: en
      - role: analyst                     # every enabled user of that role whose login is
                                          # an email address, each in their own language
    channels:
      - email
      - webhook: {url_env: CX_SLACK_WEBHOOK}   # a Slack-compatible incoming webhook whose URL
                                               # is in that environment variable
    sections: [scorecard, insights, cases_over_sla]  # default: every section

A webhook URL is a credential (anyone who has it can post), so the definition names the
environment variable that holds it and never the URL. Every problem is one
:class:`~cxpulse.errors.ConfigError` naming the file and the field.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from cxpulse import redact
from cxpulse.accounts.users import Role
from cxpulse.errors import ConfigError
from cxpulse.surveys.spec import Where, read_yaml

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
LANGUAGES = ("en", "fr")  # the languages a digest is written in
FIELDS = ("name", "description", "schedule", "language", "recipients", "channels", "sections")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_EMAIL = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")


@dataclass(frozen=True)
class Schedule:
    every: Literal["week", "month"]
    weekday: int = 0  # weekly digests: the day they go out (0 is Monday), for the last week

    def describe(self) -> str:
        if self.every == "week":
            return f"weekly on {WEEKDAYS[self.weekday]}"
        return "monthly on the 1st"


@dataclass(frozen=True)
class Recipient:
    """A named address, or every user of a role (resolved when the digest is sent)."""

    email: str = ""
    role: str = ""
    language: str = ""  # "" is the user's language, else the digest's

    def describe(self) -> str:
        who = self.email or f"role {self.role}"
        return f"{who} ({self.language})" if self.language else who


@dataclass(frozen=True)
class Digest:
    name: str
    schedule: Schedule
    recipients: tuple[Recipient, ...]
    email: bool
    webhooks: tuple[str, ...]  # names of environment variables holding webhook URLs
    sections: tuple[str, ...]
    language: str = "en"
    description: str = ""
    raw: dict[str, Any] = field(default_factory=dict, compare=False)

    def describe(self, environ: Mapping[str, str] | None = None) -> str:
        """The digest in one line; with ``environ``, where each webhook points (shortened by
        :func:`cxpulse.redact.url`: the URL is a credential) or that its variable is unset."""
        channels = (["email"] if self.email else []) + [
            f"webhook ${e}" + ("" if environ is None else f" ({_points_to(environ.get(e))})")
            for e in self.webhooks
        ]
        to = ", ".join(r.describe() for r in self.recipients) or "nobody by email"
        return (
            f"{self.name}: {self.schedule.describe()}, {', '.join(self.sections)}; "
            f"{' and '.join(channels)}; to {to}"
        )


def _points_to(value: str | None) -> str:
    return redact.url(value) if value else "not set here"


def load_digest(path: str | Path, sections: tuple[str, ...]) -> Digest:
    """Read and check a digest YAML file; ``sections``: the names a digest may list."""
    return digest_from_dict(read_yaml(path, "a digest"), str(path), sections)


def digest_from_dict(data: Any, source: str, sections: tuple[str, ...]) -> Digest:
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: a digest is a mapping with name, schedule and recipients")
    where = Where(source)
    where.only(data, FIELDS)
    name = data.get("name")
    if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]*", name):
        raise where.error("name", "required: a short name of letters, digits, - _ or .")
    language = _language(data.get("language", "en"), where, "language")
    email, webhooks = _channels(data.get("channels", ["email"]), where.sub("channels"))
    recipients = _recipients(data.get("recipients", []), where.sub("recipients"))
    if email and not recipients:
        raise where.error("recipients", "required for the email channel: emails or a role")
    return Digest(
        name=name,
        schedule=_schedule(data.get("schedule"), where.sub("schedule")),
        recipients=recipients,
        email=email,
        webhooks=webhooks,
        sections=_sections(data.get("sections", list(sections)), where, sections),
        language=language,
        description=str(data.get("description") or ""),
        raw=dict(data),
    )


def _schedule(value: Any, where: Where) -> Schedule:
    if not isinstance(value, dict):
        raise where.error("", "required: {every: week, day: monday} or {every: month}")
    # not "on": YAML 1.1 reads an unquoted on as true
    where.only(value, ("every", "day"))
    every = value.get("every")
    if every == "month":
        if "day" in value:
            raise where.error("day", "a monthly digest goes out on the 1st; remove 'day'")
        return Schedule("month")
    if every != "week":
        raise where.error("every", f"week or month, not {every!r}")
    day = str(value.get("day", "monday")).lower()
    if day not in WEEKDAYS:
        raise where.error("day", f"a weekday ({', '.join(WEEKDAYS)}), not {value.get('day')!r}")
    return Schedule("week", WEEKDAYS.index(day))


def _language(value: Any, where: Where, key: str) -> str:
    if value not in LANGUAGES:
        raise where.error(key, f"one of {', '.join(LANGUAGES)}, not {value!r}")
    return str(value)


def _recipients(value: Any, where: Where) -> tuple[Recipient, ...]:
    if not isinstance(value, list):
        raise where.error("", "a list of {email: ...} or {role: ...}")
    return tuple(_recipient(item, _item(where, i)) for i, item in enumerate(value))


def _recipient(item: Any, where: Where) -> Recipient:
    if isinstance(item, str):
        item = {"email": item}
    if not isinstance(item, dict):
        raise where.error("", "{email: ana@acme.com} or {role: analyst}")
    where.only(item, ("email", "role", "team", "language"))
    if "team" in item:
        raise where.error(
            "team", "cxpulse users have no team yet; list their emails or name a role"
        )
    language = _language(item["language"], where, "language") if "language" in item else ""
    if ("email" in item) == ("role" in item):
        raise where.error("", "exactly one of email or role")
    if "email" in item:
        email = str(item["email"]).strip()
        if not _EMAIL.match(email):
            raise where.error("email", f"not an email address: {item['email']!r}")
        return Recipient(email=email, language=language)
    roles = [r.value for r in Role]
    if item["role"] not in roles:
        raise where.error("role", f"one of {', '.join(roles)}, not {item['role']!r}")
    return Recipient(role=str(item["role"]), language=language)


def _channels(value: Any, where: Where) -> tuple[bool, tuple[str, ...]]:
    if not isinstance(value, list) or not value:
        raise where.error("", "a list of email and {webhook: {url_env: NAME}}")
    email, webhooks = False, []
    for i, item in enumerate(value):
        at = _item(where, i)
        if item == "email":
            email = True
            continue
        if not isinstance(item, dict) or list(item) != ["webhook"]:
            raise at.error("", "email or {webhook: {url_env: NAME}}")
        spec = item["webhook"]
        if not isinstance(spec, dict):
            raise at.error("webhook", "{url_env: NAME}: the environment variable holding the URL")
        at.sub("webhook").only(spec, ("url_env",))
        env = spec.get("url_env")
        if not isinstance(env, str) or not _ENV_NAME.match(env):
            raise at.sub("webhook").error(
                "url_env",
                "the name of an environment variable holding the URL (never the URL itself: "
                "it is a credential), e.g. CX_SLACK_WEBHOOK",
            )
        webhooks.append(env)
    return email, tuple(webhooks)


def _item(where: Where, i: int) -> Where:
    """The ``i``-th item of a list field: ``recipients[0]``."""
    return Where(where.source, f"{where.path}[{i}]")


def _sections(value: Any, where: Where, known: tuple[str, ...]) -> tuple[str, ...]:
    if not isinstance(value, list) or not value:
        raise where.error("sections", f"a list of sections: {', '.join(known)}")
    for name in value:
        if name not in known:
            raise where.error("sections", f"unknown section {name!r}; sections are "
                                          f"{', '.join(known)}")  # fmt: skip
    return tuple(str(v) for v in value)
