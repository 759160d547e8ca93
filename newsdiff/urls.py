"""Canonical article URLs: one spelling per story, whatever link a feed or a share button used."""

from __future__ import annotations

import re
from urllib.parse import unquote_plus, urlsplit, urlunsplit

# Parameters that say how a reader arrived, never which article they read.
_TRACKING = re.compile(
    r"^(utm_\w+|fbclid|gclid|dclid|msclkid|yclid|twclid|igshid|mc_cid|mc_eid|_ga|_gl|ocid|cmpid|"
    r"ns_\w+|at_\w+|itm_\w+|sr_share|smid|smtyp|wt\.mc_id|cmp|ref|ref_src|referer|referrer|"
    r"__twitter_impression|share|xtor|s_cid|icid|mbid|rss|feedtype|partner|guccounter)$",
    re.IGNORECASE,
)
_DEFAULT_PORTS = {"http": 80, "https": 443}


def is_web_url(url: str) -> bool:
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return False
    return parts.scheme.lower() in _DEFAULT_PORTS and bool(parts.hostname)


def _normal_parts(url: str) -> tuple[str, str, str, str]:
    """Scheme, netloc, path and query, with scheme and host lower-cased and no default port.

    Raises ValueError for anything that is not an http(s) URL.
    """
    text = url.strip()
    if not is_web_url(text):
        raise ValueError(f"not an http(s) URL: {url!r}")
    parts = urlsplit(text)
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").rstrip(".")
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    port = parts.port
    netloc = host if port in (None, _DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    return scheme, netloc, parts.path or "/", parts.query


def canonical_url(url: str) -> str:
    """Lower-case scheme and host, no default port, no fragment, no tracking parameters.

    Path and remaining query keep their order, case and encoding: servers may treat them as significant.
    Raises ValueError for anything that is not an http(s) URL.
    """
    scheme, netloc, path, query = _normal_parts(url)
    query = "&".join(
        pair for pair in query.split("&") if pair and not _TRACKING.match(unquote_plus(pair.split("=", 1)[0]))
    )
    return urlunsplit((scheme, netloc, path, query, ""))


def feed_url(url: str) -> str:
    """One spelling per feed: as `canonical_url`, but the query stays whole, since a feed's parameters
    (`?feedtype=rss`, `?partner=...`) may choose what it serves. Raises ValueError for a non-http(s) URL."""
    return urlunsplit((*_normal_parts(url), ""))


def host_of(url: str) -> str:
    """The host name politeness limits are counted against."""
    return (urlsplit(url).hostname or "").lower()
