"""Alerts end to end: rules, the queue written with each version, delivery to a local webhook and a fake
Mastodon, retries, the message within each service's limit, and the picture."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from newsdiff.alerts import social
from newsdiff.alerts.message import Profile, compose
from newsdiff.diff import diff_records
from newsdiff.model import ArticleRecord, format_time
from newsdiff.render.edits import ArticleRef, Edit, VersionRef
from newsdiff.reports import Report
from newsdiff.store import Store

from .alerts_server import FakeMastodon, Receiver

OLD = "Toll rises\n\nFighting left up to 19 dead in the city, officials said.\n\nThe mayor spoke on Monday.\n"
NEW = "Toll rises\n\nFighting left up to 21 dead in the city, officials said.\n\nThe mayor spoke on Monday.\n"
NEWER = "Toll rises\n\nFighting left up to 23 dead in the city, officials said.\n\nThe mayor spoke on Tuesday.\n"
URL = "https://example.org/a"


@pytest.fixture
def hook() -> Iterator[Receiver]:
    with Receiver() as running:
        yield running


def configure(db_path: Path, *rules: dict[str, Any]) -> None:
    """newsdiff.toml beside the database with these [[alerts]] tables."""
    lines = []
    for rule in rules:
        lines.append("[[alerts]]")
        lines += [f"{key} = {json.dumps(value)}" for key, value in rule.items()]
    (db_path.parent / "newsdiff.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")


def webhook(hook: Receiver, **extra: Any) -> dict[str, Any]:
    return {"name": "desk", "url": f"json://127.0.0.1:{hook.port}/hook", **extra}


@pytest.fixture
def cli(any_cli):
    """Every command-line alert test here runs on SQLite and on PostgreSQL alike."""
    return any_cli


def store_versions(cli: Callable[..., Any], tmp_path: Path, *texts: str, source: str = "reuters",
                   captured: list[str] | None = None) -> None:
    for i, text in enumerate(texts):
        path = tmp_path / f"v{i}.txt"
        path.write_text(text, encoding="utf-8")
        args = ["import", str(path), "--url", URL, "--source", source]
        if captured:
            args += ["--captured-at", captured[i]]
        result = cli(*args)
        assert result.code == 0, result


def queue_rows(db: str) -> list[dict[str, Any]]:
    """The alert queue, oldest first, as the store reads it on either backend."""
    store = Store.open(db)
    try:
        return store.alerts_with_status("pending", "sent", "skipped", "failed")
    finally:
        store.close()


# -- delivery ------------------------------------------------------------------------------------


def test_each_matching_version_reaches_the_webhook_once_with_its_change(cli, db_path: Path, tmp_path: Path,
                                                                         hook: Receiver, any_db: str) -> None:
    configure(db_path, webhook(hook))
    store_versions(cli, tmp_path, OLD, NEW, NEWER)
    assert [r["status"] for r in queue_rows(any_db)] == ["pending", "pending"]  # versions 2 and 3, not 1
    result = cli("alerts", "send", "--json")
    assert result.code == 0, result
    assert result.json["sent"] == 2
    messages = hook.messages()
    assert len(messages) == 2
    bodies = sorted(m["message"] for m in messages)
    assert any("[-19-]{+21+}" in b for b in bodies) and any("[-21-]{+23+}" in b for b in bodies)
    assert all("reuters" in b and URL in b for b in bodies)
    assert all(m["attachments"] and m["attachments"][0]["mimetype"] == "image/png" for m in messages)
    assert cli("alerts", "send").code == 0
    assert cli("poll").code == 0  # poll delivers too, and finds nothing more to send
    assert len(hook.received) == 2
    assert [r["status"] for r in queue_rows(any_db)] == ["sent", "sent"]


def test_only_versions_captured_after_the_rule_appeared_alert(cli, db_path: Path, tmp_path: Path,
                                                              hook: Receiver, any_db: str) -> None:
    store_versions(cli, tmp_path, OLD, NEW)  # before any rule
    configure(db_path, webhook(hook))
    past = format_time(datetime.now(timezone.utc) - timedelta(days=30))
    store_versions(cli, tmp_path, NEWER, captured=[past])  # a back-dated capture: history, not news
    assert queue_rows(any_db) == []
    assert cli("alerts", "send").code == 0
    assert hook.received == []
    later = tmp_path / "later.txt"
    later.write_text(NEWER.replace("Tuesday", "Wednesday"), encoding="utf-8")
    assert cli("import", str(later), "--url", URL).code == 0
    assert len(queue_rows(any_db)) == 1


@pytest.mark.parametrize("rule, sent", [
    ({"tags": ["correction"]}, 0),
    ({"tags": ["number"]}, 1),
    ({"sources": ["bbc"]}, 0),
    ({"sources": ["reuters"]}, 1),
    ({"min_changed": 2}, 0),
    ({"min_changed": 1}, 1),
])
def test_rule_filters(cli, db_path: Path, tmp_path: Path, hook: Receiver, rule: dict[str, Any], sent: int) -> None:
    configure(db_path, webhook(hook, **rule))
    store_versions(cli, tmp_path, OLD, NEW)
    result = cli("alerts", "send", "--json")
    assert result.code == 0, result
    assert len(hook.received) == sent
    assert result.json["sent"] == sent


def test_cosmetic_only_edits_alert_only_when_the_rule_asks(cli, db_path: Path, tmp_path: Path, hook: Receiver,
                                                           any_db: str) -> None:
    configure(db_path, webhook(hook), webhook(hook, name="all", cosmetic=True))
    store_versions(cli, tmp_path, OLD.replace("The mayor", "The mayor's office"),
                   OLD.replace("The mayor", "The mayor’s office"))
    result = cli("alerts", "send", "--json")
    assert result.json["sent"] == 1 and result.json["skipped"] == 1
    assert {r["rule"]: r["status"] for r in queue_rows(any_db)} == {"desk": "skipped", "all": "sent"}


@pytest.mark.parametrize("rule, message", [
    ({"name": "desk", "url": "json://127.0.0.1/x", "colour": "red"}, "alerts 'desk': unknown key 'colour'"),
    ({"name": "desk", "url": "json://127.0.0.1/x", "tags": ["numbers"]}, "alerts 'desk': tags: unknown tag 'numbers'"),
    ({"name": "desk", "url": "nosuchservice://x"}, "alerts 'desk': url: Apprise does not accept this URL"),
    ({"name": "desk", "url": "json://${NEWSDIFF_TEST_UNSET}@127.0.0.1/x"},
     "alerts 'desk': url: environment variable NEWSDIFF_TEST_UNSET is not set"),
    ({"name": "desk", "url": "mastodons://example.social"}, "alerts 'desk': url: expected mastodons://TOKEN@HOST"),
    ({"name": "desk", "url": "json://127.0.0.1/x", "min_changed": -1}, "alerts 'desk': min_changed"),
])
def test_bad_rules_are_one_line_errors_naming_rule_and_key(cli, db_path: Path, tmp_path: Path,
                                                           rule: dict[str, Any], message: str) -> None:
    configure(db_path, rule)
    page = tmp_path / "a.txt"
    page.write_text(OLD, encoding="utf-8")
    for args in (["import", str(page)], ["alerts", "list"]):
        result = cli(*args)
        assert result.code == 1
        assert message in result.stderr and result.stderr.count("\n") == 1, result


def test_duplicate_rule_names_are_an_error(cli, db_path: Path) -> None:
    configure(db_path, {"name": "desk", "url": "json://127.0.0.1/x"}, {"name": "desk", "url": "json://127.0.0.1/y"})
    result = cli("alerts", "list")
    assert result.code == 1 and "alerts 'desk': name: used by more than one rule" in result.stderr


def test_secrets_never_reach_the_database_or_any_output(cli, db_path: Path, tmp_path: Path, hook: Receiver,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSDIFF_TEST_TOKEN", "s3cret-token")
    configure(db_path, {"name": "desk", "url": f"json://user:${{NEWSDIFF_TEST_TOKEN}}@127.0.0.1:{hook.port}/hook"})
    hook.answers = [(500, {})]
    store_versions(cli, tmp_path, OLD, NEW)
    sent = cli("alerts", "send", "--json")
    assert sent.code == 2 and "HTTP 500" in sent.json["retrying"][0]["error"]
    listed = cli("alerts", "list", "--json")
    assert listed.json["rules"][0]["urls"][0].startswith("json://user:****@127.0.0.1")
    for output in (sent.stdout, sent.stderr, listed.stdout, listed.stderr, cli("alerts", "list").stdout):
        assert "s3cret" not in output
    cli("check")
    for file in db_path.parent.glob("test.db*"):
        assert b"s3cret" not in file.read_bytes()


def test_a_failed_send_backs_off_and_alerts_send_now_sends_it_once(cli, db_path: Path, tmp_path: Path,
                                                                   hook: Receiver, any_db: str) -> None:
    configure(db_path, webhook(hook))
    hook.answers = [(500, {})]
    store_versions(cli, tmp_path, OLD, NEW)
    failed = cli("alerts", "send")
    assert failed.code == 2 and "will retry" in failed.stderr
    [row] = queue_rows(any_db)
    assert row["status"] == "pending" and row["attempts"] == 1 and "500" in row["last_error"]
    assert cli("alerts", "send").code == 0  # still backing off: nothing sent
    assert len(hook.received) == 1
    assert cli("alerts", "send", "--now").code == 0
    assert cli("alerts", "send", "--now").code == 0
    assert len(hook.received) == 2
    assert queue_rows(any_db)[0]["status"] == "sent"


def test_429_with_retry_after_is_waited_out_even_by_send_now(cli, db_path: Path, tmp_path: Path,
                                                             hook: Receiver, any_db: str) -> None:
    configure(db_path, webhook(hook))
    hook.answers = [(429, {"Retry-After": "3600"})]
    store_versions(cli, tmp_path, OLD, NEW)
    assert cli("alerts", "send").code == 2
    [row] = queue_rows(any_db)
    assert "429" in row["last_error"]
    wait = datetime.fromisoformat(row["not_before"].replace("Z", "+00:00")) - datetime.now(timezone.utc)
    assert timedelta(minutes=59) < wait <= timedelta(hours=1)
    assert cli("alerts", "send", "--now").code == 0
    assert len(hook.received) == 1


def test_an_alert_failing_for_a_day_is_given_up_and_check_lists_it(cli, db_path: Path, tmp_path: Path,
                                                                   hook: Receiver, any_db: str) -> None:
    configure(db_path, webhook(hook))
    hook.answers = [(500, {})]
    store_versions(cli, tmp_path, OLD, NEW)
    store = Store.open(any_db)
    with store.write():  # queued a day and a minute ago
        store.db.execute("UPDATE alerts SET queued_at = ?",
                         [format_time(datetime.now(timezone.utc) - timedelta(days=1, minutes=1))])
    store.close()
    result = cli("alerts", "send")
    assert result.code == 2 and "given up" in result.stderr
    assert queue_rows(any_db)[0]["status"] == "failed"
    assert cli("alerts", "send", "--now").code == 0 and len(hook.received) == 1  # never sent again
    listed = cli("alerts", "list", "--json").json
    assert [a["status"] for a in listed["alerts"]] == ["failed"]
    check = cli("check")
    assert check.code == 1 and "alert 1 (desk) given up after 1 attempts" in check.stdout


def test_a_process_killed_before_recording_a_send_delivers_next_time(db_path: Path, tmp_path: Path,
                                                                     hook: Receiver, cli, any_db: str) -> None:
    configure(db_path, webhook(hook))
    store_versions(cli, tmp_path, OLD, NEW)
    hook.hold.set()
    process = subprocess.Popen([sys.executable, "-m", "newsdiff", "--db", any_db, "--config",
                                str(db_path.parent / "newsdiff.toml"), "alerts", "send"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        assert hook.arrived.wait(60)
        os.kill(process.pid, signal.SIGKILL)
        process.wait(10)
    finally:
        hook.hold.clear()
    assert queue_rows(any_db)[0]["status"] == "pending"
    assert cli("alerts", "send").code == 0
    assert len(hook.received) == 2  # at least once: the interrupted send, then the delivery that counts
    assert queue_rows(any_db)[0]["status"] == "sent"


def test_alerts_test_sends_a_sample_then_the_latest_edit(cli, db_path: Path, tmp_path: Path, hook: Receiver,
                                                         any_db: str) -> None:
    configure(db_path, webhook(hook))
    store_versions(cli, tmp_path, OLD)
    result = cli("alerts", "test", "desk")
    assert result.code == 0 and "built-in sample" in result.stdout
    assert "[-19-]{+21+}" in hook.messages()[0]["message"]
    store_versions(cli, tmp_path, NEWER)
    result = cli("alerts", "test", "desk")
    assert result.code == 0 and "article 1 version 2" in result.stdout
    assert "[-19-]{+23+}" in hook.messages()[1]["message"]
    assert queue_rows(any_db)[0]["status"] == "pending"  # a test sends outside the queue
    doc = cli("alerts", "test", "desk", "--json").json
    assert doc["rule"] == "desk" and "article 1 version 2" in doc["sent"] and len(doc["to"]) == 1
    assert len(hook.messages()) == 3
    assert cli("alerts", "test", "nobody").code == 1


# -- poll ----------------------------------------------------------------------------------------


def test_poll_delivers_after_storing_unless_told_not_to(cli, db_path: Path, hook: Receiver, any_db: str) -> None:
    from .track_server import Outlet, page

    configure(db_path, webhook(hook))
    with Outlet() as outlet:
        outlet.routes["/story"] = page(OLD)
        assert cli("track", outlet.url("/story"), "--source", "reuters").code == 0
        assert cli("poll", "--now").code == 0
        outlet.routes["/story"] = page(NEW)
        result = cli("poll", "--now", "--no-alerts", "--json")
        assert result.code == 0 and result.json["new_versions"] == 1 and "alerts" not in result.json
        assert hook.received == [] and queue_rows(any_db)[0]["status"] == "pending"
        outlet.routes["/story"] = page(NEWER)
        result = cli("poll", "--now", "--json")
        assert result.code == 0 and result.json["alerts"]["sent"] == 2
    assert len(hook.received) == 2


# -- Mastodon and Bluesky --------------------------------------------------------------------------


def test_mastodon_gets_a_status_within_500_characters_with_the_picture_and_its_description(
        cli, db_path: Path, tmp_path: Path) -> None:
    long = NEW.replace("officials said.", "officials said. " + "Rescue teams worked through the night. " * 40)
    with FakeMastodon() as mastodon:
        configure(db_path, {"name": "social", "url": f"mastodon://sekrit-token@127.0.0.1:{mastodon.port}"})
        store_versions(cli, tmp_path, OLD, long)
        result = cli("alerts", "send", "--json")
        assert result.code == 0, result
        [status] = mastodon.statuses
        [media] = mastodon.media
    text = status["status"]
    assert social.mastodon_length(text) <= 500 and URL in text and "[-19-]{+21+}" in text
    assert status["media_ids[]"] == ["77"]
    assert media["file"].startswith(b"\x89PNG")
    assert "19" in media["description"] and "21" in media["description"] and "Toll rises" in media["description"]
    assert "sekrit" not in result.stdout + result.stderr


def test_a_mastodon_server_that_cannot_be_reached_is_one_plain_error_and_a_retry(cli, db_path: Path,
                                                                                    tmp_path: Path) -> None:
    with socket.socket() as closed:  # a port nothing listens on
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    configure(db_path, {"name": "social", "url": f"mastodon://sekrit-token@127.0.0.1:{port}"})
    store_versions(cli, tmp_path, OLD, NEW)
    result = cli("alerts", "send", "--json")
    [retrying] = result.json["retrying"]
    assert result.code == 2 and "MastodonNetworkError" in retrying["error"] and "Recursion" not in retrying["error"]
    assert "sekrit" not in result.stdout + result.stderr


def test_bluesky_post_fits_300_graphemes_links_its_urls_and_describes_the_picture(
        monkeypatch: pytest.MonkeyPatch) -> None:
    posted: dict[str, Any] = {}

    class Client:
        def login(self, handle: str, password: str) -> None:
            posted["login"] = (handle, password)

        def send_image(self, text: Any, image: bytes, image_alt: str) -> None:
            posted.update(text=text, image=image, alt=image_alt)

    import atproto

    monkeypatch.setattr(atproto, "Client", Client)
    edit = _edit("Toll rises", "Fighting left up to 19 dead. " + "Ещё 🇺🇦 подробности. " * 60,
                 "Toll rises", "Fighting left up to 21 dead. " + "Ещё 🇺🇦 подробности. " * 60)
    from newsdiff.render.picture import render_picture

    picture = render_picture(edit.report, headline="Toll rises", outlet="reuters", when="2026-01-01 14:00 UTC")
    target = social.account("bluesky://desk.example.org:app-pass-word")
    message = compose(edit, social.BLUESKY, base_url="https://example.org/site/")
    social.post_bluesky(target, message, picture)
    assert posted["login"] == ("desk.example.org", "app-pass-word")
    built = posted["text"]
    assert social.graphemes(built.build_text()) <= 300
    assert [f.features[0].uri for f in built.build_facets()] == [URL, "https://example.org/site/a/1/1-2.html"]
    assert posted["image"] == picture.png and "became" in posted["alt"]


def test_apprise_style_bluesky_and_mastodon_urls() -> None:
    assert social.account("bluesky://desk@app-pass").server == "desk.bsky.social"
    assert social.account("mastodons://tok@example.social").server == "https://example.social"
    assert social.account("mastodon://tok@127.0.0.1:8080").shown == "mastodon://****@127.0.0.1:8080"


# -- the message ---------------------------------------------------------------------------------


def _edit(old_title: str, old_text: str, new_title: str, new_text: str, source: str = "reuters") -> Edit:
    old = ArticleRecord(paragraphs=(old_text,), title=old_title, source=source, captured_at="2026-01-01T12:00:00Z")
    new = ArticleRecord(paragraphs=(new_text,), title=new_title, source=source, captured_at="2026-01-01T14:00:00Z")
    report = Report.of(diff_records(old, new)).packed()
    return Edit(ArticleRef(1, URL, URL, source, new_title), VersionRef(1, 1, old.captured_at or "", old_title, "a"),
                VersionRef(2, 2, new.captured_at or "", new_title, "b"), report)


HOSTILE_TITLE = "<script>alert(1)</script> @everyone [win](http://evil.example) \u202eevil"
HOSTILE = ("Officials said 19 died. " "<img src=x onerror=alert(1)> @here @channel [click](https://evil.example/x) "
           "see www.evil.example \u202etxet desrever " + "word " * 2500 + "end.")


@pytest.mark.parametrize("profile", [
    Profile("text", 500, social.mastodon_length), Profile("text", 300, social.graphemes),
    Profile("markdown", 2000), Profile("html", 4000), Profile("text", 32768, len, 250),
])
def test_hostile_text_arrives_inert_and_within_the_limit(profile: Profile) -> None:
    edit = _edit(HOSTILE_TITLE, HOSTILE, HOSTILE_TITLE + " 2", HOSTILE.replace("19 died", "21 died"))
    message = compose(edit, profile, base_url="https://example.org/site/")
    body = message.body
    assert profile.measure(body) <= profile.limit
    assert URL in body and "https://example.org/site/a/1/1-2.html" in body  # links always kept
    # What would be markup in the format: plain text shows it all as text, HTML shows Markdown as text.
    markup = {"text": (), "html": ("<script", "<img"), "markdown": ("<script", "<img", "](http")}[profile.format]
    for bad in ("@everyone", "@here", "@channel", "http://evil", "https://evil", "www.evil", "\u202e", *markup):
        assert bad not in body and bad not in message.title
    if profile.limit >= 500:  # Bluesky's 300 holds the headline's change, the links and a count of the rest
        assert "21" in body
    if profile.format == "html":
        assert "<ins>21</ins>" in body
    if profile.format == "markdown":
        assert "**21**" in body and "\\[click\\]" in body or "click" not in body


def test_shortening_keeps_whole_words_and_marks_gaps() -> None:
    words = " ".join(f"w{i}" for i in range(300))
    edit = _edit("T", f"{words} 19 {words}.", "T", f"{words} 21 {words}.")
    message = compose(edit, Profile("text", 500, social.mastodon_length))
    change = next(line for line in message.body.splitlines() if "[-19-]" in line)
    assert "…" in change and "{+21+}" in change
    tokens = change.replace("…", " ").replace("[-19-]{+21+}", " ").replace("•", " ").split()
    assert all(t.startswith("w") and t[1:].isdigit() and int(t[1:]) < 300 for t in tokens)


def test_many_changes_are_counted_when_they_do_not_fit() -> None:
    old = " ".join(f"Sentence {i} says {i} people came." for i in range(40))
    new = " ".join(f"Sentence {i} says {i + 1} people came." for i in range(40))
    message = compose(_edit("T", old, "T", new), Profile("text", 500, social.mastodon_length))
    assert social.mastodon_length(message.body) <= 500
    assert "more changes" in message.body and URL in message.body


# -- filters for readers ---------------------------------------------------------------------------


def test_feed_and_published_feeds_take_the_rule_keys(cli, db_path: Path, tmp_path: Path) -> None:
    wording = NEW.replace("officials said", "officials claimed")
    store_versions(cli, tmp_path, OLD, NEW, wording)
    def items(xml: str) -> int:
        return xml.count("<item>")
    assert items(cli("feed").stdout) == 2
    numbers = cli("feed", "--tags", "number")
    assert numbers.code == 0 and items(numbers.stdout) == 1 and "[-19-]" not in numbers.stdout
    assert "21" in numbers.stdout
    assert items(cli("feed", "--tags", "wording,correction").stdout) == 1
    assert items(cli("feed", "--min-changed", "2").stdout) == 0
    bad = cli("feed", "--tags", "numbers")
    assert bad.code == 2 and "--tags: unknown tag 'numbers'" in bad.stderr
    site = tmp_path / "site"
    assert cli("publish", str(site), "--base-url", "https://example.org/", "--tags", "number").code == 0
    assert items((site / "rss.xml").read_text(encoding="utf-8")) == 1
    manifest = json.loads((site / ".newsdiff-site.json").read_text(encoding="utf-8"))
    assert manifest["settings"]["tags"] == ["number"]  # a refresh by `poll --publish` keeps the filter


def test_errors_lose_every_secret_piece_of_a_url_before_they_are_stored() -> None:
    from newsdiff.alerts.rules import alert_rules

    [rule] = alert_rules([{"name": "bot", "url": "tgram://123456789:AAHsecretTokenValue123abc/12345"}])
    [target] = rule.targets
    error = target.redact("POST https://api.telegram.org/bot123456789:AAHsecretTokenValue123abc/sendMessage: 401")
    assert "AAHsecretTokenValue123abc" not in error and "123456789" not in error and "sendMessage: 401" in error
    assert "AAHsecret" not in target.shown


def test_a_tiny_limit_keeps_the_links_and_drops_the_rest_first() -> None:
    edit = _edit("A very long headline " * 10, "Up to 19 dead.", "A very long headline " * 10, "Up to 21 dead.")
    message = compose(edit, Profile("text", 120), base_url="https://example.org/site/")
    assert len(message.body) <= 120 and message.body.endswith("https://example.org/site/a/1/1-2.html")
    assert URL in message.body and "…" in message.body


def test_an_edit_with_no_changed_sentence_still_says_what_changed() -> None:
    old = ArticleRecord(paragraphs=("Up to 19 dead.",), title="Toll", byline="By A", captured_at="2026-01-01T12:00:00Z")
    new = ArticleRecord(paragraphs=("Up to 19 dead.",), title="Toll", byline="By B", captured_at="2026-01-01T13:00:00Z")
    report = Report.of(diff_records(old, new)).packed()
    edit = Edit(ArticleRef(1, URL, URL, "wire", "Toll"), VersionRef(1, 1, old.captured_at or "", "Toll", "a"),
                VersionRef(2, 2, new.captured_at or "", "Toll", "b"), report)
    body = compose(edit, Profile("text", 500)).body
    assert body.startswith("Toll\nwire · version 1 → 2, 1 hour later\nbyline changed") and URL in body


@pytest.mark.parametrize("fmt, marked", [("markdown", "~~19~~**21**"), ("html", "<del>19</del><ins>21</ins>"),
                                         ("text", "[-19-]{+21+}")])
def test_each_service_gets_the_format_it_renders(cli, db_path: Path, tmp_path: Path, hook: Receiver,
                                                 fmt: str, marked: str) -> None:
    configure(db_path, webhook(hook, url=f"json://127.0.0.1:{hook.port}/hook?format={fmt}", image=False))
    store_versions(cli, tmp_path, OLD, NEW.replace("Fighting", "Fighting <b>@everyone</b>"))
    assert cli("alerts", "send").code == 0
    [message] = hook.messages()
    assert marked in message["message"] and "@everyone" not in message["message"]
    assert ("<b>@" not in message["message"]) is (fmt != "text")  # plain text shows the tag as text
    assert message["attachments"] == []


def test_poll_exits_2_when_an_alert_fails_and_names_it(cli, db_path: Path, tmp_path: Path, hook: Receiver) -> None:
    configure(db_path, webhook(hook))
    store_versions(cli, tmp_path, OLD, NEW)
    hook.answers = [(503, {})]
    result = cli("poll")
    assert result.code == 2 and "alert 1 (desk, article 1 version 2)" in result.stderr and "HTTP 503" in result.stderr


def test_help_imports_none_of_the_alert_libraries() -> None:
    result = subprocess.run([sys.executable, "-X", "importtime", "-m", "newsdiff", "--help"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0
    imported = {line.rsplit("|", 1)[-1].strip().split(".")[0] for line in result.stderr.splitlines() if "|" in line}
    assert "typer" in imported  # the check sees imports at all
    assert not imported & {"apprise", "PIL", "mastodon", "atproto", "requests"}
