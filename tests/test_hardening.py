"""Careless and hostile inputs met at the edges: config files, terminals, databases, imported files."""

from __future__ import annotations

import os
import shlex
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from newsdiff.store import Store

from .conftest import SEED_REUTERS


# -- config ------------------------------------------------------------------------------------------


def test_huge_config_value_fails_the_command_in_one_line(cli, tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text("[fetch]\nread_timeout = inf\n", encoding="utf-8")
    result = cli("--config", config, "poll")
    assert result.code == 1 and result.stdout == ""
    assert result.stderr.count("\n") == 1 and "fetch.read_timeout" in result.stderr


def test_a_missing_config_file_is_an_error_for_every_command(cli, tmp_path: Path) -> None:
    assert cli("import", SEED_REUTERS).code == 0
    for command in (["list"], ["stats"], ["log", "1"], ["show", "1"]):
        result = cli("--config", tmp_path / "nope.toml", *command)
        assert (result.code, result.stdout) == (1, ""), command
        assert result.stderr == f"newsdiff: config file {tmp_path / 'nope.toml'} does not exist\n"


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
def test_a_config_that_is_a_device_is_refused_not_read_without_end(db_path: Path) -> None:
    """`--config /dev/zero` was read until memory ran out (here, under a 1 GB limit, a MemoryError)."""
    import resource

    def limit_memory() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))

    run = subprocess.run([sys.executable, "-m", "newsdiff", "--db", str(db_path), "--config", "/dev/zero", "feeds",
                          "list"], capture_output=True, text=True, timeout=120, preexec_fn=limit_memory)
    assert (run.returncode, run.stdout) == (1, "")
    assert run.stderr == "newsdiff: config file /dev/zero: a device, not a file\n"


# -- terminal escapes ----------------------------------------------------------------------------------

ESCAPES = "Evil \x1b[31mRed\x1b[2J\x9b2J\x07"


def test_control_characters_from_a_feed_are_never_stored(cli, db_path: Path) -> None:
    from .track_server import Outlet, page, status

    escaped = "Evil &#x1b;[31mRed&#x1b;[2J&#7;"
    with Outlet() as outlet:
        feed = (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>{escaped}</title>'
                f"<item><title>{escaped} story</title><link>{outlet.url('/story')}</link></item></channel></rss>")
        outlet.routes["/feed"] = page(feed.encode(), content_type="application/rss+xml")
        outlet.routes["/story"] = status(503)
        assert cli("feeds", "add", outlet.url("/feed"), "--source", "evil\x1b[2J").code == 0
        cli("poll", "--json")
    feeds, articles = cli("feeds", "list").stdout, cli("list").stdout
    assert "Evil [31mRed [2J" in feeds and "Evil [31mRed [2J" in articles and "evil [2J" in articles
    assert not re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f]", feeds + articles)
    store = Store.open(db_path)
    stored = [*store.db.execute("SELECT title FROM feeds"), *store.db.execute("SELECT title FROM articles"),
              *store.db.execute("SELECT name FROM sources")]
    assert stored and not any(re.search("[\x00-\x1f\x7f-\x9f]", value) for (value,) in stored)


def test_control_characters_already_in_a_database_never_reach_the_terminal(cli, db_path: Path) -> None:
    from .conftest import on_terminal

    assert cli("import", SEED_REUTERS, "--url", "https://example.org/a").code == 0
    assert cli("feeds", "add", "https://example.org/feed", "--no-check").code == 0
    store = Store.open(db_path)
    with store.write():  # as an older newsdiff, or another program, may have left them
        store.db.execute("UPDATE feeds SET title = ?, last_error = ?", [ESCAPES, ESCAPES])
        store.db.execute("UPDATE articles SET title = ?", [ESCAPES])
        store.db.execute("UPDATE versions SET byline = ?", [ESCAPES])  # the title is hashed with the text
    store.close()
    for command in (["feeds", "list"], ["list"], ["show", "1"]):
        code, screen, stderr = on_terminal("--db", str(db_path), *command, env={**os.environ, "COLUMNS": "400"})
        assert code == 0, (command, stderr)
        assert "Red" in screen.decode() and ("Evil ␛[31mRed␛[2J" in screen.decode() or command == ["show", "1"])
        assert b"\x1b[2J" not in screen and b"\x1b[31mRed" not in screen and b"\xc2\x9b" not in screen, command
        assert b"\x07" not in screen, command
    piped = cli("list")  # a pipe to a file that is later `cat` is a terminal too
    assert "\x1b" not in piped.stdout and "Evil ␛[31mRed␛[2J�2J␇" in piped.stdout
    as_json = cli("list", "--json")
    assert "\x9b" not in as_json.stdout and as_json.json["articles"][0]["title"] == ESCAPES  # same data, escaped


