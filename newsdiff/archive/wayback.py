"""`newsdiff import --wayback URL`: an article's past rebuilt from the Wayback Machine's captures.

The captures are listed through the CDX API (status 200, HTML, collapsed by content digest), and each
original capture (the `id_` form, the page as it was served, not the archive's rewritten copy) is fetched
through the project's Fetcher, one at a time and at most one per `[archive] interval`, Retry-After
respected, then extracted like a polled page and stored as a version captured at the capture's time.
Every capture handled is logged in `fetches` under its `id_` URL, so a second run fetches only what is
missing (a capture that failed to arrive is tried again).
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urlencode

import httpx

from ..model import format_time, parse_time, utc_now
from ..sources import ParseOptions
from ..store import Store
from ..track.fetch import Fetched, Fetcher
from ..track.settings import FetchSettings
from ..urls import canonical_url, host_key, host_of
from .capture import store_capture
from .settings import ArchiveSettings

OUTCOMES = {"new": "stored", "same": "unchanged", "revert": "unchanged", "suspect": "suspect", "refused": "refused"}
_DONE = tuple(OUTCOMES.values())  # logged outcomes a later run need not fetch again
_TIMESTAMP = re.compile(r"/web/(\d{14})id_/")
_DATE_ONLY = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True)
class Capture:
    """One capture in the CDX listing."""

    timestamp: str  # 14 digits, UTC
    original: str  # the URL as the archive captured it
    digest: str

    def url(self, base: str) -> str:
        """The original capture, byte for byte as the site served it."""
        return f"{base}/web/{self.timestamp}id_/{self.original}"


@dataclass
class WaybackResult:
    """What `import --wayback` did: one entry per listed capture, and why it stopped early if it did."""

    url: str
    article_id: int | None = None
    captures: list[dict[str, Any]] = field(default_factory=list)  # {"timestamp", "captured_at", "outcome", ...}
    error: str | None = None  # the listing could not be had: nothing was done
    stopped: str | None = None  # rate-limited: the captures after this point were left for the next run

    @property
    def failed(self) -> bool:
        return bool(self.stopped) or any(c["outcome"] == "failed" for c in self.captures)


def cdx_time(value: str, option: str) -> str:
    """A --from/--to date or time (ISO 8601) as CDX digits; a bare date keeps day precision, so that
    `--to 2024-03-01` includes that whole day. ValueError naming the option otherwise."""
    try:
        normal = parse_time(value)
    except ValueError as exc:
        raise ValueError(f"{option}: {exc}") from None
    digits = re.sub(r"\D", "", normal)
    return digits[:8] if _DATE_ONLY.fullmatch(value.strip()) else digits[:14]


def cdx_query(base: str, url: str, since: str | None, until: str | None) -> str:
    params = [("url", url), ("output", "json"), ("collapse", "digest"), ("filter", "statuscode:200"),
              ("filter", "mimetype:text/html"), ("fl", "timestamp,original,digest")]
    params += [(name, value) for name, value in (("from", since), ("to", until)) if value]
    return f"{base}/cdx/search/cdx?{urlencode(params)}"


def parse_cdx(body: bytes) -> list[Capture]:
    """The CDX API's JSON rows (a header row, then one row per capture); ValueError when it is not that."""
    try:
        rows = json.loads(body or b"[]")
    except ValueError:
        raise ValueError("the capture list is not JSON") from None
    if not isinstance(rows, list) or not all(isinstance(r, list) and all(isinstance(x, str) for x in r) for r in rows):
        raise ValueError("the capture list is not a list of rows")
    if not rows:
        return []
    header = rows[0]
    try:
        at = [header.index(name) for name in ("timestamp", "original", "digest")]
    except ValueError:
        raise ValueError(f"the capture list's header lacks timestamp, original or digest: {header}") from None
    captures = []
    for row in rows[1:]:
        if len(row) == len(header) and _is_timestamp(row[at[0]]):
            captures.append(Capture(row[at[0]], row[at[1]], row[at[2]]))
    return captures


def capture_time(timestamp: str) -> str:
    return format_time(datetime.strptime(timestamp, "%Y%m%d%H%M%S").replace(tzinfo=timezone.utc))


def _is_timestamp(digits: str) -> bool:
    """Whether the archive's 14 digits are a time: a listing or a redirect may hold any digits (month 13)."""
    if not re.fullmatch(r"\d{14}", digits):
        return False
    try:
        capture_time(digits)
    except ValueError:
        return False
    return True


