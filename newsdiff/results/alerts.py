"""Results of the alert verbs: the rules and queue, and a test message."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..alerts.rules import AlertRule


@dataclass(frozen=True)
class AlertsListing:
    rules: tuple[AlertRule, ...]
    counts: dict[str, dict[str, int]]  # {rule: {status: alerts}}
    alerts: tuple[dict[str, Any], ...]  # each alert pending or failed

    def to_json(self) -> dict[str, Any]:
        return {"rules": [r.to_json() for r in self.rules], "counts": self.counts, "alerts": list(self.alerts)}


@dataclass(frozen=True)
class AlertTest:
    rule: str
    sent: str  # which edit the message was built from
    to: tuple[str, ...]  # the rule's channels, URLs redacted

    def to_json(self) -> dict[str, Any]:
        return {"rule": self.rule, "sent": self.sent, "to": list(self.to)}
