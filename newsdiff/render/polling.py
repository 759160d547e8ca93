"""Human output for `poll`: the summary line, when the next check is due, and articles found gone.

Works from the poll's JSON summary (`PollSummary.as_json`), so the two outputs never disagree.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ..model import plural
from .edits import parse_utc


def wait(due: str, now: datetime) -> str:
    """How long until `due` (an ISO 8601 time), as a person says it: "now", "in 14 min", "in 2 h 5 min"."""
    minutes = round((parse_utc(due) - now).total_seconds() / 60)
    if minutes < 1:
        return "now"
    if minutes < 60:
        return f"in {minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"in {hours} h" + (f" {minutes} min" if minutes else "")
    return f"in {round(hours / 24)} days"


def next_check(summary: dict[str, Any], now: datetime) -> str:
    """When the next article is due, with the way to check everything at once when this poll checked none."""
    due = summary.get("next_due")
    if due is None:
        return "nothing tracked yet (`newsdiff track URL` or `newsdiff feeds add URL`)"
    line = f"next check {wait(due, now)} ({parse_utc(due).strftime('%H:%M UTC')})"
    if not summary["articles_checked"]:
        line += "; `newsdiff poll --now` checks everything now"
    return line


def summary_line(summary: dict[str, Any], now: datetime) -> str:
    """The line a poll on a terminal ends with: what it read, checked and found, and what comes next."""
    not_modified = summary["not_modified"] - summary["feeds_not_modified"]
    counts = [plural(summary["new_versions"], "new version"), f"{summary['unchanged']} unchanged",
              f"{not_modified} not modified", f"{summary['gone']} gone", f"{len(summary['suspect'])} suspect",
              plural(len(summary["errors"]), "error")]
    if summary.get("reader_changes"):  # no edits: the same pages as newsdiff reads them now
        counts.insert(1, f"{plural(summary['reader_changes'], 'page')} read differently by newsdiff")
    deferred = summary.get("articles_deferred")
    line = (f"{plural(summary['feeds_checked'], 'feed')} ({summary['feeds_not_modified']} not modified), "
            f"{plural(summary['articles_discovered'], 'new article')}"
            f"{f' ({deferred} left for later polls)' if deferred else ''}; "
            f"checked {plural(summary['articles_checked'], 'article')}: {', '.join(counts)} "
            f"({summary['duration_s']:.1f} s); {next_check(summary, now)}")
    published = summary.get("published")
    if published:
        line += f"; site {published['directory']} " + (
            f"refreshed ({plural(published['written'], 'page')} written)" if published["refreshed"] else "up to date")
    return line


def gone_line(gone: dict[str, Any]) -> str:
    """One line for an article that answered 404 or 410 in this poll, naming its URL and what is kept."""
    status = f"HTTP {gone['status']}"
    if gone["versions"]:
        return (f"{gone['url']}: gone ({status}); article {gone['article_id']} keeps its "
                f"{plural(gone['versions'], 'version')} and is checked again on its schedule")
    return (f"{gone['url']}: not found ({status}), nothing stored; "
            f"`newsdiff forget {gone['article_id']} --yes` removes the article")
