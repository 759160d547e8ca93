"""[archive] in the config: the Wayback Machine's address, how politely it is read, and whether new
versions are saved to it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ..track.settings import parse_duration
from ..urls import is_web_url

DEFAULT_WAYBACK_BASE = "https://web.archive.org"
_USERINFO = re.compile(r"://[^/?#]*@")  # user[:password]@ before the host


@dataclass(frozen=True)
class ArchiveSettings:
    wayback: bool = False  # submit every new version's URL to Save Page Now
    wayback_base: str = DEFAULT_WAYBACK_BASE  # a mirror, or a local server in tests: a host the user named
    interval: float = 1.0  # seconds between requests to the Wayback Machine, at least


def archive_settings(value: Any) -> ArchiveSettings:
    """The [archive] table; ValueError with a one-line reason when malformed."""
    if not isinstance(value, dict):
        raise ValueError("[archive] must be a table")
    unknown = sorted(set(value) - {"wayback", "wayback_base", "interval"})
    if unknown:
        raise ValueError(f"[archive]: unknown key {unknown[0]!r} (known: wayback, wayback_base, interval)")
    wayback = value.get("wayback", False)
    if not isinstance(wayback, bool):
        raise ValueError(f"[archive] wayback must be true or false, not {wayback!r}")
    base = value.get("wayback_base", DEFAULT_WAYBACK_BASE)
    if isinstance(base, str) and _USERINFO.search(base):  # never shown: it may hold a password
        raise ValueError("[archive] wayback_base must not name a user or password: every capture's address would be "
                         "logged with it")
    if not isinstance(base, str) or not is_web_url(base):
        raise ValueError(f"[archive] wayback_base must be an http(s) URL, not {base!r}")
    interval = parse_duration(value.get("interval", ArchiveSettings.interval), "[archive] interval")
    return ArchiveSettings(wayback=wayback, wayback_base=base.strip().rstrip("/"), interval=interval.total_seconds())