def import_wayback(
    store: Store, url: str, *, archive: ArchiveSettings, fetch: FetchSettings, options: ParseOptions | None = None,
    suspect_ratio: float | None = None, since: str | None = None, until: str | None = None,
    transport: httpx.AsyncBaseTransport | None = None, report: Callable[[dict[str, Any]], None] | None = None,
) -> WaybackResult:
    """Store every capture of `url` the Wayback Machine holds (between `since` and `until`, ISO 8601) that
    an earlier run did not already handle; `report` is told of each capture as it is handled.
    ValueError for a bad URL or date, before anything is fetched."""
    try:
        canonical = canonical_url(url)
    except ValueError as exc:
        raise ValueError(f"--wayback: {exc}") from None
    window = (cdx_time(since, "--from") if since else None, cdx_time(until, "--to") if until else None)
    result = WaybackResult(url=canonical)
    run = _Run(store, archive, fetch, options or ParseOptions(), suspect_ratio, result, report or (lambda _: None))
    asyncio.run(run.go(*window, transport=transport))
    return result


class _Run:
    def __init__(self, store: Store, archive: ArchiveSettings, fetch: FetchSettings, options: ParseOptions,
                 suspect_ratio: float | None, result: WaybackResult, report: Callable[[dict[str, Any]], None]) -> None:
        self.store, self.archive, self.fetch, self.options = store, archive, fetch, options
        self.suspect_ratio, self.result, self.report = suspect_ratio, result, report
        self._last = 0.0

    async def _get(self, fetcher: Fetcher, url: str) -> Fetched:
        """A GET no sooner than `interval` after the one before it."""
        await asyncio.sleep(max(0.0, self._last + self.archive.interval - time.monotonic()))
        fetched = await fetcher.get(url)
        self._last = time.monotonic()
        return fetched

    async def go(self, since: str | None, until: str | None, *, transport: httpx.AsyncBaseTransport | None) -> None:
        base, result = self.archive.wayback_base, self.result
        named = host_key(host_of(base))  # the configured archive is a host the user named, internal or not
        async with Fetcher(self.fetch, transport=transport, is_named=lambda host: host == named) as fetcher:
            listing = await self._get(fetcher, cdx_query(base, result.url, since, until))
            if listing.status != 200:
                result.error = f"the Wayback Machine's capture list: {_failure(listing)}"
                return
            try:
                captures = parse_cdx(listing.body)
            except ValueError as exc:
                result.error = f"the Wayback Machine's capture list: {exc}"
                return
            done = self._done([c.url(base) for c in captures])
            for n, capture in enumerate(captures):
                entry: dict[str, Any] = {"timestamp": capture.timestamp, "captured_at": capture_time(capture.timestamp),
                                         "digest": capture.digest}
                if capture.url(base) in done:
                    entry["outcome"] = "done before"
                else:
                    fetched = await self._get(fetcher, capture.url(base))
                    if fetched.status == 429:
                        result.stopped = (f"rate-limited ({_failure(fetched)}); {len(captures) - n} captures left "
                                          "for the next run")
                        return
                    entry.update(self._store(capture, fetched))
                result.captures.append(entry)
                self.report(entry)

    def _done(self, urls: list[str]) -> set[str]:
        """The capture URLs an earlier run handled."""
        if not urls:
            return set()
        return self.store.fetched_urls(urls, _DONE)

    def _store(self, capture: Capture, fetched: Fetched) -> dict[str, Any]:
        """Extract and store one fetched capture, logged in `fetches` in the same transaction."""
        entry: dict[str, Any] = {"outcome": "failed", "reason": _failure(fetched)}
        article_id = None
        with self.store.write():
            if fetched.status == 200:
                moved = _TIMESTAMP.search(fetched.final_url)  # the archive may answer with the nearest capture
                when = capture_time(moved.group(1) if moved and _is_timestamp(moved.group(1)) else capture.timestamp)
                stored = store_capture(self.store, fetched.body, url=self.result.url, content_type=fetched.content_type,
                                       captured_at=when, options=self.options, suspect_ratio=self.suspect_ratio)
                entry = {"outcome": OUTCOMES[stored.outcome], "captured_at": when, "number": stored.number,
                         "existing": stored.existing, "reason": stored.reason}
                article_id = stored.article_id
                self.result.article_id = article_id or self.result.article_id
            self._log(capture, fetched, entry, article_id)
        return entry

    def _log(self, capture: Capture, fetched: Fetched, entry: dict[str, Any], article_id: int | None) -> None:
        self.store.log_fetch(at=utc_now(), url=capture.url(self.archive.wayback_base), article_id=article_id,
                             status_code=fetched.status, outcome=entry["outcome"], error=entry.get("reason"),
                             duration_ms=fetched.duration_ms)


def _failure(fetched: Fetched) -> str:
    if fetched.error:
        return fetched.error
    return f"status {fetched.status} {fetched.reason}".strip()
