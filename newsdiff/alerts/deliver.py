"""Delivering queued alerts: each edit's report (the cached one `publish` uses), checked against the
rule's filters, written for each service, sent in parallel (a bounded pool), and the outcome recorded
one alert at a time.

Delivery is at least once: an alert is marked sent right after its send returns, so a process killed
in between sends that one message again next time; it is never lost. A failed send backs off (and
waits out a server's Retry-After) and is given up a day after it was queued (see `queue`).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from ..render.edits import Edit
from ..render.picture import Picture
from ..store import DamagedHistory, Store
from ..track.fetch import retry_after_seconds
from . import queue
from .message import Message, Profile, compose
from .rules import AlertRule, Filter, Target

if TYPE_CHECKING:
    from ..reports.cache import Reports

JOBS = 8  # sends in flight at once
_FIRST_WORDS = 12


@dataclass
class Outcome:
    """How one send went: an error (None when it went through) and any Retry-After, in seconds."""

    error: str | None = None
    retry_after: float | None = None


@dataclass
class SendSummary:
    """What a delivery run did: counts, and a line for each alert that failed (retried later or given up)."""

    sent: int = 0
    skipped: int = 0
    retrying: list[dict[str, Any]] = field(default_factory=list)
    failed: list[dict[str, Any]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.retrying and not self.failed

    def to_json(self) -> dict[str, Any]:
        return {"sent": self.sent, "skipped": self.skipped, "retrying": self.retrying, "failed": self.failed}


@dataclass(frozen=True)
class _Job:
    row: dict[str, Any]
    rule: AlertRule
    edit: Edit
    picture: Picture | None
    fallback: str


class _Watch(logging.Handler):
    """Apprise reports why a send failed only in its log, and never the HTTP status or Retry-After:
    the log lines and each response's status are kept per thread while a run sends."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.local = threading.local()

    def reset(self) -> None:
        self.local.messages, self.local.status, self.local.retry_after = [], None, None

    def emit(self, record: logging.LogRecord) -> None:
        getattr(self.local, "messages", []).append(record.getMessage())

    def response(self, response: Any, *args: Any, **kwargs: Any) -> Any:
        self.local.status = response.status_code
        self.local.retry_after = response.headers.get("Retry-After")
        return response


@contextmanager
def _watching() -> Iterator[_Watch]:
    """Apprise's log and every `requests` response (Apprise and Mastodon.py both use requests) seen by
    a `_Watch`, for the length of a run."""
    import requests.sessions

    watch = _Watch()
    logger = logging.getLogger("apprise")
    original = requests.sessions.default_hooks

    def hooks() -> dict[str, list[Any]]:
        found = original()
        found["response"].append(watch.response)
        return found

    logger.addHandler(watch)
    requests.sessions.default_hooks = hooks
    try:
        yield watch
    finally:
        requests.sessions.default_hooks = original
        logger.removeHandler(watch)


def _apprise_send(target: Target, job: _Job) -> None:
    """One message through Apprise, in the service's own format and within its reported limits."""
    import apprise
    from apprise.attachment.memory import AttachMemory

    plugin = apprise.Apprise.instantiate(target.url, suppress_exceptions=True)
    if not plugin:
        raise RuntimeError(f"Apprise does not accept {target.shown}")
    # The format the service renders: its own, or the one a `?format=` in the URL asked for.
    profile = Profile(plugin.resolve_format().value, int(plugin.body_maxlen or 32768), len,
                      int(plugin.title_maxlen or 0))
    message = compose(job.edit, profile, base_url=job.rule.base_url, fallback=job.fallback)
    attach = None
    if job.picture is not None and getattr(plugin, "attachment_support", False):
        attach = apprise.AppriseAttachment()
        attach.add(AttachMemory(content=job.picture.png, name="edit.png", mimetype="image/png"))
    if not plugin.notify(body=message.body, title=message.title, body_format=message.format, attach=attach):
        raise RuntimeError("the service did not accept the message")


def _social_send(target: Target, job: _Job) -> None:
    from . import social

    account = social.account(target.url)
    profile = social.BLUESKY if account.scheme == "bluesky" else social.MASTODON
    message: Message = compose(job.edit, profile, base_url=job.rule.base_url, fallback=job.fallback)
    (social.post_bluesky if account.scheme == "bluesky" else social.post_mastodon)(account, message, job.picture)


def _send(job: _Job, watch: _Watch) -> Outcome:
    """Send to every target of the rule; the first failure is the alert's (all are retried together)."""
    from .rules import SOCIAL_SCHEMES

    for target in job.rule.targets:
        watch.reset()
        try:
            (_social_send if target.scheme in SOCIAL_SCHEMES else _apprise_send)(target, job)
        except Exception as exc:  # any library's failure is this alert's, never the run's
            status = watch.local.status or getattr(getattr(exc, "response", None), "status_code", None)
            response_headers = getattr(getattr(exc, "response", None), "headers", {})
            header = watch.local.retry_after or response_headers.get("Retry-After")
            detail = "; ".join(watch.local.messages[-1:]) or f"{type(exc).__name__}: {exc}"
            error = f"{target.shown}: " + (f"HTTP {status}: " if status else "") + detail
            return Outcome(_secret_free(error, job.rule), retry_after_seconds(header))
    return Outcome()


def _secret_free(text: str, rule: AlertRule) -> str:
    """An error as it may be stored and shown: any URL of the rule replaced by its redacted form."""
    for target in rule.targets:
        text = target.redact(text)
    return " ".join(text.split())[:500]


