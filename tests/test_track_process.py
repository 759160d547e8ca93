"""Real `newsdiff poll` processes: overlapping runs and runs killed part-way."""

from __future__ import annotations

import os
import pty
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from newsdiff.store import Store
from newsdiff.track.poll import PollBusy, poll_lock
from newsdiff.track.registry import add_feed

from .track_server import Handler, Outlet, page

ARTICLES = 20

LIMITS = """
[fetch]
jobs = 2
per_host = 2
retries = 0
"""


def text_page(i: int) -> str:
    return f"Story {i}\n\n" + "\n\n".join(f"Paragraph {j} of story {i} says something new." for j in range(5))


@pytest.fixture
def outlet(db_path: Path) -> Iterator[Outlet]:
    (db_path.parent / "newsdiff.toml").write_text(LIMITS, encoding="utf-8")
    with Outlet() as running:
        items = "".join(f"<item><title>Story {i}</title><link>{running.url(f'/{i}')}</link></item>"
                        for i in range(ARTICLES))
        running.routes["/feed"] = page(f'<rss version="2.0"><channel><title>F</title>{items}</channel></rss>',
                                       content_type="application/rss+xml")
        for i in range(ARTICLES):
            running.routes[f"/{i}"] = page(text_page(i), delay=0.04)
        store = Store.open(db_path)
        add_feed(store, running.url("/feed"))
        store.close()
        yield running


def newsdiff(db_path: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "newsdiff", "--db", str(db_path), *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def versions(db_path: Path) -> list[tuple[int, int]]:
    """(article, number of versions) for every article; read while a poll may be writing."""
    with sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=10) as db:
        return db.execute("SELECT a.id, count(v.id) FROM articles a LEFT JOIN versions v ON v.article_id = a.id "
                          "GROUP BY a.id").fetchall()


def wait_for(condition, timeout: float = 20.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.02)


def test_a_second_poll_exits_75_and_a_waiting_one_runs_after(db_path: Path, outlet: Outlet) -> None:
    release = threading.Event()

    def held(handler: Handler) -> None:  # keeps the first poll running until the others have tried
        release.wait(30)
        page(text_page(0))(handler)

    outlet.routes["/0"] = held
    first = newsdiff(db_path, "poll", "--json")
    wait_for(lambda: outlet.hits["/0"] == 1)
    assert Path(f"{db_path.resolve()}.poll-lock").read_text() == str(first.pid)

    second = newsdiff(db_path, "poll")
    out, err = second.communicate(timeout=20)
    assert second.returncode == 75 and out == ""
    assert err.splitlines() == [f"newsdiff: another poll (pid {first.pid}) is running on {db_path}"]

    waiting = newsdiff(db_path, "poll", "--wait", "--json")
    time.sleep(0.3)
    assert waiting.poll() is None  # blocked on the lock, not failed
    release.set()
    out, err = first.communicate(timeout=30)
    assert first.returncode == 0, err
    waited, err = waiting.communicate(timeout=30)
    assert waiting.returncode == 0, err
    assert f'"new_versions": {ARTICLES}' in out and '"new_versions": 0' in waited
    assert sorted(n for _, n in versions(db_path)) == [1] * ARTICLES


def test_the_lock_holds_however_the_database_path_is_spelled(db_path: Path, tmp_path: Path) -> None:
    Store.open(db_path).close()
    (tmp_path / "sub").mkdir()
    link = tmp_path / "sub" / "link.db"
    link.symlink_to(db_path)
    with poll_lock(db_path):
        for other in (link, tmp_path / "sub" / ".." / db_path.name):
            with pytest.raises(PollBusy) as busy, poll_lock(other):
                pass
            assert str(busy.value) == f"another poll (pid {os.getpid()}) is running on {other}"


