"""Per-outlet extraction rules: the built-in set (newsdiff/sites.toml) plus the user's overrides."""

from __future__ import annotations

import hashlib
import json
import re
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import soupsieve

SELECTOR_FIELDS = ("body", "strip", "title", "byline", "published", "standfirst", "front")
PATTERN_FIELDS = ("ignore",)
RULE_FIELDS = (*SELECTOR_FIELDS, *PATTERN_FIELDS, "name", "domains")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


class RuleError(ValueError):
    """A site rule that cannot be used; the message names the site and the field."""


@dataclass(frozen=True)
class SiteRule:
    """Where one outlet keeps its article; every selector field is a tuple tried in order."""

    name: str
    domains: tuple[str, ...]
    body: tuple[str, ...] = ()
    strip: tuple[str, ...] = ()
    title: tuple[str, ...] = ()
    byline: tuple[str, ...] = ()
    published: tuple[str, ...] = ()
    standfirst: tuple[str, ...] = ()
    front: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()  # patterns of lines or sentences dropped from the text (linear-time, RE2)
    overridden: str | None = None  # short hash of the user's override, part of the extractor version


def _items(domain: str, key: str, value: Any, what: str) -> list[str]:
    """A field's value as a list of non-empty strings (one string stands for a list of one)."""
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, (list, tuple)) or not all(isinstance(s, str) and s.strip() for s in items):
        raise RuleError(f'site "{domain}": {key} must be {what} or a list of them')
    return list(items)


def _selectors(domain: str, key: str, value: Any) -> tuple[str, ...]:
    """A selector or list of selectors, each checked now so a typo fails at load, not mid-import."""
    items = _items(domain, key, value, "a CSS selector")
    for selector in items:
        try:
            soupsieve.compile(selector)
        except soupsieve.SelectorSyntaxError as exc:
            reason = str(exc).splitlines()[0]
            raise RuleError(f'site "{domain}": bad {key} selector {selector!r}: {reason}') from None
    return tuple(s.strip() for s in items)


@cache
def _linear(pattern: str) -> Any:
    """A pattern compiled by RE2, which matches in linear time (no backreferences or lookaround), so a
    rule can never hang on a hostile page; re.error naming the problem otherwise."""
    import re2

    options = re2.Options()
    options.log_errors = False
    try:
        return re2.compile(pattern, options=options)
    except re2.error as exc:
        reason = exc.args[0].decode("utf-8", "replace") if exc.args and isinstance(exc.args[0], bytes) else str(exc)
        raise re.error(reason) from None


def _patterns(domain: str, key: str, value: Any) -> tuple[str, ...]:
    """A pattern or list of them, each compiled now so a typo fails at load, not mid-import."""
    items = _items(domain, key, value, "a regular expression")
    for pattern in items:
        try:
            _linear(pattern)
        except re.error as exc:
            raise RuleError(f'site "{domain}": bad {key} pattern {pattern!r}: {exc} '
                            "(only linear-time patterns: no backreferences or lookaround)") from None
    return tuple(items)


def drop_ignored(rule: SiteRule, paragraphs: list[str]) -> list[str]:
    """The paragraphs without the lines and sentences a rule's `ignore` patterns match whole
    ("Updated 3 minutes ago"), so a ticking timestamp never makes a new version."""
    if not rule.ignore:
        return paragraphs
    patterns = [_linear(p) for p in rule.ignore]

    def ignored(text: str) -> bool:
        return any(p.fullmatch(text.strip()) for p in patterns)

    kept = []
    for paragraph in paragraphs:
        if ignored(paragraph):
            continue
        sentences = _SENTENCE_END.split(paragraph)
        remaining = [s for s in sentences if not ignored(s)]
        if remaining:
            kept.append(paragraph if len(remaining) == len(sentences) else " ".join(remaining))
    return kept


