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
        if version.number < 2:  # a first version has nothing to compare with: not an edit
            return
        source = None
        if needs_source:
            source = store.db.execute(
                "SELECT s.name FROM articles a JOIN sources s ON s.id = a.source_id WHERE a.id = ?",
                [version.article_id]).fetchone()
            source = source[0] if source else None
        now = utc_now()
        for name, since in first_seen.items():
            if version.captured_at >= since and (not by_source[name] or source in by_source[name]):
                store.db.execute(
                    "INSERT OR IGNORE INTO alerts (rule, article_id, version_id, queued_at, status, attempts) "
                    "VALUES (?, ?, ?, ?, 'pending', 0)", [name, version.article_id, version.version_id, now])

    store.on_version.append(enqueue)


def register(store: Store, rules: Iterable[AlertRule]) -> dict[str, str]:
    """When each rule first appeared, recorded now for a new one: {name: first_seen_at}."""
    names, now = [rule.name for rule in rules], utc_now()
    with store.write():
        store.db.conn.executemany("INSERT OR IGNORE INTO alert_rules (name, first_seen_at) VALUES (?, ?)",
                                  [(name, now) for name in names])
        return dict(store.db.execute(
            f"SELECT name, first_seen_at FROM alert_rules WHERE name IN ({','.join('?' * len(names))})", names))


_ROWS = (
    "SELECT q.id, q.rule, q.article_id, a.key, a.url, v.number AS version, v.id AS version_id, q.queued_at, "
    "q.status, q.attempts, q.next_attempt_at, q.not_before, q.last_error, q.sent_at "
    "FROM alerts q JOIN articles a ON a.id = q.article_id JOIN versions v ON v.id = q.version_id "
)


def due(store: Store, names: Sequence[str], *, force: bool = False, now: str | None = None) -> list[dict[str, Any]]:
    """Pending alerts of these rules whose time has come, oldest first; `force` ignores our own back-off,
    never a server's Retry-After."""
    if not names:
        return []
    now = now or utc_now()
    return list(store.db.query(
        _ROWS + "WHERE q.status = 'pending' AND q.rule IN (%s) " % ",".join("?" * len(names))
        + "AND (q.not_before IS NULL OR q.not_before <= ?) "
        + ("" if force else "AND (q.next_attempt_at IS NULL OR q.next_attempt_at <= ?) ")
        + "ORDER BY q.id", [*names, now, *([] if force else [now])]))


def listing(store: Store) -> dict[str, Any]:
    """What `alerts list` shows: counts by rule and status, and every alert not yet sent or skipped."""
    counts: dict[str, dict[str, int]] = {}
    for rule, status, count in store.db.execute("SELECT rule, status, count(*) FROM alerts GROUP BY rule, status"):
        counts.setdefault(rule, {})[status] = count
    open_rows = list(store.db.query(_ROWS + "WHERE q.status IN ('pending', 'failed') ORDER BY q.id"))
    return {"counts": counts, "alerts": open_rows}


def failed(store: Store) -> list[dict[str, Any]]:
    """Alerts given up on: what `check` reports."""
    return list(store.db.query(_ROWS + "WHERE q.status = 'failed' ORDER BY q.id"))


def mark_sent(store: Store, alert_id: int) -> None:
    with store.write():
        store.db.execute("UPDATE alerts SET status = 'sent', sent_at = ?, attempts = attempts + 1 WHERE id = ?",
                         [utc_now(), alert_id])


def mark_skipped(store: Store, alert_id: int, reason: str) -> None:
    with store.write():
        store.db.execute("UPDATE alerts SET status = 'skipped', last_error = ? WHERE id = ?", [reason, alert_id])


def mark_waiting(store: Store, alert_id: int, until: datetime) -> None:
    """Not sent yet, not failed either (a Save Page Now job still running): looked at again after `until`."""
    with store.write():
        store.db.execute("UPDATE alerts SET next_attempt_at = ? WHERE id = ?", [format_time(until), alert_id])


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
    with store.write():
        store.db.execute(
            "UPDATE alerts SET status = ?, attempts = ?, last_error = ?, next_attempt_at = ?, not_before = ? "
            "WHERE id = ?",
            [status, attempts, error, format_time(max(next_at, not_before or next_at)),
             format_time(not_before) if not_before else None, row["id"]])
    return status
