"""Raw inputs: every page a version was read from is kept byte for byte, packed against an earlier
capture of the same page, and can be had back with `show --raw`."""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import zlib
from pathlib import Path

import pytest

from newsdiff import ArticleRecord, Store
from newsdiff.check import check

from .conftest import FIXTURES, on_terminal

URL = "https://news.example/2024/bridge"
PAGE = gzip.decompress((FIXTURES / "readability-news" / "nytimes-3" / "source.html.gz").read_bytes())


def captures(count: int) -> list[bytes]:
    """The same real page as an outlet serves it over a day: each capture edits the story a little."""
    return [PAGE.replace(b"the ", f"the{' ' * n} ".encode(), n + 1) for n in range(count)]


def store_pages(store: Store, pages: list[bytes], first: int = 0) -> None:
    for n, page in enumerate(pages, start=first):
        record = ArticleRecord(paragraphs=(f"Version {n} of a story about a bridge.",), title="Bridge", url=URL)
        assert store.add_version(record, key=URL, raw=page, content_type="text/html").outcome == "new"


def raw_rows(store: Store) -> list[dict]:
    return list(store.db.query("SELECT id, size, compression, length(data) AS stored, base_id FROM raws ORDER BY id"))


def test_captures_of_one_page_are_packed_against_the_first_and_read_back_exactly(db_path: Path, cli) -> None:
    pages = captures(5)
    store = Store.open(db_path)
    store_pages(store, pages)
    rows = raw_rows(store)
    assert [r["base_id"] for r in rows] == [None, 1, 1, 1, 1]
    alone = len(zlib.compress(PAGE, 6))
    assert all(r["stored"] < alone / 20 for r in rows[1:])  # a few hundred bytes where zlib keeps 60 KB
    for number, page in enumerate(pages, start=1):
        assert cli("show", URL, "-v", str(number), "--raw").stdout_bytes == page
    assert cli("show", URL, "--raw").stdout_bytes == pages[-1]
    described = cli("show", URL, "--json").json["raw"]
    assert described == {"sha256": hashlib.sha256(pages[-1]).hexdigest(), "size": len(pages[-1]),
                         "content_type": "text/html"}
    assert check(store).ok


def test_a_page_unlike_its_base_is_packed_alone_and_becomes_the_next_base(db_path: Path) -> None:
    redesigned = os.urandom(200_000)  # nothing in common with the page before
    store = Store.open(db_path)
    store_pages(store, [PAGE, redesigned, redesigned + b"<p>more</p>"])
    assert [(r["compression"], r["base_id"]) for r in raw_rows(store)] == [
        ("zstd", None), ("zstd", None), ("zstd+base", 2)]
    assert store.raw_bytes(3) == redesigned + b"<p>more</p>"


def test_raws_stored_before_bases_existed_still_read(db_path: Path, cli) -> None:
    store = Store.open(db_path)
    store_pages(store, [PAGE])
    with store.write():  # as the store wrote raws before: zlib, alone
        store.db.execute("UPDATE raws SET compression = 'zlib', data = ? WHERE id = 1", [zlib.compress(PAGE, 6)])
    assert cli("show", URL, "--raw").stdout_bytes == PAGE
    store_pages(store, captures(2)[1:], first=1)  # a legacy raw is a base like any other
    assert raw_rows(store)[1]["base_id"] == 1
    assert cli("show", URL, "--raw").stdout_bytes == captures(2)[1]
    assert check(store).ok


def test_a_damaged_base_is_reported_for_every_raw_packed_against_it(db_path: Path, cli) -> None:
    store = Store.open(db_path)
    store_pages(store, captures(3))
    with store.write():
        store.db.execute("UPDATE raws SET data = ? WHERE id = 1", [b"\x28\xb5\x2f\xfd broken"])
    messages = [p.message for p in check(store).problems]
    assert messages[0].startswith("raw input 1 does not decompress (")
    assert messages[1:] == [f"raw input {n} cannot be read: its base {messages[0]}" for n in (2, 3)]
    result = cli("show", URL, "-v", "3", "--raw")
    assert result.code == 1 and result.stdout_bytes == b""
    assert result.stderr.strip().splitlines() == [f"newsdiff: article 1 version 3: {messages[2]}"]
    # new captures of the article are still stored, packed alone, and read back
    store_pages(store, [PAGE + b"<!-- later -->"], first=3)
    assert raw_rows(store)[-1]["base_id"] is None
    assert cli("show", URL, "--raw").stdout_bytes == PAGE + b"<!-- later -->"


