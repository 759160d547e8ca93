"""Tracking settings (feeds, schedule, fetching) read from the TOML config; plain data, no I/O."""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, fields, replace
from datetime import timedelta
from typing import Any

from .. import __version__
from ..store import DEFAULT_LEASE_S
from ..urls import BadURL, feed_url

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|h|d|w)?\s*$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
# Real pages extract in well under a second; the limit only stops hostile ones, without waiting all day.
MIN_EXTRACT_TIMEOUT, MAX_EXTRACT_TIMEOUT = 1.0, 3600.0
MAX_DURATION = timedelta(days=3650)  # past this, "now + interval" leaves the calendar: a typo, not a choice
# A poll worker's hold on the articles and feeds it claims on a shared (PostgreSQL) store: long enough for a
# batch's fetches, short enough that a killed worker's batch is soon taken up by another.
MIN_LEASE, MAX_LEASE = 10.0, 86400.0
MAX_WHOLE = 1_000_000_000  # any whole-number setting: far above sense, far below what breaks arithmetic
WHOLE_LIMITS = {"jobs": 1000, "per_host": 100, "max_bytes": 2**30, "max_redirects": 100, "retries": 20}


def reject_unknown(keys: Iterable[str], known: Iterable[str], where: str) -> None:
    """ValueError naming the first key not in `known`, and the nearest known one: a typo is not ignored."""
    known = list(known)
    unknown = sorted(k for k in keys if k not in known)
    if not unknown:
        return
    close = difflib.get_close_matches(unknown[0], known, n=1)
    hint = f' (did you mean "{close[0]}"?)' if close else f" (known: {', '.join(sorted(known))})"
    named = ", ".join(f'"{k}"' for k in unknown)
    raise ValueError(f"{where}unknown key{'s' if len(unknown) > 1 else ''} {named}{hint}")


def parse_duration(value: Any, name: str = "duration") -> timedelta:
    """'15m', '6h', '40d', '2w' or a number of seconds; ValueError naming the setting otherwise."""
    if isinstance(value, bool):
        raise ValueError(f"{name}: expected a duration such as '15m', got {value!r}")
    if isinstance(value, (int, float)):
        seconds = float(min(value, 10**20)) if isinstance(value, int) else value  # int beyond a float: too long
    else:
        match = _DURATION.match(str(value))
        if not match:
            raise ValueError(f"{name}: expected a duration such as '15m', '6h' or '40d', got {value!r}")
        seconds = float(match.group(1)) * _UNITS[match.group(2) or "s"]
    if math.isnan(seconds) or seconds < 0:
        raise ValueError(f"{name}: must be a duration of 0 or more, got {value!r}")
    if seconds > MAX_DURATION.total_seconds():
        raise ValueError(f"{name}: at most {MAX_DURATION.days} days, got {value!r}")
    return timedelta(seconds=seconds)


@dataclass(frozen=True)
class ScheduleSettings:
    """How often an article is re-checked, by how long ago it last changed, and when it is left alone.

    `steps` pairs (changed within, check every); past the last step the last interval applies until
    `retire_after` without a change, after which the article is retired (NewsSniffer stops at 40 days).
    """

    steps: tuple[tuple[timedelta, timedelta], ...] = (
        (timedelta(hours=6), timedelta(minutes=15)),
        (timedelta(days=1), timedelta(hours=1)),
        (timedelta(days=7), timedelta(hours=3)),
        (timedelta(days=30), timedelta(days=1)),
    )
    retire_after: timedelta = timedelta(days=40)

    def interval(self, age: timedelta) -> timedelta:
        for within, every in self.steps:
            if age < within:
                return every
        return self.steps[-1][1]


MAX_NEW_PER_FEED = 10_000  # bounds one poll's work however a config is set


@dataclass(frozen=True)
class FetchSettings:
    """Politeness and safety limits for every HTTP request a poll makes."""

    jobs: int = 16  # requests in flight at once, all hosts together
    # Politeness to each host, shared by every poll on one PostgreSQL database (per process on SQLite,
    # where one poll runs at a time): requests in flight to one host, and seconds between their starts.
    per_host: int = 2
    per_host_delay: float = 0.0
    user_agent: str = f"newsdiff/{__version__} (news article revision tracker)"
    connect_timeout: float = 10.0
    read_timeout: float = 30.0
    total_timeout: float = 120.0  # a body trickling in forever is cut off here
    max_bytes: int = 10 * 1024 * 1024  # decoded size; also stops gzip bombs
    max_redirects: int = 5
    retries: int = 2  # extra attempts after a connection error, a 5xx or a 429
    backoff: float = 2.0  # seconds before the first retry, doubled for each later one
    max_retry_after: float = 120.0  # a longer Retry-After is reported instead of waited for
    extract_timeout: float = 30.0  # one page's extraction, in its worker process; longer is reported, not waited for
    # Feed items, redirects and resolved names that lead to loopback, private, link-local or other internal
    # addresses are refused unless the host is one the user named (a feed's, a `track`ed URL's) or this is on.
    allow_private_hosts: bool = False
    max_new_per_feed: int = 200  # new articles one feed may add per poll, newest first; the rest wait
    lease: float = DEFAULT_LEASE_S  # seconds a worker holds what it claims on PostgreSQL (see check_lease)


@dataclass(frozen=True)
class FeedSpec:
    url: str
    source: str | None = None


