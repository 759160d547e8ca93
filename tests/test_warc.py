"""`newsdiff import` of WARC files written by warcio: pages stored at their dates, the rest skipped, damage reported."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from .warc_helpers import article_page, write_warc

URL = "https://news.example.com/2024/bridge?utm_source=rss"
CANONICAL = "https://news.example.com/2024/bridge"
FIRST = ["The old river bridge will close on Monday morning for urgent repairs, the county council said.",
         "Engineers found deep cracks in two of its stone supports during a routine inspection last week.",
         "Traffic will be sent through the town centre while the work goes on, adding ten minutes to trips.",
         "Shops on the high street said they expected more customers but worried about parking."]
SECOND = [*FIRST[:2], "Traffic will be sent along the ring road instead, adding ten minutes to trips.", *FIRST[3:],
          "The council apologised for the short notice and promised daily updates on its website."]


def _records() -> list[dict]:
    return [
        {"type": "warcinfo", "url": "", "date": "2024-03-01T09:00:00Z"},
        {"type": "request", "url": URL, "date": "2024-03-01T10:00:00Z"},
        {"url": URL, "date": "2024-03-01T10:00:00Z", "body": article_page("Bridge to close", FIRST)},
        {"type": "metadata", "url": URL, "date": "2024-03-01T10:00:01Z"},
        {"url": "https://news.example.com/logo.png", "date": "2024-03-01T10:00:02Z", "body": b"\x89PNG....",
         "content_type": "image/png"},
        {"url": "https://news.example.com/gone", "date": "2024-03-01T10:00:03Z", "body": b"<html>no</html>",
         "status": 404},
        {"url": URL, "date": "2024-03-02T08:30:00Z", "body": article_page("Bridge to close", SECOND)},
    ]


@pytest.mark.parametrize("compressed", [True, False])
def test_html_responses_become_versions_at_their_warc_dates(cli, tmp_path: Path, compressed: bool) -> None:
    warc = tmp_path / ("crawl.warc.gz" if compressed else "crawl.warc")
    write_warc(warc, _records(), gzip=compressed)
    result = cli("import", str(warc), "--json")
    assert result.code == 0, result
    [imported] = result.json["imported"]
    assert [v["outcome"] for v in imported["versions"]] == ["new", "new"]
    assert {v["url"] for v in imported["versions"]} == {CANONICAL}
    assert imported["skipped"] == {"warcinfo": 1, "request": 1, "metadata": 1, "not HTML": 1, "status 404": 1}
    log = cli("log", CANONICAL, "--json").json
    assert [v["captured_at"] for v in log["versions"]] == ["2024-03-01T10:00:00Z", "2024-03-02T08:30:00Z"]
    assert "ring road" in cli("show", CANONICAL, "--json").json["text"]
    raw = cli("show", CANONICAL, "--raw")
    assert raw.code == 0 and b"ring road" in raw.stdout.encode()
    again = cli("import", str(warc))  # a second run stores nothing new
    assert again.code == 0 and "2 unchanged" in again.stdout, again


def test_corrupt_record_in_the_middle_is_skipped_and_reading_resumes(cli, tmp_path: Path) -> None:
    records = _records()
    records.insert(3, {"url": "https://news.example.com/other", "date": "2024-03-01T11:00:00Z",
                       "body": article_page("Other story", [s.replace("bridge", "harbour") for s in FIRST])})
    for compressed in (True, False):
        warc = tmp_path / f"bad{compressed}.warc"
        offsets = write_warc(warc, records, gzip=compressed)
        data = bytearray(warc.read_bytes())
        data[offsets[3]: offsets[3] + 12] = b"\x00garbage\x00\x00\x00\x00"  # the other story's header destroyed
        warc.write_bytes(bytes(data))
        result = cli("import", str(warc), "--json")
        assert result.code == 2, result
        [imported] = result.json["imported"]
        assert [d["offset"] for d in imported["damaged"]] == [offsets[3]]
        assert {v["url"] for v in imported["versions"]} == {CANONICAL}  # both bridge pages, after the damage too
        assert len(imported["versions"]) == 2


def test_a_folder_of_warcs_and_articles_and_options_that_do_not_apply(cli, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    write_warc(folder / "a.warc.gz", _records()[:3])
    (folder / "note.txt").write_text("A plain article.\n\nIt has text.\n")
    result = cli("import", str(folder))
    assert result.code == 0, result
    assert "1 versions stored" in result.stdout and "note.txt" in result.stdout
    refused = cli("import", str(folder / "a.warc.gz"), "--url", "https://example.com/x")
    assert refused.code == 1 and "do not apply to a WARC file" in refused.stderr


def test_a_page_over_the_size_cap_is_skipped_not_read(db_path: Path, tmp_path: Path) -> None:
    from newsdiff.archive.warc import import_warc
    from newsdiff.store import Store

    warc = tmp_path / "big.warc.gz"
    write_warc(warc, [{"url": URL, "date": "2024-03-01T10:00:00Z", "body": article_page("Big", FIRST * 400)},
                      {"url": URL, "date": "2024-03-02T10:00:00Z", "body": article_page("Small", FIRST)}])
    store = Store.open(db_path)
    result = import_warc(store, warc, max_body=10_000)
    assert result.skipped == {"too large": 1}
    assert [v["captured_at"] for v in result.versions] == ["2024-03-02T10:00:00Z"]


def test_a_gzip_file_that_is_no_warc_is_read_as_the_article_it_holds(cli, tmp_path: Path) -> None:
    path = tmp_path / "x.warc.gz"
    path.write_bytes(gzip.compress(b"Harbour reopens\n\nThe harbour reopened on Monday after the storm."))
    result = cli("import", str(path), "--json")
    assert result.code == 0, result
    [imported] = result.json["imported"]
    assert (imported["format"], imported["added"]) == ("text", 1)
    assert cli("show", "1", "--json").json["paragraphs"] == ["The harbour reopened on Monday after the storm."]


def test_a_damaged_record_is_reported_without_its_control_characters(cli, tmp_path: Path) -> None:
    warc = tmp_path / "hostile.warc"
    offsets = write_warc(warc, _records(), gzip=False)
    data = bytearray(warc.read_bytes())
    data[offsets[3]: offsets[3] + 12] = b"\x00bad\x1b[2J\x07\x00\x00\x00"  # clear-screen and bell in the header
    warc.write_bytes(bytes(data))
    result = cli("import", str(warc))
    assert result.code == 2, result
    assert f"record at offset {offsets[3]}: unreadable record" in result.stderr
    assert "\x1b" not in result.stderr and "\x07" not in result.stderr and "\\x1b[2J" in result.stderr


@pytest.mark.parametrize("kept", [2, 10, 40, None])
def test_a_warc_cut_in_its_last_record_reports_it_by_offset_and_imports_the_rest(cli, tmp_path: Path,
                                                                                  kept: int | None) -> None:
    """Cut in half, or early in the last gzip member's header (where warcio stops quietly, as at a clean
    end): the record is damage named by its offset, exit 2, and the records before it are imported."""
    warc = tmp_path / "cut.warc.gz"
    offsets = write_warc(warc, _records())
    data = warc.read_bytes()
    warc.write_bytes(data[: offsets[-1] + (kept if kept is not None else (len(data) - offsets[-1]) // 2)])
    result = cli("import", str(warc), "--json")
    assert result.code == 2, result
    [imported] = result.json["imported"]
    assert [v["outcome"] for v in imported["versions"]] == ["new"]
    assert [d["offset"] for d in imported["damaged"]] == [offsets[-1]]
    assert f"cut.warc.gz: record at offset {offsets[-1]}: " in result.stderr


def test_a_warc_where_only_a_file_name_will_do_says_so(cli, tmp_path: Path) -> None:
    """Standard input, `parse` and `diff` read one document: a WARC there was once called `key: value`
    configuration lines."""
    plain, packed = tmp_path / "crawl.warc", tmp_path / "crawl.warc.gz"
    write_warc(plain, _records()[:3], gzip=False)  # text records only: the runner's standard input is text
    write_warc(packed, _records())
    piped = cli("import", "-", input=plain.read_text(encoding="utf-8"))
    assert piped.code == 1 and piped.stderr == (
        "newsdiff: -: a WARC file, not an article: `newsdiff import` reads one by its file name\n")
    for args in (["parse", str(packed)], ["diff", str(plain), str(packed)]):
        result = cli(*args)
        assert result.code == 1 and "a WARC file, not an article" in result.stderr, result
    assert cli("import", str(packed)).code == 0