def validate_rule(domain: str, table: Any) -> dict[str, Any]:
    """Check one [sites."domain"] table from a config file and return it in normal form."""
    if not isinstance(table, dict):
        raise RuleError(f'site "{domain}" must be a table of selectors')
    unknown = sorted(set(table) - set(RULE_FIELDS))
    if unknown:
        raise RuleError(f'site "{domain}": unknown field {unknown[0]!r} (known: {", ".join(RULE_FIELDS)})')
    rule: dict[str, Any] = {}
    for key, value in table.items():
        if key == "name":
            if not isinstance(value, str) or not value.strip():
                raise RuleError(f'site "{domain}": name must be a non-empty string')
            rule[key] = value.strip()
        elif key == "domains":
            if not isinstance(value, (list, tuple)) or not all(isinstance(d, str) and d for d in value):
                raise RuleError(f'site "{domain}": domains must be a list of host names')
            rule[key] = tuple(d.lower().strip(".") for d in value)
        elif key in PATTERN_FIELDS:
            rule[key] = _patterns(domain, key, value)
        else:
            rule[key] = _selectors(domain, key, value)
    return rule


def site_tables(tables: Any) -> dict[str, dict[str, Any]]:
    """The [sites] section of a config file, every rule checked (selectors compiled)."""
    if not isinstance(tables, dict):
        raise RuleError('[sites] must hold tables such as [sites."example.com"]')
    return {domain.lower(): validate_rule(domain, table) for domain, table in tables.items()}


@dataclass(frozen=True)
class Ruleset:
    version: str
    default_strip: tuple[str, ...]
    rules: tuple[SiteRule, ...]

    def find(self, host: str | None) -> SiteRule | None:
        """The rule for a host: exact domain or any subdomain of it, most specific domain first."""
        if not host:
            return None
        host = host.lower().strip(".")
        best: tuple[int, SiteRule] | None = None
        for rule in self.rules:
            for domain in rule.domains:
                if host == domain or host.endswith("." + domain):
                    if best is None or len(domain) > best[0]:
                        best = (len(domain), rule)
        return best[1] if best else None


def _rule(domain: str, table: dict[str, Any], overridden: str | None = None) -> SiteRule:
    fields = {k: v for k, v in table.items() if k in SELECTOR_FIELDS or k in PATTERN_FIELDS}
    domains = (domain.lower(), *(d for d in table.get("domains", ()) if d != domain.lower()))
    return SiteRule(name=table.get("name", domain), domains=domains, overridden=overridden, **fields)


@cache
def _builtin() -> tuple[str, tuple[str, ...], dict[str, dict[str, Any]]]:
    data = tomllib.loads(resources.files("newsdiff").joinpath("sites.toml").read_text("utf-8"))
    tables = {domain: validate_rule(domain, table) for domain, table in data["sites"].items()}
    strip = _selectors("defaults", "strip", data["defaults"]["strip"])
    return str(data["version"]), strip, tables


def _owner(domain: str, tables: dict[str, dict[str, Any]]) -> str | None:
    """The built-in table a user's domain refers to, by its key or one of its extra domains."""
    domain = domain.lower()
    for key, table in tables.items():
        if domain == key or domain in table.get("domains", ()):
            return key
    return None


def ruleset(overrides: dict[str, dict[str, Any]] | None = None) -> Ruleset:
    """Built-in rules with the user's tables merged in, field by field; new domains add new rules."""
    version, strip, builtin = _builtin()
    tables = {domain: dict(table) for domain, table in builtin.items()}
    hashes: dict[str, str] = {}
    for domain, table in (overrides or {}).items():
        table = validate_rule(domain, table)
        key = _owner(domain, tables) or domain.lower()
        tables[key] = {**tables.get(key, {}), **table}
        fingerprint = json.dumps(tables[key], sort_keys=True, default=list).encode()
        hashes[key] = hashlib.sha256(fingerprint).hexdigest()[:8]
    rules = tuple(_rule(domain, table, hashes.get(domain)) for domain, table in tables.items())
    return Ruleset(version=version, default_strip=strip, rules=rules)
