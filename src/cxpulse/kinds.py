"""Kinds: families of small registered classes (survey channels, rule conditions and actions,
import presets, reports, source connectors).

Each family is declared once, next to its built-ins, as a :class:`Kind` with one ``DEFAULT``
list::

    DEFAULT: list[type[Channel]] = [Email, Webhook, Widget]
    CHANNELS = Kind("channel", DEFAULT)

so a new built-in is one new module plus one line in that list. Nothing registers itself by
being imported. A :class:`cxpulse.workspace.Workspace` holds one :class:`Registry` per kind,
built from the defaults on first use (``ws.kinds[CHANNELS]``); a test or a plugin adds its
own member to one workspace without touching the others. Code that has no workspace (parsing a
YAML file on its own) reads the built-ins with ``CHANNELS.builtins()``.

Installed packages add members for every workspace, the CLI and the server included, through
an entry point group named after the kind (``cxpulse.survey_channels``, ``cxpulse.rule_actions``,
``cxpulse.import_presets``...)::

    [project.entry-points."cxpulse.survey_channels"]
    sms = "acme_cx.sms:Sms"

Plugins come after the built-ins and may not take a built-in's name.

This module is at the bottom of the layers: a kind's members may come from any layer, the
registry only needs their ``name``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from importlib.metadata import entry_points
from typing import Any, Generic, Protocol, TypeVar

from cxpulse.errors import ConfigError


class Named(Protocol):
    @property
    def name(self) -> str: ...


M = TypeVar("M", bound=Named)
N = TypeVar("N", bound=Named)


class Registry(Generic[M]):
    """The members of one kind, by name, in the order they were listed."""

    def __init__(self, kind: Kind[M], members: Iterable[M] = ()) -> None:
        self.kind = kind
        self._members: dict[str, M] = {}
        for member in members:
            self.add(member)

    def add(self, member: M, *, replace: bool = False) -> M:
        """Register ``member`` (returned, so this works as a class decorator).

        A second member under a taken name is refused unless ``replace``: two channels both
        called "sms" would make a survey's meaning depend on the order of registration.
        """
        name = member.name
        if not name or name != name.strip():
            raise ValueError(f"a {self.kind.name} needs a name without surrounding spaces")
        if name in self._members and not replace:
            raise ValueError(f"a {self.kind.name} named {name!r} is already registered")
        self._members[name] = member
        return member

    def get(self, name: str) -> M:
        """The member called ``name``; an unknown name is a ConfigError listing the known ones."""
        try:
            return self._members[name]
        except (KeyError, TypeError):
            raise ConfigError(
                f"unknown {self.kind.name} {name!r}: expected one of {', '.join(self.names())}"
            ) from None

    def names(self) -> list[str]:
        return list(self._members)

    def __contains__(self, name: object) -> bool:
        return name in self._members

    def __iter__(self) -> Iterator[M]:
        return iter(list(self._members.values()))

    def __len__(self) -> int:
        return len(self._members)

    def __repr__(self) -> str:
        return f"Registry({self.kind.name}: {', '.join(self.names())})"


class Kind(Generic[M]):
    """A family of registered classes: its name (for messages) and its built-in members."""

    def __init__(self, name: str, default: Sequence[M]) -> None:
        self.name = name
        self.default = tuple(default)
        self._builtins: Registry[M] | None = None
        self._plugins: tuple[M, ...] | None = None

    @property
    def group(self) -> str:
        """Entry point group of installed plugins: "survey channel" -> cxpulse.survey_channels."""
        return "cxpulse." + "_".join(self.name.split()) + "s"

    def plugins(self) -> tuple[M, ...]:
        """Members installed packages declare under :attr:`group`, loaded once per process.

        A plugin that fails to import is a ConfigError naming it and its package, so a broken
        install says what to remove instead of failing somewhere unrelated."""
        if self._plugins is None:
            loaded = []
            for point in entry_points(group=self.group):
                try:
                    loaded.append(point.load())
                except Exception as exc:  # any error of third-party code at import time
                    package = point.dist.name if point.dist is not None else "?"
                    raise ConfigError(
                        f"the {self.name} plugin {point.name!r} ({point.value}, installed by "
                        f"{package}) failed to load: {exc}; upgrade or uninstall that package"
                    ) from exc
            self._plugins = tuple(loaded)
        return self._plugins

    def builtins(self) -> Registry[M]:
        """A shared registry of the built-ins and plugins (for code that has no workspace)."""
        if self._builtins is None:
            self._builtins = self.registry()
        return self._builtins

    def registry(self) -> Registry[M]:
        """A fresh registry holding the built-ins and installed plugins; the caller may add more."""
        return Registry(self, (*self.default, *self.plugins()))

    def __repr__(self) -> str:
        return f"Kind({self.name})"


class Kinds:
    """One registry per kind, built on first use: what a workspace holds."""

    def __init__(self) -> None:
        self._registries: dict[Kind[Any], Registry[Any]] = {}

    def __getitem__(self, kind: Kind[N]) -> Registry[N]:
        registry = self._registries.get(kind)
        if registry is None:
            registry = self._registries[kind] = kind.registry()
        return registry