def test_a_piped_table_makes_every_cell_safe_and_keeps_rows_and_columns(capsys: pytest.CaptureFixture[str]) -> None:
    from newsdiff.render import terminal

    terminal.print_table(["id", "title"], [[1, ESCAPES], [2, "tab\there\nand a line"], [None, "\x9b\x7f"]],
                         title="Table \x1b[2J")
    assert capsys.readouterr().out == ("Table ␛[2J\nid\ttitle\n1\tEvil ␛[31mRed␛[2J\ufffd2J␇\n"
                                       "2\ttab here and a line\n\t\ufffd␡\n")


# -- databases: newer schemas, read-only files ----------------------------------------------------------


def _fingerprint(path: Path) -> tuple[bytes, int]:
    return path.read_bytes(), path.stat().st_mtime_ns


def _seeded(db_path: Path, *seeds: Path) -> None:
    """A database holding `seeds`, closed (its write-ahead log checkpointed into the file)."""
    from newsdiff.importer import import_paths

    store = Store.open(db_path)
    assert not any(r.error for r in import_paths(store, seeds or [SEED_REUTERS]))
    store.close()


def test_a_database_from_a_newer_newsdiff_is_refused_for_writes_and_reads(cli, db_path: Path) -> None:
    from newsdiff.store import SchemaError
    from newsdiff.store.migrations import migrations

    _seeded(db_path)
    known = max(int(f.__name__[1:4]) for f in migrations.functions)
    store = Store.open(db_path)
    with store.write():  # what a newer version's migration leaves behind
        store.db["_sqlite_migrations"].insert({"migration_set": "newsdiff", "name": "m999_future_layout",
                                                "applied_at": "2030-01-01"})
    store.close()
    before = _fingerprint(db_path)
    message = f"newsdiff: {db_path}: made by a newer newsdiff (schema 999, this one knows {known}): upgrade newsdiff\n"
    for command in (["import", str(SEED_REUTERS)], ["track", "https://example.org/b"], ["list"], ["show", "1"],
                    ["check"], ["log", "1"], ["poll"]):
        result = cli(*command)
        assert (result.code, result.stdout, result.stderr) == (1, "", message), command
    assert _fingerprint(db_path) == before
    with pytest.raises(SchemaError):
        Store.open(db_path, readonly=True)


def test_check_and_other_readers_never_write(cli, db_path: Path) -> None:
    _seeded(db_path)
    before = _fingerprint(db_path)
    for command in (["check"], ["list"], ["show", "1"], ["stats"], ["export"]):
        result = cli(*command)
        assert result.code == 0 and "readonly" not in result.stderr, (command, result)
        assert _fingerprint(db_path) == before, command
    store = Store.open(db_path, readonly=True)
    from newsdiff.check import check

    assert check(store).ok  # FTS5's own check is a write to SQLite: it runs on a copy
    with pytest.raises(sqlite3.OperationalError, match="readonly"), store.write():
        store.db.execute("DELETE FROM versions")


