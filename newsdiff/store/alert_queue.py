"""The alert queue's rows (policy in alerts/queue.py): one per rule and new version, written with the
version; rules are named, never their URLs. Statuses: pending, sent, skipped, failed."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .database import Database

_ROWS = (
    "SELECT q.id, q.rule, q.article_id, a.key, a.url, v.number AS version, v.id AS version_id, q.queued_at, "
    "q.status, q.attempts, q.next_attempt_at, q.not_before, q.last_error, q.sent_at "
    "FROM alerts q JOIN articles a ON a.id = q.article_id JOIN versions v ON v.id = q.version_id "
)


class AlertQueue:
    """`Store` methods for the alert queue. Each write outside a version's own transaction is one transaction."""

    db: Database
    write: Callable[[], AbstractContextManager[Database]]

    def register_alert_rules(self, names: Sequence[str], now: str) -> dict[str, str]:
        """When each rule first appeared, recorded as `now` for a new one: {name: first_seen_at}."""
        with self.write():
            self.db.executemany("INSERT OR IGNORE INTO alert_rules (name, first_seen_at) VALUES (?, ?)",
                                [(name, now) for name in names])
            return dict(self.db.execute(
                f"SELECT name, first_seen_at FROM alert_rules WHERE name IN ({','.join('?' * len(names))})", names))

    def queue_alert(self, rule: str, article_id: int, version_id: int, now: str, *, tracked_only: bool = False) -> None:
        """Queue one alert (once per rule and version), inside the caller's transaction; `tracked_only`:
        only for a tracked article with a URL."""
        self.db.execute(
            "INSERT OR IGNORE INTO alerts (rule, article_id, version_id, queued_at, status, attempts) "
            "SELECT ?, a.id, ?, ?, 'pending', 0 FROM articles a WHERE a.id = ?"
            + (" AND a.tracked = 1 AND a.url IS NOT NULL" if tracked_only else ""), [rule, version_id, now, article_id])

    def due_alerts(self, names: Sequence[str], now: str, *, force: bool = False) -> list[dict[str, Any]]:
        """Pending alerts of these rules whose time has come, oldest first; `force` ignores our own
        back-off (`next_attempt_at`), never a server's Retry-After (`not_before`)."""
        if not names:
            return []
        return list(self.db.query(
            _ROWS + f"WHERE q.status = 'pending' AND q.rule IN ({','.join('?' * len(names))}) "
            + "AND (q.not_before IS NULL OR q.not_before <= ?) "
            + ("" if force else "AND (q.next_attempt_at IS NULL OR q.next_attempt_at <= ?) ")
            + "ORDER BY q.id", [*names, now, *([] if force else [now])]))

    def alert_counts(self) -> dict[str, dict[str, int]]:
        """{rule: {status: how many alerts}}."""
        counts: dict[str, dict[str, int]] = {}
        for rule, status, count in self.db.execute("SELECT rule, status, count(*) FROM alerts GROUP BY rule, status"):
            counts.setdefault(rule, {})[status] = count
        return counts

    def alerts_with_status(self, *statuses: str) -> list[dict[str, Any]]:
        """Alerts in any of these statuses, oldest first."""
        return list(self.db.query(_ROWS + f"WHERE q.status IN ({','.join('?' * len(statuses))}) ORDER BY q.id",
                                  list(statuses)))

    def mark_alert_sent(self, alert_id: int, now: str) -> None:
        with self.write():
            self.db.execute("UPDATE alerts SET status = 'sent', sent_at = ?, attempts = attempts + 1 WHERE id = ?",
                            [now, alert_id])

    def mark_alert_skipped(self, alert_id: int, reason: str) -> None:
        with self.write():
            self.db.execute("UPDATE alerts SET status = 'skipped', last_error = ? WHERE id = ?", [reason, alert_id])

    def delay_alert(self, alert_id: int, until: str) -> None:
        """Look at an alert again no sooner than `until` (its status unchanged)."""
        with self.write():
            self.db.execute("UPDATE alerts SET next_attempt_at = ? WHERE id = ?", [until, alert_id])

    def record_alert_attempt(self, alert_id: int, *, status: str, attempts: int, error: str,
                             next_attempt_at: str, not_before: str | None) -> None:
        """A failed attempt: its error, how many so far, and when the next may be made."""
        with self.write():
            self.db.execute(
                "UPDATE alerts SET status = ?, attempts = ?, last_error = ?, next_attempt_at = ?, not_before = ? "
                "WHERE id = ?", [status, attempts, error, next_attempt_at, not_before, alert_id])
