"""URLs from outside: one check for all of them, and one canonical spelling per story.

Every URL newsdiff takes from outside (a feed item, a redirect's Location, `track`, `feeds add`, the config)
passes `check_url` where it enters, so a hostile or broken one is refused with a one-line reason naming it,
and nothing further along (canonical spelling, the HTTP client) meets a URL it cannot handle.
"""

from __future__ import annotations

import ipaddress
import re
import unicodedata
from urllib.parse import unquote_plus, urljoin, urlsplit, urlunsplit

from .lazy import pattern_on_use

# Parameters that say how a reader arrived, never which article they read.
_TRACKING = pattern_on_use(
    r"^(utm_\w+|fbclid|gclid|dclid|msclkid|yclid|twclid|igshid|mc_cid|mc_eid|_ga|_gl|ocid|cmpid|"
    r"ns_\w+|at_\w+|itm_\w+|sr_share|smid|smtyp|wt\.mc_id|cmp|ref|ref_src|referer|referrer|"
    r"__twitter_impression|share|xtor|s_cid|icid|mbid|rss|feedtype|partner|guccounter)$",
    re.IGNORECASE,
)
_DEFAULT_PORTS = {"http": 80, "https": 443}
# Longer than any article address in practice, and what common servers take in a request line (Apache's
# limit is 8,190 bytes, nginx's buffers 8 KB); a longer "URL" is junk or an attack, never a story.
MAX_URL_CHARS = 8192
_SHOWN_CHARS = 200  # a refused URL is named by this much of it
# C0, DEL and C1 controls: in a URL they are damage, and on a terminal they are commands.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_WEB_SCHEME = re.compile(r"^[\x00-\x20\x7f]*https?:", re.IGNORECASE)
_NOT_WEB = "not an http(s) URL"
_ASCII_LABEL = re.compile(r"^(?!-)[a-z0-9_-]{1,63}(?<!-)$")


def joined(base: str, link: str) -> str | None:
    """`link` read against `base`, as a browser reads a page's links; None for an address urllib cannot
    read (an IPv6 address without its closing bracket), which a page or a server may give all the same."""
    try:
        return urljoin(base, link)
    except ValueError:
        return None


class BadURL(ValueError):
    """A URL that cannot be fetched: `reason` says why; the message adds the URL, escaped and shortened."""

    def __init__(self, reason: str, url: str) -> None:
        super().__init__(f"{reason}: '{shown(url)}'")
        self.reason = reason


def shown(url: str) -> str:
    """A URL as it may be printed anywhere: control and format characters escaped, a long one cut short."""
    text = "".join(
        ch.encode("unicode_escape").decode("ascii") if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") else ch
        for ch in url[:_SHOWN_CHARS]
    )
    return text if len(url) <= _SHOWN_CHARS else f"{text}... ({len(url):,} characters)"


def looks_like_web_url(text: str) -> bool:
    """Meant as an http(s) URL, however broken: what a feed link must be to be worth reporting when bad."""
    return bool(_WEB_SCHEME.match(text))


def _check_host(host: str, url: str) -> None:
    """Raises BadURL unless `host` is an IP address or a host name a resolver and the HTTP client accept."""
    if ":" in host:
        if "%" not in host:
            try:
                ipaddress.IPv6Address(host)
                return
            except ValueError:
                pass
        raise BadURL("invalid IPv6 address", url)
    name = host.removesuffix(".")
    if name.isascii():
        labels = name.split(".")
        if len(name) > 253 or not all(_ASCII_LABEL.match(label) for label in labels):
            raise BadURL("invalid host name", url)
        # An IDNA label must decode: the HTTP client decodes it, and failed with a traceback when it did not.
        encoded = [label for label in labels if label.startswith("xn--")]
    else:
        encoded = [name]
    import idna  # the HTTP client's own IDNA library, so both agree on what a name is

    for label in encoded:
        try:
            idna.decode(label) if label.isascii() else idna.encode(label)
        except (idna.IDNAError, UnicodeError):
            raise BadURL("invalid international host name", url) from None


def check_url(url: str) -> str:
    """The URL without surrounding white space, if it is an http(s) URL that can be fetched; BadURL otherwise.

    Refused: over MAX_URL_CHARS, any control character (DEL and ESC included), a scheme other than
    http(s), no host, a port that is not a number from 1 to 65535, an invalid IPv6 or international host name.
    """
    text = url.strip()
    if len(text) > MAX_URL_CHARS:
        raise BadURL(f"URL longer than {MAX_URL_CHARS:,} characters", text)
    control = _CONTROL.search(text)
    if control:
        raise BadURL(f"control character {control.group()!r} in URL", text)
    try:
        parts = urlsplit(text)
    except ValueError:  # an unbalanced [IPv6] literal
        raise BadURL("invalid IPv6 address" if looks_like_web_url(text) else _NOT_WEB, text) from None
    if parts.scheme.lower() not in _DEFAULT_PORTS or not parts.hostname:
        raise BadURL(_NOT_WEB, text)
    try:
        port = parts.port
    except ValueError:  # out of range or not a number
        port = 0
    if port == 0:
        raise BadURL("port is not a number from 1 to 65535", text)
    if "[" in parts.netloc and ":" not in parts.hostname:  # `[v1.x]`, `[example.com]`: no IPv6 address, no name
        raise BadURL("invalid IPv6 address", text)
    _check_host(parts.hostname, text)
    return text


def is_web_url(url: str) -> bool:
    """True for a URL `check_url` accepts."""
    try:
        check_url(url)
    except BadURL:
        return False
    return True


def _normal_parts(url: str) -> tuple[str, str, str, str]:
    """Scheme, netloc, path and query, with scheme and host lower-cased and no default port.

    Raises BadURL (a ValueError) for anything `check_url` refuses.
    """
    parts = urlsplit(check_url(url))
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
        pair for pair in query.split("&") if pair and not _TRACKING().match(unquote_plus(pair.split("=", 1)[0]))
    )
    return urlunsplit((scheme, netloc, path, query, ""))


def feed_url(url: str) -> str:
    """One spelling per feed: as `canonical_url`, but the query stays whole, since a feed's parameters
    (`?feedtype=rss`, `?partner=...`) may choose what it serves. Raises ValueError for a non-http(s) URL."""
    return urlunsplit((*_normal_parts(url), ""))


def host_of(url: str) -> str:
    """The host name politeness limits are counted against ("" for a URL too broken to have one)."""
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


def host_key(host: str) -> str:
    """A host in the spelling a connection is made to: lower case, ASCII (IDNA), no brackets or final dot,
    so that a host the user named is recognised however the URL spelled it."""
    host = host.strip("[]").removesuffix(".").lower()
    if host.isascii():
        return host
    import idna

    return idna.encode(host).decode("ascii")


def private_address(address: str) -> str | None:
    """What kind of internal address this is (loopback, private, ...), or None for a public one.

    Anything not globally reachable counts (ipaddress's `is_global`: private, loopback, link-local,
    shared, reserved, documentation, unspecified), and multicast too; an IPv4 address mapped into IPv6
    is judged as itself.
    """
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    for kind in ("loopback", "link_local", "multicast", "unspecified", "reserved", "private"):
        if getattr(ip, f"is_{kind}"):
            return kind.replace("_", "-")
    return None if ip.is_global else "non-public"
