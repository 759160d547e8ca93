"""Per-outlet rules: the built-in set (newsdiff/sites.toml) plus the user's overrides.

Most fields say where an outlet keeps its article; `fetch`, `headers`, `cookies` and `proxy` say how its
pages are fetched. Those values may hold secrets (`${VAR}` from the environment): they are kept in memory
only, never printed, stored or made part of the extractor version.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any
from urllib.parse import urlsplit

import soupsieve

from ..envvars import expand
from ..urls import host_key

SELECTOR_FIELDS = ("body", "strip", "title", "byline", "published", "standfirst", "front")
PATTERN_FIELDS = ("ignore",)
FETCH_FIELDS = ("fetch", "headers", "cookies", "proxy")
RULE_FIELDS = (*SELECTOR_FIELDS, *PATTERN_FIELDS, *FETCH_FIELDS, "name", "domains")
FETCH_MODES = ("http", "browser")
_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")  # an HTTP header or cookie name (RFC 9110 token)
_COOKIE_VALUE = re.compile(r'[\x21\x23-\x2b\x2d-\x3a\x3c-\x5b\x5d-\x7e]*')  # RFC 6265 cookie-octets
# Headers the fetcher sets itself: the size cap relies on Accept-Encoding, the connection on the rest.
_OWN_HEADERS = frozenset({"host", "content-length", "transfer-encoding", "connection", "accept-encoding", "cookie"})
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
    fetch: str = "http"  # "browser": pages rendered in headless Chromium (track/browser.py)
    # Sent to this outlet's hosts only, by the plain fetch and the browser alike; values may be secrets.
    headers: tuple[tuple[str, str], ...] = field(default=(), repr=False)
    cookies: tuple[tuple[str, str], ...] = field(default=(), repr=False)
    proxy: str | None = field(default=None, repr=False)

    def secrets(self) -> list[str]:
        """Every value a message must not show: header and cookie values, the proxy URL and its password."""
        values = [v for _, v in (*self.headers, *self.cookies)]
        if self.proxy:
            values.append(self.proxy)
            password = urlsplit(self.proxy).password
            values += [password] if password else []
        return values

    def redact(self, text: str) -> str:
        """`text` (an error a library wrote) with every secret of this rule replaced by ****."""
        for secret in sorted(self.secrets(), key=len, reverse=True):
            if len(secret) >= 4:
                text = text.replace(secret, "****")
        return text


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


def _pairs(domain: str, key: str, value: Any, valid: Callable[[str], bool], what: str) -> dict[str, str]:
    """A table of names to text values (headers, cookies); the message never shows a value."""
    if not isinstance(value, dict):
        raise RuleError(f'site "{domain}": {key} must be a table of names and text values')
    pairs: dict[str, str] = {}
    for name, text in value.items():
        if not _TOKEN.fullmatch(name) or (key == "headers" and name.lower() in _OWN_HEADERS):
            hint = " (newsdiff sets it itself)" if name.lower() in _OWN_HEADERS else ""
            raise RuleError(f'site "{domain}": {key}: {name!r} cannot be used as a name{hint}')
        if not isinstance(text, str) or not valid(text):
            raise RuleError(f'site "{domain}": {key}.{name} must be {what} (value not shown)')
        pairs[name] = text
    return pairs


def _header_value(text: str) -> bool:
    return bool(text.strip()) and all(" " <= c <= "~" for c in text)  # printable ASCII on one line


def _proxy(domain: str, value: Any) -> str:
    """An http(s) proxy URL; the message shows its host only, never a password."""
    try:
        parts = urlsplit(value) if isinstance(value, str) else None
    except ValueError:  # an IPv6 address without its closing bracket
        parts = None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname or not _header_value(value):
        shown = f" ({parts.scheme or 'no'} scheme)" if parts else ""
        raise RuleError(f'site "{domain}": proxy must be an http:// or https:// URL such as '
                        f'"http://proxy.example:3128"{shown}')
    try:
        _ = parts.port  # reading the port is what checks it
    except ValueError:
        raise RuleError(f'site "{domain}": proxy {parts.hostname} has a bad port') from None
    return value


def _expanded(domain: str, table: Any) -> Any:
    """A config table with `${VAR}` in header and cookie values and in the proxy read from the environment."""
    if not isinstance(table, dict):
        return table
    table = dict(table)
    for key in ("headers", "cookies"):
        if isinstance(table.get(key), dict):
            table[key] = {name: expand(text, f'site "{domain}": {key}.{name}') if isinstance(text, str) else text
                          for name, text in table[key].items()}
    if isinstance(table.get("proxy"), str):
        table["proxy"] = expand(table["proxy"], f'site "{domain}": proxy')
    return table


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
            rule[key] = tuple(site_host(d, f'site "{domain}": domains: ') for d in value)
        elif key in PATTERN_FIELDS:
            rule[key] = _patterns(domain, key, value)
        elif key == "fetch":
            if value not in FETCH_MODES:
                raise RuleError(f'site "{domain}": fetch must be "http" or "browser", not {value!r}')
            rule[key] = value
        elif key == "headers":
            rule[key] = _pairs(domain, key, value, _header_value, "printable ASCII text on one line")
        elif key == "cookies":
            rule[key] = _pairs(domain, key, value, lambda text: bool(_COOKIE_VALUE.fullmatch(text)),
                               "a cookie value (no spaces, quotes, commas, semicolons or backslashes)")
        elif key == "proxy":
            rule[key] = _proxy(domain, value)
        else:
            rule[key] = _selectors(domain, key, value)
    return rule


# A host name as DNS spells it (underscores allowed, as some hosts have them): dot-separated labels.
_LABEL = r"[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?"
_HOST_NAME = re.compile(rf"(?=.{{1,253}}$){_LABEL}(?:\.{_LABEL})*")


def site_host(domain: str, where: str = "") -> str:
    """A rule's domain as `Ruleset.find` meets hosts (`urls.host_key`: lower case, IDNA, no brackets or
    final dot); RuleError for what names no host (`[::1` or `news example.com`), which no page would ever
    match: the rule would be silently idle."""
    bracketed = domain.startswith("[") and domain.endswith("]")
    try:
        if ("[" in domain or "]" in domain) and not bracketed:
            raise ValueError(domain)
        key = host_key(domain)  # idna's errors are UnicodeErrors, ValueErrors
        try:
            address = ipaddress.ip_address(key)
        except ValueError:
            if bracketed or not _HOST_NAME.fullmatch(key):
                raise
            return key
        if bracketed and address.version == 4:
            raise ValueError(domain)
        return str(address)
    except ValueError:
        raise RuleError(f'{where or f"site {domain!r}: "}{domain!r} is not a host name (such as example.com, '
                        "192.0.2.1 or [2001:db8::1])") from None


def site_tables(tables: Any) -> dict[str, dict[str, Any]]:
    """The [sites] section of a config file, every rule checked (selectors compiled, `${VAR}` read)."""
    if not isinstance(tables, dict):
        raise RuleError('[sites] must hold tables such as [sites."example.com"]')
    try:
        return {site_host(domain): validate_rule(domain, _expanded(domain, table)) for domain, table in tables.items()}
    except RuleError:
        raise
    except ValueError as exc:  # an unset variable
        raise RuleError(str(exc)) from None


@dataclass(frozen=True)
class Ruleset:
    version: str
    default_strip: tuple[str, ...]
    rules: tuple[SiteRule, ...]

    def find(self, host: str | None) -> SiteRule | None:
        """The rule for a host: exact domain or any subdomain of it, most specific domain first."""
        if not host:
            return None
        try:
            host = host_key(host)
        except ValueError:  # a name IDNA refuses: no rule's domain is one
            return None
        best: tuple[int, SiteRule] | None = None
        for rule in self.rules:
            for domain in rule.domains:
                if host == domain or host.endswith("." + domain):
                    if best is None or len(domain) > best[0]:
                        best = (len(domain), rule)
        return best[1] if best else None


def _rule(domain: str, table: dict[str, Any], overridden: str | None = None) -> SiteRule:
    fields = {k: v for k, v in table.items() if k in SELECTOR_FIELDS or k in PATTERN_FIELDS}
    fields.update({k: tuple(table[k].items()) for k in ("headers", "cookies") if k in table})
    fields.update({k: table[k] for k in ("fetch", "proxy") if k in table})
    domains = (domain.lower(), *(d for d in table.get("domains", ()) if d != domain.lower()))
    return SiteRule(name=table.get("name", domain), domains=domains, overridden=overridden, **fields)


@cache
def _builtin() -> tuple[str, tuple[str, ...], dict[str, dict[str, Any]]]:
    data = tomllib.loads(resources.files("newsdiff").joinpath("sites.toml").read_text("utf-8"))
    tables = {domain: validate_rule(domain, table) for domain, table in data["sites"].items()}
    strip = _selectors("defaults", "strip", data["defaults"]["strip"])
    return str(data["version"]), strip, tables


def _owner(domain: str, tables: dict[str, dict[str, Any]]) -> str | None:
    """The built-in table a user's domain (`site_host`) refers to, by its key or one of its extra domains."""
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
        host = site_host(domain)
        key = _owner(host, tables) or host
        tables[key] = {**tables.get(key, {}), **table}
        if set(table) - set(FETCH_FIELDS):  # how pages are fetched is no part of how they are read
            extraction = {k: v for k, v in tables[key].items() if k not in FETCH_FIELDS}
            fingerprint = json.dumps(extraction, sort_keys=True, default=list).encode()
            hashes[key] = hashlib.sha256(fingerprint).hexdigest()[:8]
    rules = tuple(_rule(domain, table, hashes.get(domain)) for domain, table in tables.items())
    return Ruleset(version=version, default_strip=strip, rules=rules)
