"""The alert queue: one row per rule and new version, written in the transaction that stores the version.

A crash after a version is stored therefore never loses its alerts, and a rule only ever alerts for
versions captured after it first appeared (`alert_rules.first_seen_at`): importing an archive or a dump
never floods a channel. Rows name the rule, never its URL. Statuses: `pending` (new, or waiting out a
back-off after a failed attempt), `sent`, `skipped` (the edit did not pass the rule's filters), `failed`
(given up a day after it was queued).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta, timezone
from typing import Any

from ..model import format_time, utc_now
from ..store import Store, StoredVersion
from .rules import AlertRule

GIVE_UP = timedelta(days=1)
BACKOFF = timedelta(minutes=1)  # after the first failure; doubled after each later one
MAX_BACKOFF = timedelta(hours=2)


def attach(store: Store, rules: Sequence[AlertRule]) -> None:
    """Record when each rule first appeared and queue an alert for every new version a rule matches
    from now on, inside the transaction that stores the version."""
    if not rules:
        return
    first_seen = register(store, rules)
    by_source = {r.name: set(r.filter.sources) for r in rules}
    needs_source = any(by_source.values())

    def enqueue(version: StoredVersion) -> None:
        if version.number < 2 or version.reader_change:  # a first version, or newsdiff's reading changed
            return  # not an edit of the outlet's
        source = store.article_source(version.article_id) if needs_source else None
        now = utc_now()
        for name, since in first_seen.items():
            if version.captured_at >= since and (not by_source[name] or source in by_source[name]):
                store.queue_alert(name, version.article_id, version.version_id, now)

    store.on_version.append(enqueue)


def register(store: Store, rules: Iterable[AlertRule]) -> dict[str, str]:
    """When each rule first appeared, recorded now for a new one: {name: first_seen_at}."""
    return store.register_alert_rules([rule.name for rule in rules], utc_now())


def due(store: Store, names: Sequence[str], *, force: bool = False, now: str | None = None) -> list[dict[str, Any]]:
    """Pending alerts of these rules whose time has come, oldest first; `force` ignores our own back-off,
    never a server's Retry-After."""
    return store.due_alerts(names, now or utc_now(), force=force)


def listing(store: Store) -> dict[str, Any]:
    """What `alerts list` shows: counts by rule and status, and every alert not yet sent or skipped."""
    return {"counts": store.alert_counts(), "alerts": store.alerts_with_status("pending", "failed")}


def mark_sent(store: Store, alert_id: int) -> None:
    store.mark_alert_sent(alert_id, utc_now())


def mark_waiting(store: Store, alert_id: int, until: datetime) -> None:
    """Not sent yet, not failed either (a Save Page Now job still running): looked at again after `until`."""
    store.delay_alert(alert_id, format_time(until))


def _parse(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def mark_attempt_failed(store: Store, row: dict[str, Any], error: str, retry_after: float | None = None,
                        now: datetime | None = None) -> str:
    """Record a failed attempt: back off (doubling, at least the server's Retry-After), or give up a day
    after the alert was queued. Returns the new status: 'pending' or 'failed'."""
    now = now or datetime.now(timezone.utc)
    attempts = row["attempts"] + 1
    deadline = _parse(row["queued_at"]) + GIVE_UP
    status = "failed" if now >= deadline else "pending"
    wait = min(BACKOFF * 2 ** (attempts - 1), MAX_BACKOFF)
    next_at = min(now + wait, deadline)
    not_before = now + timedelta(seconds=retry_after) if retry_after else None
    store.record_alert_attempt(row["id"], status=status, attempts=attempts, error=error,
                               next_attempt_at=format_time(max(next_at, not_before or next_at)),
                               not_before=format_time(not_before) if not_before else None)
    return status