@dataclass(frozen=True)
class TrackSettings:
    feeds: tuple[FeedSpec, ...] | None = None  # None: no config file in effect, so its feeds are left alone
    schedule: ScheduleSettings = field(default_factory=ScheduleSettings)
    fetch: FetchSettings = field(default_factory=FetchSettings)


def _feeds(value: Any) -> tuple[FeedSpec, ...]:
    """`feeds = ["URL", ...]` or `[[feeds]] url = ... source = ...`."""
    if not isinstance(value, list):
        raise ValueError("feeds: expected a list of URLs or of tables with url and source")
    specs = []
    for item in value:
        if isinstance(item, str):
            spec = FeedSpec(item.strip())
        elif isinstance(item, dict) and isinstance(item.get("url"), str):
            reject_unknown(item, ("url", "source"), f"feeds ({item['url']}): ")
            source = item.get("source")
            if source is not None and (not isinstance(source, str) or not source.strip()):
                raise ValueError(f"feeds: source for {item['url']} must be a name, got {source!r}")
            spec = FeedSpec(item["url"].strip(), source.strip() if source else None)
        else:
            raise ValueError(f"feeds: each entry needs a url, got {item!r}")
        try:
            specs.append(replace(spec, url=feed_url(spec.url)))  # spelled as `feeds add` spells it
        except BadURL as exc:
            raise ValueError(f"feeds: {exc}") from None
    return tuple(specs)


def _schedule(value: dict[str, Any]) -> ScheduleSettings:
    reject_unknown(value, ("steps", "retire_after"), "schedule: ")
    default = ScheduleSettings()
    steps = default.steps
    if "steps" in value:
        try:
            steps = tuple(
                (parse_duration(s["until"], "schedule.steps.until"), parse_duration(s["every"], "schedule.steps.every"))
                for s in value["steps"]
            )
        except (TypeError, KeyError):
            raise ValueError("schedule.steps: expected a list of {until = '6h', every = '15m'} tables") from None
        if not steps or list(steps) != sorted(steps) or any(every.total_seconds() <= 0 for _, every in steps):
            raise ValueError("schedule.steps: needs at least one step, in increasing order, with positive intervals")
    retire = parse_duration(value.get("retire_after", default.retire_after.total_seconds()), "schedule.retire_after")
    return ScheduleSettings(steps=steps, retire_after=retire)


def _fetch(value: dict[str, Any]) -> FetchSettings:
    reject_unknown(value, (f.name for f in fields(FetchSettings)), "fetch: ")
    values: dict[str, Any] = {}
    for name, raw in value.items():
        kind = type(getattr(FetchSettings(), name))
        if kind is bool:
            if not isinstance(raw, bool):
                raise ValueError(f"fetch.{name}: expected true or false, got {raw!r}")
            values[name] = raw
        elif kind is str:
            # Sent as an HTTP header: a newline or any byte outside printable ASCII would break every request.
            if not isinstance(raw, str) or not raw.strip() or not all(" " <= c <= "~" for c in raw.strip()):
                raise ValueError(f"fetch.{name}: expected printable ASCII text on one line, got {raw!r}")
            values[name] = raw.strip()
        elif kind is int:
            most = WHOLE_LIMITS.get(name, MAX_WHOLE)
            if isinstance(raw, bool) or not isinstance(raw, int) or not 0 <= raw <= most:
                raise ValueError(f"fetch.{name}: expected a whole number from 0 to {most}, got {raw!r}")
            values[name] = raw
        else:
            values[name] = parse_duration(raw, f"fetch.{name}").total_seconds()
    settings = FetchSettings(**values)
    if settings.jobs < 1 or settings.per_host < 1:
        raise ValueError("fetch.jobs and fetch.per_host must be at least 1")
    if not MIN_EXTRACT_TIMEOUT <= settings.extract_timeout <= MAX_EXTRACT_TIMEOUT:
        raise ValueError(f"fetch.extract_timeout: expected {MIN_EXTRACT_TIMEOUT:g}s to {MAX_EXTRACT_TIMEOUT / 60:g}m, "
                         f"got {value['extract_timeout']!r}")
    if "lease" in value:
        check_lease(settings.lease, "fetch.lease", value["lease"])
    if not 1 <= settings.max_new_per_feed <= MAX_NEW_PER_FEED:
        raise ValueError(f"fetch.max_new_per_feed: expected 1 to {MAX_NEW_PER_FEED:,}, got {settings.max_new_per_feed}")
    return settings


def check_lease(seconds: float, name: str, given: Any) -> float:
    """A lease length within bounds; ValueError naming the setting and what was given otherwise."""
    if not MIN_LEASE <= seconds <= MAX_LEASE:
        raise ValueError(f"{name}: expected {MIN_LEASE:g}s to {MAX_LEASE / 3600:g}h (how long a poll worker "
                         f"holds the articles and feeds it claims), got {given!r}")
    return seconds


def track_settings(data: dict[str, Any]) -> TrackSettings:
    """The tracking part of a parsed config file; ValueError with a one-line reason when malformed."""
    for section in ("schedule", "fetch"):
        if not isinstance(data.get(section, {}), dict):
            raise ValueError(f"{section}: expected a table")
    return TrackSettings(
        feeds=_feeds(data.get("feeds", [])),
        schedule=_schedule(data.get("schedule", {})),
        fetch=_fetch(data.get("fetch", {})),
    )