def test_a_base_that_is_itself_packed_against_another_is_refused_not_followed(db_path: Path) -> None:
    store = Store.open(db_path)
    store_pages(store, captures(3))
    with store.write():  # hostile rows: 1 and 2 each other's base
        store.db.execute("UPDATE raws SET compression = 'zstd+base', base_id = 2 WHERE id = 1")
    with pytest.raises(ValueError,
                       match="raw input 2 is packed against another, so cannot be a base|raw input 1 is packed"):
        store.raw_bytes(3)
    assert not check(store).ok


def test_show_raw_errors_are_one_line(db_path: Path, cli) -> None:
    store = Store.open(db_path)
    store.add_version(ArticleRecord(paragraphs=("A story stored by a script, without its page.",), title="T"), key="k")
    for args, message in [
        (("show", "k", "--raw"), "newsdiff: the latest version of article 1 was stored without its raw input"),
        (("show", "k", "--raw", "--json"),
         "newsdiff: --raw and --json cannot be combined: --json already names the raw "
                                           "input (sha256, size, type)"),
        (("show", "k", "-v", "7", "--raw"), "newsdiff: article 1 has no version 7"),
    ]:
        result = cli(*args)
        assert result.code == 1 and result.stderr.strip().splitlines() == [message], result
    assert cli("show", "k", "--json").json["raw"] is None


def test_show_raw_refuses_a_terminal(db_path: Path) -> None:
    """A captured page may carry escape sequences: it goes to a file or a pipe, never raw to a screen."""
    store = Store.open(db_path)
    store_pages(store, [PAGE + b"\x1b]52;c;aGk=\x07"])  # an OSC 52 'set the clipboard' sequence
    store.close()
    code, screen, stderr = on_terminal("--db", str(db_path), "show", "1", "--raw")
    assert code == 1 and screen == b""
    assert stderr.startswith("newsdiff: --raw writes the page of the latest version of article 1 as captured")


def test_a_plain_text_file_that_is_its_version_is_not_kept_twice(db_path: Path, tmp_path: Path, cli) -> None:
    """Each import of an edited text file stores no second copy of it, and show --raw and export still
    give the file back byte for byte; a file the import cleaned (Markdown residue) is packed as before."""
    story = ["Fighting in Aleppo killed 23 people on Tuesday, officials said.", "The ceasefire collapsed."]
    files = []
    for n in range(3):
        path = tmp_path / f"v{n}.txt"
        path.write_text("Aleppo fighting\n\n" + "\n\n".join(story + [f"Update {n} came in the evening."]) + "\n")
        files.append(path)
    marked = tmp_path / "marked.txt"
    marked.write_text("Aleppo fighting\n\nFighting in *Aleppo* killed 24 people on Tuesday, officials said.\n")
    for n, path in enumerate([*files, marked], start=1):
        assert cli("import", str(path), "--url", URL, "--captured-at", f"2024-01-0{n}T00:00:00Z").code == 0
    assert [(r["compression"], r["stored"]) for r in raw_rows(Store.open(db_path))][:3] == [("version-text", None)] * 3
    assert raw_rows(Store.open(db_path))[3]["compression"] != "version-text"
    for n, path in enumerate([*files, marked], start=1):
        assert cli("show", URL, "--version", str(n), "--raw").stdout_bytes == path.read_bytes()
    assert [json.loads(line)["raw_sha256"] for line in cli("export").stdout.splitlines()] == [
        hashlib.sha256(p.read_bytes()).hexdigest() for p in [*files, marked]]
    assert cli("stats", "--json").json["raws"]["stored_bytes"] < marked.stat().st_size
    assert cli("check").code == 0
