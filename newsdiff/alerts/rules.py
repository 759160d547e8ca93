"""`[[alerts]]` rules from the config file: validated once, with one-line errors naming rule and key.

A rule's URLs are secrets (tokens, passwords): they are kept in memory only, and every place that shows
a rule shows Apprise's redacted form (`url(privacy=True)`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..changes import HEADLINE_TAG, TAGS
from ..envvars import expand

if TYPE_CHECKING:
    from ..reports import Report

RULE_TAGS = (*TAGS, HEADLINE_TAG)
KEYS = ("name", "url", "sources", "tags", "min_changed", "cosmetic", "image", "base_url")
SOCIAL_SCHEMES = ("mastodon", "mastodons", "bluesky", "bsky")  # posted with their own clients (see `social`)
_PIECES = re.compile(r"[/:@?&=#]+")


@dataclass(frozen=True)
class Filter:
    """Which edits a reader or a channel wants: outlets, tags, a minimum of changed sentences, cosmetic."""

    sources: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    min_changed: int = 1
    cosmetic: bool = False

    def wants(self, report: Report, source: str | None) -> bool:
        """Whether an edit passes."""
        if self.sources and source not in self.sources:
            return False
        if report.cosmetic_only and not self.cosmetic:
            return False
        if self.tags and not set(self.tags) & report.tags():
            return False
        return report.changed_count() >= self.min_changed


@dataclass(frozen=True)
class Target:
    """One destination of a rule: the URL (a secret) and how it may be shown."""

    url: str
    shown: str
    scheme: str

    def redact(self, text: str) -> str:
        """`text` (an error a library wrote) with the URL, and every piece of it the redacted form hides
        (tokens, passwords), replaced: what may be stored and shown."""
        text = text.replace(self.url, self.shown)
        shown = set(_PIECES.split(self.shown))
        for piece in sorted(set(_PIECES.split(self.url)) - shown, key=len, reverse=True):
            if len(piece) >= 4:
                text = text.replace(piece, "****")
        return text


@dataclass(frozen=True)
class AlertRule:
    name: str
    targets: tuple[Target, ...]
    filter: Filter = Filter()
    image: bool = True
    base_url: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The rule as commands show it: URLs redacted."""
        return {"name": self.name, "urls": [t.shown for t in self.targets], "sources": list(self.filter.sources),
                "tags": list(self.filter.tags), "min_changed": self.filter.min_changed,
                "cosmetic": self.filter.cosmetic, "image": self.image, "base_url": self.base_url}


def parse_tags(value: str | list[str], where: str) -> tuple[str, ...]:
    """Tag names from a list or a comma-separated string; ValueError naming `where` for an unknown one."""
    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(t, str) for t in items):
        raise ValueError(f"{where}: expected a list of tag names")
    tags = tuple(t.strip() for t in items if t.strip())
    unknown = [t for t in tags if t not in RULE_TAGS]
    if unknown:
        raise ValueError(f"{where}: unknown tag {unknown[0]!r} (tags: {', '.join(RULE_TAGS)})")
    return tags


def _target(url: str, where: str) -> Target:
    """A Mastodon or Bluesky URL (see `social`), or any URL Apprise accepts (Apprise is imported only
    when a config has rules)."""
    scheme = url.split("://", 1)[0].lower() if "://" in url else ""
    if scheme in SOCIAL_SCHEMES:
        from .social import account

        try:
            found = account(url)
        except ValueError as exc:
            raise ValueError(f"{where}: {exc}") from None
        return Target(url, found.shown, found.scheme)
    import apprise

    plugin = apprise.Apprise.instantiate(url, suppress_exceptions=True)
    if not plugin:
        raise ValueError(f"{where}: Apprise does not accept this URL (scheme {scheme or '?'!r})")
    return Target(url, plugin.url(privacy=True).split("?", 1)[0], scheme)  # the query holds Apprise's defaults


def _list(value: Any, where: str) -> tuple[str, ...]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not items or not all(isinstance(i, str) and i.strip() for i in items):
        raise ValueError(f"{where}: expected a non-empty string or list of strings")
    return tuple(i.strip() for i in items)


def _rule(table: Any, index: int) -> AlertRule:
    if not isinstance(table, dict):
        raise ValueError(f"alerts: entry {index + 1} must be a table ([[alerts]])")
    name = table.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ValueError(f"alerts: entry {index + 1} needs a name")
    name = name.strip()
    if name.startswith("@"):
        raise ValueError(f"alerts {name!r}: name: names starting with @ are kept for newsdiff's own deliveries")
    where = f"alerts {name!r}"
    unknown = sorted(set(table) - set(KEYS))
    if unknown:
        raise ValueError(f"{where}: unknown key {unknown[0]!r} (keys: {', '.join(KEYS)})")
    if "url" not in table:
        raise ValueError(f"{where}: url: missing (an Apprise URL, or a list of them)")
    urls = _list(table["url"], f"{where}: url")
    targets = tuple(_target(expand(url, f"{where}: url"), f"{where}: url") for url in urls)
    sources = _list(table["sources"], f"{where}: sources") if "sources" in table else ()
    tags = parse_tags(table.get("tags", []), f"{where}: tags")
    min_changed = table.get("min_changed", 1)
    if isinstance(min_changed, bool) or not isinstance(min_changed, int) or min_changed < 0:
        raise ValueError(f"{where}: min_changed: expected a whole number >= 0, got {min_changed!r}")
    flags = {}
    for key, default in (("cosmetic", False), ("image", True)):
        flags[key] = table.get(key, default)
        if not isinstance(flags[key], bool):
            raise ValueError(f"{where}: {key}: expected true or false, got {flags[key]!r}")
    base_url = table.get("base_url")
    if base_url is not None:
        from ..render.edits import check_base_url

        try:
            base_url = check_base_url(base_url if isinstance(base_url, str) else repr(base_url))
        except ValueError as exc:
            raise ValueError(f"{where}: base_url: {exc}") from None
    return AlertRule(name, targets, Filter(sources, tags, min_changed, flags["cosmetic"]), flags["image"], base_url)


def alert_rules(value: Any) -> tuple[AlertRule, ...]:
    """The `alerts` key of a parsed config file; ValueError with a one-line reason when malformed."""
    if not isinstance(value, list):
        raise ValueError("alerts: expected [[alerts]] tables")
    rules = tuple(_rule(table, i) for i, table in enumerate(value))
    names = [r.name for r in rules]
    duplicate = next((n for n in names if names.count(n) > 1), None)
    if duplicate:
        raise ValueError(f"alerts {duplicate!r}: name: used by more than one rule")
    return rules
