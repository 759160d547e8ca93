"""Evidence: with `[archive] wayback = true`, every new version a poll finds is saved to the Wayback Machine.

A save is one more kind of delivery in the alerts queue (rule `WAYBACK`), queued in the transaction that
stores the version, so a crash never loses one and a poll never waits for the archive. Delivery submits
the URL to Save Page Now, remembers the job (an `archive_job` event of the version), and on a later run
reads the job's status: success records the snapshot's URL with the version (an `archived` event),
pending waits, an error or a 429 backs off like a failed alert and is given up a day after it was queued
(`check` lists it). Keys come from `${IA_ACCESS}` and `${IA_SECRET}` when set and go only into the
Authorization header: never stored, never printed.
"""

from __future__ import annotations

import os
import re
import time
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from ..model import format_time
from ..urls import shown

if TYPE_CHECKING:
    import httpx

    from ..alerts.deliver import SendSummary
    from ..store import Store, StoredVersion
    from .settings import ArchiveSettings

WAYBACK = "@wayback"  # the queue's rule name for saves; an [[alerts]] rule name cannot start with @
PENDING_RECHECK = timedelta(seconds=30)
_TIMESTAMP = re.compile(r"\d{14}")


def attach(store: Store) -> None:
    """Queue a save of every new version of a tracked article, in the transaction that stores it.

    `poll` alone attaches it: a save is evidence of what an outlet serves now, so history imported from
    files or archives (of a tracked article too) is never sent, however recent its capture time; nor is
    a version only newsdiff's reading of an earlier page changed (`StoredVersion.reader_change`).
    """

    def enqueue(version: StoredVersion) -> None:
        if version.reader_change:
            return
        store.queue_alert(WAYBACK, version.article_id, version.version_id, format_time(datetime.now(timezone.utc)),
                          tracked_only=True)

    store.on_version.append(enqueue)


def snapshots(store: Store, article_id: int) -> dict[int, str]:
    """{version id: snapshot URL} for the versions of an article saved to the Wayback Machine."""
    return {event.version_id: event.detail["url"] for event in store.events_of_kind("archived", article_id=article_id)
            if event.version_id is not None}


def _auth() -> dict[str, str]:
    access, secret = os.environ.get("IA_ACCESS"), os.environ.get("IA_SECRET")
    return {"Authorization": f"LOW {access}:{secret}"} if access and secret else {}


def _job(store: Store, version_id: int) -> str | None:
    """The Save Page Now job last started for a version, unless it ended in an error."""
    jobs = store.events_of_kind("archive_job", version_id=version_id)
    return jobs[-1].detail.get("job_id") if jobs else None


def send_saves(store: Store, settings: ArchiveSettings, summary: SendSummary, *, force: bool = False,
               transport: httpx.BaseTransport | None = None) -> None:
    """Submit each due save, or read its job's status; outcomes are added to `summary` like alerts'."""
    import httpx

    from .. import __version__
    from ..alerts import queue

    rows = queue.due(store, [WAYBACK], force=force)
    if not rows:
        return
    headers = {"Accept": "application/json", "User-Agent": f"newsdiff/{__version__}", **_auth()}
    with httpx.Client(headers=headers, timeout=30.0, transport=transport) as client:
        last = 0.0
        for row in rows:
            time.sleep(max(0.0, last + settings.interval - time.monotonic()))
            last = time.monotonic()
            try:
                outcome = _step(store, client, settings.wayback_base, row)
            except (httpx.HTTPError, ValueError, KeyError) as exc:
                outcome = ("failed", f"Save Page Now: {type(exc).__name__}: {exc}", None)
            kind, detail, retry_after = outcome
            line = {"id": row["id"], "rule": WAYBACK, "article_id": row["article_id"], "version": row["version"],
                    "error": detail}
            if kind == "saved":
                queue.mark_sent(store, row["id"])
                summary.sent += 1
            elif kind == "pending":
                queue.mark_waiting(store, row["id"], datetime.now(timezone.utc) + PENDING_RECHECK)
            else:
                status = queue.mark_attempt_failed(store, row, detail, retry_after)
                (summary.failed if status == "failed" else summary.retrying).append(line)
                if retry_after is not None:  # rate-limited: the rest wait for the next run
                    return


def _step(store: Store, client: httpx.Client, base: str, row: dict[str, Any]) -> tuple[str, str, float | None]:
    """One move for a queued save: (saved | pending | failed, detail, Retry-After seconds of a 429)."""
    job = _job(store, row["version_id"])
    if job is None:
        response = client.post(f"{base}/save", data={"url": row["url"], "skip_first_archive": "1"})
        if response.status_code != 200:
            return "failed", f"Save Page Now: HTTP {response.status_code}", _retry(response)
        job = str(response.json()["job_id"])
        with store.write():
            store.event(row["article_id"], "archive_job", {"job_id": job}, version_id=row["version_id"])
    response = client.get(f"{base}/save/status/{quote(job, safe='')}")
    if response.status_code != 200:
        return "failed", f"Save Page Now job status: HTTP {response.status_code}", _retry(response)
    status = response.json()
    if status.get("status") == "pending":
        return "pending", "", None
    if status.get("status") == "success" and _TIMESTAMP.fullmatch(str(status.get("timestamp"))):
        snapshot = f"{base}/web/{status['timestamp']}/{row['url']}"
        with store.write():
            store.event(row["article_id"], "archived", {"url": snapshot}, version_id=row["version_id"])
        return "saved", snapshot, None
    reason = shown(" ".join(str(status.get("message") or status.get("status_ext") or status).split()))
    with store.write():  # the job is over: the next attempt submits the URL again
        store.event(row["article_id"], "archive_job", {"job_id": None, "error": reason}, version_id=row["version_id"])
    return "failed", f"Save Page Now: {reason}", None


def _retry(response: httpx.Response) -> float | None:
    from ..track.fetch import retry_after_seconds

    if response.status_code != 429:
        return None
    return retry_after_seconds(response.headers.get("retry-after")) or 60.0