def _job(store: Store, by_cosmetic: dict[bool, Reports], row: dict[str, Any], rule: AlertRule,
         pictures: dict[int, Picture]) -> _Job | None:
    """The edit a queued alert is about, with its picture; None when the rule's filters leave it out."""
    from ..render.picture import render_picture, when

    reports = by_cosmetic[rule.filter.cosmetic]  # a rule that wants cosmetic edits sees their changes
    pair = reports.rows(version_id=row["version_id"])
    if not pair:
        raise LookupError(f"version {row['version']} of article {row['article_id']} has no version before it")
    edit = reports.edit_of(pair[0])
    if not rule.filter.wants(edit.report, edit.article.source):
        return None
    fallback = ""
    if not edit.new.title:
        paragraphs = store.record(edit.article.id, edit.new.number).paragraphs
        fallback = " ".join(" ".join(paragraphs[:1]).split()[:_FIRST_WORDS])
    picture = None
    if rule.image:
        if edit.new.id not in pictures:
            pictures[edit.new.id] = render_picture(edit.report, headline=edit.new.title or fallback,
                                                   outlet=edit.article.source or "", when=when(edit.new.captured_at))
        picture = pictures[edit.new.id]
    return _Job(row, rule, edit, picture, fallback)


def _record(store: Store, job_row: dict[str, Any], rule: AlertRule, outcome: Outcome, summary: SendSummary) -> None:
    if outcome.error is None:
        queue.mark_sent(store, job_row["id"])
        summary.sent += 1
        return
    status = queue.mark_attempt_failed(store, job_row, outcome.error, outcome.retry_after)
    line = {"id": job_row["id"], "rule": rule.name, "article_id": job_row["article_id"],
            "version": job_row["version"], "error": outcome.error}
    (summary.failed if status == "failed" else summary.retrying).append(line)


def send_pending(store: Store, rules: Sequence[AlertRule], *, force: bool = False, jobs: int = JOBS) -> SendSummary:
    """Deliver every pending alert that is due (`force`: also those backing off after a failure)."""
    from ..reports.cache import Reports

    by_name = {rule.name: rule for rule in rules}
    summary = SendSummary()
    rows = queue.due(store, list(by_name), force=force)
    if not rows:
        return summary
    reports = {cosmetic: Reports(store, cosmetic=cosmetic) for cosmetic in (False, True)}
    pictures: dict[int, Picture] = {}
    in_flight: dict[Future[Outcome], tuple[dict[str, Any], AlertRule]] = {}
    with _watching() as watch, ThreadPoolExecutor(jobs) as pool:
        def settle(block: bool) -> None:
            done, _ = wait(list(in_flight), return_when=FIRST_COMPLETED) if block else (
                [f for f in in_flight if f.done()], None)
            for future in done:
                row, rule = in_flight.pop(future)
                _record(store, row, rule, future.result(), summary)

        for row in rows:
            rule = by_name[row["rule"]]
            # One transaction a turn, not one per write: the outcomes that came in meanwhile and this alert's
            # report (cached as it is diffed) commit together, a few milliseconds after the sends ended.
            with store.write():
                settle(False)
                try:
                    job = _job(store, reports, row, rule, pictures)
                except (DamagedHistory, LookupError) as exc:
                    _record(store, row, rule, Outcome(str(exc)), summary)
                    continue
                if job is None:
                    store.mark_alert_skipped(row["id"], "left out by the rule's filters")
                    summary.skipped += 1
                    continue
            in_flight[pool.submit(_send, job, watch)] = (row, rule)
            if len(pictures) > jobs * 2:  # alerts of one version are queued together: older pictures are done
                pictures.pop(next(iter(pictures)))
            while len(in_flight) >= jobs * 2:  # bounded: pictures and messages of a few alerts at a time
                settle(True)
        while in_flight:
            settle(True)
    return summary


def send_test(store: Store, rule: AlertRule) -> tuple[Outcome, str]:
    """One message to a rule's targets, built from the latest stored edit (or a built-in sample), not
    queued: says whether the channel works. Returns the outcome and which edit was sent."""
    from ..reports.cache import Reports

    reports = {cosmetic: Reports(store, cosmetic=cosmetic) for cosmetic in (False, True)}
    edit = store.latest_edit()
    with _watching() as watch:
        if edit is None:
            job = _sample_job(rule)
            described = "a built-in sample edit"
        else:
            anything = replace(rule, filter=Filter(min_changed=0, cosmetic=True))  # a test takes any edit
            row = {"id": 0, "version_id": edit.version_id, "version": edit.number, "article_id": edit.article_id}
            job = _job(store, reports, row, anything, {}) or _sample_job(rule)
            described = f"article {edit.article_id} version {edit.number}"
        return _send(job, watch), described


def _sample_job(rule: AlertRule) -> _Job:
    """A real report of a small built-in edit, for `alerts test` on a database with none."""
    from ..diff import diff_records
    from ..model import ArticleRecord
    from ..render.edits import ArticleRef, VersionRef
    from ..render.picture import render_picture
    from ..reports import Report

    old = ArticleRecord(paragraphs=("Fighting left up to 19 dead, officials said.",), title="Sample: toll rises",
                        source="newsdiff", captured_at="2026-01-01T12:00:00Z")
    new = ArticleRecord(paragraphs=("Fighting left up to 21 dead, officials said on Monday.",),
                        title="Sample: toll rises", source="newsdiff", captured_at="2026-01-01T14:00:00Z")
    report = Report.of(diff_records(old, new)).packed()
    edit = Edit(ArticleRef(0, "local:sample", None, "newsdiff", old.title),
                VersionRef(0, 1, old.captured_at or "", old.title, ""),
                VersionRef(0, 2, new.captured_at or "", new.title, ""), report)
    picture = render_picture(report, headline=new.title or "", outlet="newsdiff",
                             when="2026-01-01 14:00 UTC") if rule.image else None
    return _Job({"id": 0}, rule, edit, picture, "")