@pytest.mark.parametrize("kill_after_versions", [0, 5])
def test_a_poll_killed_part_way_leaves_a_sound_database(db_path: Path, outlet: Outlet,
                                                        kill_after_versions: int) -> None:
    victim = newsdiff(db_path, "poll")
    if kill_after_versions:
        wait_for(lambda: sum(n for _, n in versions(db_path)) >= kill_after_versions)
    else:
        wait_for(lambda: outlet.hits["/feed"] == 1)
    victim.send_signal(signal.SIGKILL)
    victim.communicate(timeout=10)
    assert victim.returncode == -signal.SIGKILL
    stored = sum(n for _, n in versions(db_path)) if kill_after_versions else 0
    assert stored < ARTICLES, "the poll finished before it could be killed"

    with sqlite3.connect(db_path) as db:
        assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert db.execute("PRAGMA foreign_key_check").fetchall() == []

    after = newsdiff(db_path, "poll", "--now", "--json")
    out, err = after.communicate(timeout=60)
    assert after.returncode == 0, err
    assert sorted(n for _, n in versions(db_path)) == [1] * ARTICLES


def test_on_a_terminal_a_progress_bar_then_one_summary_line(db_path: Path, outlet: Outlet) -> None:
    leader, follower = pty.openpty()
    run = subprocess.Popen([sys.executable, "-m", "newsdiff", "--db", str(db_path), "poll"],
                           stdin=follower, stdout=follower, stderr=follower, env={**os.environ, "TERM": "xterm"})
    os.close(follower)
    screen = bytearray()
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the terminal closed with the process
            break
        if not chunk:
            break
        screen += chunk
    os.close(leader)
    assert run.wait(timeout=30) == 0
    text = screen.decode("utf-8", "replace")
    assert f"{ARTICLES}/{ARTICLES}" in text and "articles" in text  # the bar, counting articles
    assert (f"1 feed (0 not modified), {ARTICLES} new articles; "
            f"checked {ARTICLES} articles: {ARTICLES} new versions") in text


def test_poll_loop_keeps_reading_the_feeds_until_sigterm(db_path: Path, outlet: Outlet) -> None:
    worker = newsdiff(db_path, "poll", "--loop", "--every", "0.5", "--json")
    wait_for(lambda: sorted(n for _, n in versions(db_path)) == [1] * ARTICLES, timeout=60)
    items = "".join(f"<item><title>Story {i}</title><link>{outlet.url(f'/{i}')}</link></item>"
                    for i in range(ARTICLES + 1))
    outlet.routes[f"/{ARTICLES}"] = page(text_page(ARTICLES))
    outlet.routes["/feed"] = page(f'<rss version="2.0"><channel><title>F</title>{items}</channel></rss>',
                                  content_type="application/rss+xml")
    wait_for(lambda: len(versions(db_path)) == ARTICLES + 1 and all(n == 1 for _, n in versions(db_path)), timeout=30)
    read = outlet.hits["/feed"]
    wait_for(lambda: outlet.hits["/feed"] > read)  # the poll that found it has reported and the next begun
    assert worker.poll() is None  # still running
    worker.send_signal(signal.SIGTERM)
    out, err = worker.communicate(timeout=30)
    assert worker.returncode == 0, err
    assert outlet.hits["/0"] == 1  # nothing re-fetched before it was due
    assert out.count('"new_versions"') >= 2  # one report per poll


def test_poll_loop_every_zero_waits_between_polls_instead_of_spinning(db_path: Path) -> None:
    """The shortest wait between polls once gave way to `--every 0s`: the worker polled back to back,
    a core busy for nothing."""
    worker = newsdiff(db_path, "poll", "--loop", "--every", "0s", "--json")
    time.sleep(3.5)
    worker.send_signal(signal.SIGTERM)
    out, err = worker.communicate(timeout=30)
    assert worker.returncode == 0, err
    assert 1 <= out.count('"new_versions"') <= 5, out.count('"new_versions"')  # one a second at most


def test_every_goes_with_loop(cli) -> None:  # type: ignore[no-untyped-def]
    result = cli("poll", "--every", "5m")
    assert result.code == 2 and "--every goes with --loop" in result.stderr


def test_base_url_goes_with_publish(cli) -> None:  # type: ignore[no-untyped-def]
    result = cli("poll", "--base-url", "https://edits.example.org/")  # once a poll that published nothing, exit 0
    assert (result.code, result.stderr) == (2, "newsdiff: --base-url goes with --publish DIR (the site it refreshes)\n")
