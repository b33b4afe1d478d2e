"""The widget channel: the survey shown on the site's own pages, never sent.

Its field ``widget`` says where and when: page path patterns (``'/checkout/*'``, shell-style,
``*`` matches anything) and a delay after the page opened::

    widget: {pages: ["/checkout/*", "/pricing"], delay_seconds: 20}

A widget survey takes no trigger and no reminder; its answers are recorded with the canonical
channel ``web``. What is offered to whom is :mod:`cxpulse.surveys.widget`.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import urlsplit

from cxpulse.surveys.channels.base import Channel

if TYPE_CHECKING:
    from cxpulse.surveys.spec import Where


@dataclass(frozen=True)
class Widget(Channel):
    """Where and when the web widget shows the survey."""

    name: ClassVar[str] = "widget"
    fields: ClassVar[tuple[str, ...]] = ("widget",)
    sent: ClassVar[bool] = False
    recorded: ClassVar[str] = "web"

    pages: tuple[str, ...] = ("*",)
    delay_seconds: float = 0.0

    @classmethod
    def parse(cls, data: Mapping[str, Any], where: Where) -> Widget:
        if "widget" not in data:
            raise where.error("widget", "a widget survey says where it shows: {pages: ['/*']}")
        spec, where = data["widget"], where.sub("widget")
        if not isinstance(spec, dict):
            raise where.error("", "a mapping such as {pages: ['/checkout/*'], delay_seconds: 20}")
        where.only(spec, ("pages", "delay_seconds"))
        pages = spec.get("pages", ["*"])
        pages = [pages] if isinstance(pages, str) else pages
        if not isinstance(pages, list) or not pages or not all(isinstance(p, str) for p in pages):
            raise where.error(
                "pages", "a list of page paths, '*' matches anything: ['/checkout/*']"
            )
        return cls(tuple(pages), where.number(spec, "delay_seconds", 0.0))

    def shows_on(self, page_url: str) -> bool:
        path = urlsplit(page_url).path or "/"
        return any(fnmatch.fnmatchcase(path, pattern) for pattern in self.pages)