def _in_read_only_folder(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run `newsdiff ARGS` where `folder` cannot be written: a read-only bind mount for root (whom file
    modes do not stop), mode 555 for anyone else."""
    command = [sys.executable, "-m", "newsdiff", *args]
    if os.geteuid() != 0:
        folder.chmod(0o555)
        try:
            return subprocess.run(command, capture_output=True, text=True, timeout=120)
        finally:
            folder.chmod(0o755)
    script = 'mount --bind "$1" "$1" && mount -o remount,ro,bind "$1" && shift && exec "$@"'
    probe = subprocess.run(["unshare", "-m", "sh", "-c", script, "sh", str(folder), "true"], capture_output=True)
    if probe.returncode != 0:
        pytest.skip("cannot make a read-only mount here")
    return subprocess.run(["unshare", "-m", "sh", "-c", script, "sh", str(folder), *command],
                          capture_output=True, text=True, timeout=120)


def test_a_database_in_a_read_only_folder_can_be_read(cli, tmp_path: Path) -> None:
    folder = tmp_path / "archive"
    folder.mkdir()
    db = folder / "news.db"
    _seeded(db, SEED_REUTERS, SEED_REUTERS.with_name("001_291a403795b47fa2.txt"))
    before = _fingerprint(db)
    for command in (["list"], ["show", "1"], ["check"], ["search", "Aleppo"], ["export"], ["stats"], ["log", "1"]):
        result = _in_read_only_folder(folder, "--db", str(db), *command)
        assert result.returncode == 0 and result.stderr == "", (command, result.stderr)
        assert result.stdout
    assert "ok: 2 articles" in _in_read_only_folder(folder, "--db", str(db), "check").stdout
    refused = _in_read_only_folder(folder, "--db", str(db), "import", str(SEED_REUTERS))
    assert refused.returncode == 1 and refused.stderr.count("\n") == 1 and "Traceback" not in refused.stderr
    assert _fingerprint(db) == before


# -- files written whole: export -o, publish's temp files -----------------------------------------------


def test_an_export_stopped_midway_leaves_the_previous_file_whole(cli, db_path: Path, tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    from newsdiff import export as exporting

    _seeded(db_path, SEED_REUTERS, SEED_REUTERS.with_name("001_291a403795b47fa2.txt"))
    out = tmp_path / "dataset.jsonl"
    assert cli("export", "-o", out).code == 0
    good = out.read_bytes()
    assert good.count(b"\n") == 2
    records = exporting.version_records

    def killed_after_one(*args: object, **kwargs: object):
        yield next(records(*args, **kwargs))
        raise KeyboardInterrupt  # as a Ctrl-C, or the machine going down, would stop it

    monkeypatch.setattr(exporting, "version_records", killed_after_one)
    cli("export", "-o", out)
    assert out.read_bytes() == good
    assert not list(tmp_path.glob(".dataset.jsonl.*"))  # no temp file left behind


def test_export_to_a_device_or_through_a_link_still_works(cli, db_path: Path, tmp_path: Path) -> None:
    _seeded(db_path)
    assert cli("export", "-o", "/dev/null").code == 0
    target = tmp_path / "real.csv"
    (tmp_path / "link.csv").symlink_to(target)
    assert cli("export", "--format", "csv", "-o", tmp_path / "link.csv").code == 0
    assert (tmp_path / "link.csv").is_symlink() and target.read_text().startswith("article_id,key,url")


def test_publish_removes_the_temp_files_a_killed_publish_left(tmp_path: Path) -> None:
    from newsdiff.publish import publish

    from .publish_helpers import story_store

    store = story_store(tmp_path / "news.db")
    site = tmp_path / "site"
    publish(store, site, base_url="https://example.org/edits/")
    article = next(p for p in site.rglob("index.html") if p.parent != site).parent
    stale = [site / ".rss.xml.k2j4_x9a.tmp", article / ".index.html.0abcdefg.tmp",
             site / ".newsdiff-site.json.zzzzzzzz.tmp"]
    kept = [site / "notes.tmp", site / ".rss.xml.tmp", site / "draft.rss.xml.abcdefgh.tmp"]
    for path in stale + kept:
        path.write_bytes(b"half a page")
        os.utime(path, (1_000_000_000, 1_000_000_000))
    fresh = site / ".atom.xml.abcdefgh.tmp"  # another publish writing right now
    fresh.write_bytes(b"being written")
    os.utime(fresh, (2_000_000_000, 2_000_000_000))
    publish(store, site, base_url="https://example.org/edits/")
    assert not any(path.exists() for path in stale)
    assert all(path.exists() for path in kept + [fresh])


# -- import: streams, devices, pipes, gzip, the database's own folder ------------------------------------


def _import(db_path: Path, *args: str, stdin: bytes | None = None,
            timeout: float = 60) -> subprocess.CompletedProcess[bytes]:
    """`newsdiff import` as its own process, so that a read that never ends fails the test instead of hanging it."""
    return subprocess.run([sys.executable, "-m", "newsdiff", "--db", str(db_path), "import", *args], input=stdin,
                          capture_output=True, timeout=timeout)


def test_devices_and_named_pipes_are_refused_in_one_line_each(db_path: Path, tmp_path: Path) -> None:
    folder = tmp_path / "inbox"
    folder.mkdir()
    os.mkfifo(folder / "pipe")
    (folder / "story.txt").write_bytes(SEED_REUTERS.read_bytes())
    for target, kind in (("/dev/zero", "a device"), (str(folder / "pipe"), "a named pipe")):
        result = _import(db_path, target)
        assert result.returncode == 1 and result.stderr.decode() == (
            f"newsdiff: {target}: {kind}, not a file (to read a stream, pipe it to `newsdiff import -`)\n")
    walked = _import(db_path, str(folder))
    assert walked.returncode == 2, walked
    assert walked.stderr.decode().splitlines() == [f"newsdiff: {folder / 'pipe'}: a named pipe, not a file "
                                                   "(to read a stream, pipe it to `newsdiff import -`)"]
    assert b"story.txt: article 1" in walked.stdout


def test_import_dash_reads_standard_input_with_the_same_cap(db_path: Path) -> None:
    result = _import(db_path, "-", "--url", "https://example.org/a", stdin=SEED_REUTERS.read_bytes())
    assert result.returncode == 0
    assert result.stdout.decode() == "-: article 1 [https://example.org/a]: stored version 1\n"
    endless = subprocess.Popen(["sh", "-c", "cat /dev/zero"], stdout=subprocess.PIPE)  # never ends
    try:
        capped = subprocess.run([sys.executable, "-m", "newsdiff", "--db", str(db_path), "import", "-"],
                                stdin=endless.stdout, capture_output=True, timeout=60)
    finally:
        endless.kill()
        endless.wait()
    assert capped.returncode == 1 and capped.stderr.decode() == "newsdiff: -: larger than 50 MB\n"


def test_a_folder_holding_the_database_imports_its_articles_and_skips_sqlite_files(tmp_path: Path) -> None:
    import gzip

    folder = tmp_path / "archive"
    folder.mkdir()
    db = folder / "newsdiff.db"
    (folder / "story.txt").write_bytes(SEED_REUTERS.read_bytes())
    page = (Path(__file__).parent.parent / "fixtures" / "readability-news" / "wapo-1" / "source.html.gz")
    (folder / "saved.html.gz").write_bytes(page.read_bytes())
    (folder / "other.sqlite3").write_bytes(b"SQLite format 3\x00" + bytes(100))
    (folder / "renamed-database").write_bytes(b"SQLite format 3\x00" + bytes(100))
    first = _import(db, str(folder))
    assert first.returncode == 0 and first.stderr == b"", first
    second = _import(db, str(folder))  # now with newsdiff.db, -wal and -shm beside the articles
    assert second.returncode == 0 and second.stderr == b"", second
    assert [line.split(":")[0] for line in second.stdout.decode().splitlines()] == [
        str(folder / "saved.html.gz"), str(folder / "story.txt")]
    shown = subprocess.run([sys.executable, "-m", "newsdiff", "--db", str(db), "show", "1", "--raw"],
                           capture_output=True, timeout=60)
    assert shown.stdout == gzip.decompress(page.read_bytes())  # the page itself is kept, not its wrapper


def test_a_gzip_bomb_is_refused_in_one_line(db_path: Path, tmp_path: Path) -> None:
    import zlib

    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    chunk = bytes(1024 * 1024)
    bomb = b"".join([*(packer.compress(chunk) for _ in range(200)), packer.flush()])  # 200 MB in about 200 KB
    (tmp_path / "page.html.gz").write_bytes(bomb)
    result = _import(db_path, str(tmp_path / "page.html.gz"))
    assert result.returncode == 1 and result.stderr.decode() == (
        f"newsdiff: {tmp_path / 'page.html.gz'}: gzip data expanding beyond 50 MB, not read\n")


def test_diff_of_two_streams_names_its_sides_old_and_new(tmp_path: Path) -> None:
    """`diff <(curl A) <(curl B)`: the files are /dev/fd/63 and /dev/fd/62, names that say nothing."""
    (tmp_path / "a.txt").write_text("Hello world. It rained.\n")
    (tmp_path / "b.txt").write_text("Hello world. It snowed.\n")
    newsdiff = shlex.join([sys.executable, "-m", "newsdiff", "--db", str(tmp_path / "none.db"), "diff"])
    result = subprocess.run(["bash", "-c", f"{newsdiff} <(cat a.txt) <(cat b.txt); {newsdiff} a.txt <(cat b.txt)"],
                            cwd=tmp_path, capture_output=True, text=True, timeout=60)
    sides = [line for line in result.stdout.splitlines() if " -> " in line]
    assert result.returncode == 0 and sides == ["old -> new", "a.txt -> new"], result


def test_diff_of_files_reads_a_pipe_but_never_a_device(tmp_path: Path) -> None:
    command = [sys.executable, "-m", "newsdiff", "--db", str(tmp_path / "none.db"), "diff"]
    device = subprocess.run([*command, "/dev/zero", str(SEED_REUTERS)], capture_output=True, timeout=60)
    assert device.returncode == 1 and device.stderr == b"newsdiff: /dev/zero: a device, not a file\n"
    os.mkfifo(tmp_path / "pipe")
    reader = subprocess.Popen([*command, str(tmp_path / "pipe"), str(SEED_REUTERS)], stdout=subprocess.PIPE)
    (tmp_path / "pipe").write_bytes(SEED_REUTERS.read_bytes())  # waits for the reader, as `<(curl ...)` does
    assert reader.communicate(timeout=60)[0].startswith(b"no changes")
