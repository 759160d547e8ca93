"""What `--db` (or NEWSDIFF_DB) names: a SQLite file, or a PostgreSQL server's database by URL.

Parsed here only, so every message about a server names it the same way and never shows its password.
"""

from __future__ import annotations

import urllib.parse
from dataclasses import dataclass
from pathlib import Path

SCHEMES = ("postgresql", "postgres")


class BadDatabaseUrl(ValueError):
    """A `--db` that looks like a server URL but cannot be one; the message shows no password."""


@dataclass(frozen=True)
class ServerUrl:
    """A PostgreSQL database by URL. `str()` is the URL without its password, for every message."""

    url: str  # as given, password included: for connecting only
    host: str
    port: int | None
    user: str | None
    database: str

    def __str__(self) -> str:
        user = f"{urllib.parse.quote(self.user, safe='')}@" if self.user else ""
        host = f"[{self.host}]" if ":" in self.host else self.host
        port = f":{self.port}" if self.port else ""
        return f"postgresql://{user}{host}{port}/{urllib.parse.quote(self.database, safe='')}"


def is_server_url(value: str) -> bool:
    return value.split("://", 1)[0].lower() in SCHEMES and "://" in value


def parse_db(value: str | Path) -> Path | ServerUrl:
    """A SQLite path, or a ServerUrl for `postgresql://[user[:password]@]host[:port]/database`."""
    text = str(value)
    if not is_server_url(text):
        return Path(value)
    scheme, rest = text.split("://", 1)
    shown = f"{scheme}://{rest.split('?')[0].rpartition('@')[2]}"  # no user, no password, no query
    try:
        parts = urllib.parse.urlsplit(text)
    except ValueError as exc:  # an IPv6 address without its closing bracket, or not an address at all
        raise BadDatabaseUrl(f"bad database URL {shown}: {exc}") from None
    try:
        port = parts.port
    except ValueError:
        port = 0
    if port == 0:
        raise BadDatabaseUrl(f"bad database URL {shown}: the port is not a number from 1 to 65535")
    if not parts.hostname:
        raise BadDatabaseUrl(f"bad database URL {shown}: it names no server (postgresql://user@host/database)")
    database = urllib.parse.unquote(parts.path.lstrip("/"))
    if not database or "/" in database:
        raise BadDatabaseUrl(f"bad database URL {shown}: it names no database (postgresql://user@host/database)")
    user = urllib.parse.unquote(parts.username) if parts.username else None
    return ServerUrl(text, parts.hostname, port, user, database)
