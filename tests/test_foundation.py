"""The vertical slice: plain-text articles in, versions stored, listed and read back."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
import unicodedata
from datetime import datetime, timezone
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newsdiff import Store, parse_bytes
from newsdiff.model import InputError, clean_text

from .conftest import SEED_PRESSTV, SEED_REUTERS, SEED_RT, SEEDS, import_captures, on_terminal
from .newssniffer_render import Dump, render_html

URL = "https://example.org/a"


@pytest.fixture
def cli(any_cli):
    """Every command-line test here runs on SQLite and on PostgreSQL alike."""
    return any_cli


def _paragraphs(path: Path) -> list[str]:
    return list(parse_bytes(path.read_bytes()).versions[0].paragraphs)


def test_reuters_seed_caption_becomes_metadata() -> None:
    record = parse_bytes(SEED_REUTERS.read_bytes()).versions[0]
    assert record.published == "2016-05-03"
    assert record.meta["caption"].startswith("Russian Foreign Minister Sergei Lavrov (L)")
    assert record.paragraphs[0].startswith("MOSCOW The United Nations mediator on Syria")
    assert record.paragraphs[-1] == ("(Reporting by Denis Dyomkin and Polina Devitt; Writing by Andrew Osborn; "
                                     "Editing by Peter Graff)")
    assert len(record.paragraphs) == 14
    assert not any("date 2016" in p for p in record.paragraphs)


def test_rt_seed_markup_residue_is_cleaned() -> None:
    record = parse_bytes(SEED_RT.read_bytes()).versions[0]
    assert record.title == "Cessation of hostilities in Aleppo to be announced in coming hours - Lavrov"
    assert record.published == "2016-05-03"
    body = record.text
    for residue in ("*", "](#)", "---", "[@", "03/05/2016"):
        assert residue not in body
    assert '"I have a feeling and a hope that we can relaunch this," De Mistura said.' in body
    assert "@MuradoRT #Syria ceasefire won't be perfect" in body


def test_presstv_seed_lines_are_paragraphs() -> None:
    record = parse_bytes(SEED_PRESSTV.read_bytes()).versions[0]
    assert record.title is None
    assert len(record.paragraphs) == 15
    assert record.paragraphs[12] == "Germany to host talks on Syria"


def test_hard_wrapped_paragraphs_are_joined() -> None:
    text = (
        "The council met on Tuesday to discuss the budget for the coming year and\n"
        "agreed to postpone the vote until the auditors had reported back to it.\n\n"
        "A second paragraph follows here.\n"
    )
    record = parse_bytes(text.encode()).versions[0]
    assert record.paragraphs == (
        "The council met on Tuesday to discuss the budget for the coming year and agreed to postpone "
        "the vote until the auditors had reported back to it.",
        "A second paragraph follows here.",
    )


def test_import_list_log_show(cli) -> None:
    imported = cli("import", SEED_REUTERS, "--url", URL, "--source", "reuters")
    assert imported.code == 0, imported
    assert "stored version 1" in imported.stdout

    listed = cli("list", "--json").json["articles"]
    assert [(a["url"], a["source"], a["versions"]) for a in listed] == [(URL, "reuters", 1)]

    log = cli("log", URL, "--json").json
    assert [v["number"] for v in log["versions"]] == [1]
    assert log["versions"][0]["word_count"] == sum(len(p.split()) for p in _paragraphs(SEED_REUTERS))
    assert len(log["versions"][0]["content_hash"]) == 64

    shown = cli("show", URL, "--version", "1", "--json").json
    assert shown["paragraphs"] == _paragraphs(SEED_REUTERS)
    assert shown["published"] == "2016-05-03"
    assert shown["source"] == "reuters"
    # by id too, and the human form shows the paragraphs
    human = cli("show", str(log["article"]["id"]))
    assert human.code == 0 and "MOSCOW The United Nations mediator" in human.stdout


def test_an_article_is_found_by_the_url_it_was_imported_under(cli) -> None:
    # Stored without tracking parameters or fragment, yet the URL the user gave still names the article.
    given = "https://Example.org/a?utm_source=twitter#top"
    assert cli("import", SEED_REUTERS, "--url", given).stdout.endswith(f"article 1 [{URL}]: stored version 1\n")
    for command in (["show", given], ["log", given], ["feed", "--article", given]):
        result = cli(*command)
        assert result.code == 0, (command, result)
    assert cli("diff", given).stderr == "newsdiff: article 1 has only one version; nothing to compare\n"
    missing = cli("show", "https://example.org/b?utm_source=x")
    assert missing.stderr == "newsdiff: no article 'https://example.org/b?utm_source=x' in the database\n"


def test_all_seeds_round_trip_exactly(cli) -> None:
    for i, path in enumerate(sorted(SEEDS.glob("00[012]_*.txt"))):
        url = f"https://example.org/{i}"
        assert cli("import", path, "--url", url).code == 0
        assert cli("show", url, "--json").json["paragraphs"] == _paragraphs(path)


def test_reimport_is_idempotent_and_changed_text_adds_next_version(cli, tmp_path: Path) -> None:
    assert cli("import", SEED_REUTERS, "--url", URL, "--captured-at", "2026-01-01T00:00:00Z").code == 0
    again = cli("import", SEED_REUTERS, "--url", URL, "--json")
    assert again.code == 0
    assert again.json["imported"][0]["added"] == 0
    assert again.json["imported"][0]["versions"][0]["outcome"] == "same"
    assert "nothing added" in cli("import", SEED_REUTERS, "--url", URL).stdout

    edited = tmp_path / "edited.txt"
    edited.write_text(SEED_REUTERS.read_text().replace("killing or injuring dozens", "killing at least 19"))
    result = cli("import", edited, "--url", URL, "--captured-at", "2026-01-02T03:04:05+01:00", "--json")
    assert result.json["imported"][0]["versions"][0] == {
        "outcome": "new", "number": 2, "existing": None, "label": None, "reason": None, "backdated": False,
        "reader_change": False}
    versions = cli("log", URL, "--json").json["versions"]
    assert [v["number"] for v in versions] == [1, 2]
    assert versions[1]["captured_at"] == "2026-01-02T02:04:05Z"
    assert "killing at least 19" in cli("show", URL, "--json").json["text"]

    # Whitespace-only differences are the same content.
    spaced = tmp_path / "spaced.txt"
    spaced.write_text(edited.read_text().replace(" the ", "  the "))
    assert cli("import", spaced, "--url", URL, "--json").json["imported"][0]["added"] == 0

    # So are canonically equivalent characters: é composed or as e + combining accent.
    composed = tmp_path / "composed.txt"
    composed.write_text(edited.read_text() + "\nThe café stayed open.\n", encoding="utf-8")
    assert cli("import", composed, "--url", URL, "--json").json["imported"][0]["added"] == 1
    decomposed = tmp_path / "decomposed.txt"
    decomposed.write_text(composed.read_text().replace("\u00e9", "e\u0301"), encoding="utf-8")
    assert "e\u0301" in decomposed.read_text(encoding="utf-8")
    assert cli("import", decomposed, "--url", URL, "--json").json["imported"][0]["versions"][0]["outcome"] == "same"

    # The first file imported again, with no new capture time, is version 1 read again: nothing happened.
    again = cli("import", SEED_REUTERS, "--url", URL, "--json").json["imported"][0]["versions"][0]
    assert again["outcome"] == "same" and again["existing"] == 1
    assert cli("log", URL, "--json").json["events"] == []
    # Seen again later, version 1's text is a revert: recognised, not stored a third time.
    back = cli("import", SEED_REUTERS, "--url", URL, "--captured-at", "2099-01-01T00:00:00Z", "--json")
    assert back.json["imported"][0]["versions"][0]["outcome"] == "revert"
    assert back.json["imported"][0]["versions"][0]["existing"] == 1
    log = cli("log", URL, "--json").json
    assert len(log["versions"]) == 3
    assert [(e["kind"], e["detail"]["to_version"]) for e in log["events"]] == [("revert", 1)]


def test_an_earlier_capture_imported_late_takes_its_place(cli, tmp_path: Path) -> None:
    """Archives arrive out of order: versions are numbered by capture time, whatever the import order."""
    text = SEED_REUTERS.read_text()
    captures = {"2016-05-03T12:00:00Z": text, "2016-05-03T09:00:00Z": text.replace("within hours", "soon"),
                "2016-05-04T08:00:00Z": text.replace("killing or injuring dozens", "killing at least 19"),
                "2016-05-03T15:00:00Z": text + "\nThe talks resume on Friday.\n"}
    import_captures(cli, tmp_path, captures, "--url", URL)
    log = cli("log", URL, "--json").json["versions"]
    assert [v["captured_at"] for v in log] == sorted(captures)
    assert [v["number"] for v in log] == [1, 2, 3, 4]
    for number, when in enumerate(sorted(captures), 1):
        shown = cli("show", URL, "--version", str(number), "--json").json
        assert shown["captured_at"] == when
        assert shown["paragraphs"] == list(parse_bytes(captures[when].encode()).versions[0].paragraphs)
    assert cli("search", "resume", "--json").json["articles"][0]["versions"] == [3]
    stub = tmp_path / "stub.txt"  # the first minutes' stub, found later: short, but earlier, not suspect
    stub.write_text("Talks in Moscow\n\nThe UN envoy met the Russian foreign minister in Moscow on Tuesday.\n")
    first = cli("import", stub, "--url", URL, "--captured-at", "2016-05-03T08:00:00Z", "--json").json["imported"][0]
    assert first["versions"][0]["outcome"] == "new" and first["versions"][0]["number"] == 1
    assert first["versions"][0]["backdated"] is True
    assert cli("log", URL, "--json").json["versions"][1]["captured_at"] == "2016-05-03T09:00:00Z"
    assert cli("check").code == 0
    diff = cli("diff", URL, "2", "3", "--format", "json").json
    assert diff["summary"]["changed"] == 1 and diff["to"]["captured_at"] == "2016-05-03T12:00:00Z"


def test_article_without_url_gets_a_stable_key(cli) -> None:
    first = cli("import", SEED_RT, "--json").json["imported"][0]
    assert first["key"].startswith("local:")
    assert cli("import", SEED_RT, "--json").json["imported"][0]["key"] == first["key"]
    assert cli("show", first["key"], "--json").json["title"].startswith("Cessation of hostilities")


def test_folder_is_walked_and_bad_files_reported_one_line_each(cli, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "good.txt").write_bytes(SEED_PRESSTV.read_bytes())
    (folder / "empty.txt").write_bytes(b"   \n")
    (folder / "binary.bin").write_bytes(b"\x00\x01\x02\xff" * 50)
    (folder / "latin1.txt").write_bytes("Le caf\xe9 \xe9tait ferm\xe9.".encode("latin-1"))
    (folder / "feed.xml").write_bytes(b'<?xml version="1.0"?><rss version="2.0"><channel></channel></rss>')
    (folder / "data.json").write_bytes(b'{"title": "x"}')
    (folder / ".hidden").write_bytes(b"ignored")
    (folder / "people.csv").write_text("name,age,city\nJohn Smith,32,London\nMary Jones,45,Paris\nAhmed Ali,29,Cairo\n")
    (folder / "settings.yaml").write_text("name: newsdiff\nversion: 1.0\nsettings:\n  timeout: 30\n  retries: 2\n")
    (folder / "server.log").write_text("".join(
        f"2024-01-01 12:00:0{n},123 INFO Request GET /api/articles?id={n} took 35 ms on worker {n}\n"
        for n in range(4)))
    (folder / "code.py").write_text(Path(__file__).read_text(encoding="utf-8"))
    result = cli("import", folder, tmp_path / "missing.txt", "--json")
    assert result.code == 2, result  # some imported, some failed
    assert [Path(i["path"]).name for i in result.json["imported"]] == ["good.txt"]
    errors = {Path(e["path"]).name: e["error"] for e in result.json["errors"]}
    assert errors == {
        "binary.bin": "binary file, not an article",
        "data.json": "JSON, not an article",
        "empty.txt": "empty file",
        "feed.xml": "an XML feed or document, not an article (add feeds with `newsdiff feeds add`)",
        "latin1.txt": "not valid UTF-8 (byte 0xe9 at offset 6) and no encoding is declared",
        "missing.txt": "no such file",
        "people.csv": "not an article: rows of delimited data (CSV or similar)",
        "settings.yaml": "not an article: key: value lines (configuration or data)",
        "server.log": "not an article: time-stamped lines (a log)",
        "code.py": "not an article: lines of source code",
    }
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 10 and all(line.startswith("newsdiff: ") for line in lines)
    assert any("missing.txt: no such file" in line for line in lines)


@pytest.mark.parametrize("workers", ["one file, in place", "a folder, in worker processes"])
def test_a_page_the_extractor_chokes_on_costs_its_file_alone(cli, tmp_path: Path, workers: str) -> None:
    """An og:url with an unclosed IPv6 bracket once made urljoin raise inside extraction: the whole
    import (every other file of the folder too) and `parse` stopped with a traceback or urllib's words.
    Whatever the extractor makes of such a page, it is that file's outcome."""
    folder = tmp_path / "in"
    folder.mkdir()
    hostile = folder / "a.html"
    hostile.write_text(
        '<html><head><meta property="og:url" content="http://[::1/x"><link rel="canonical" href="/story">'
        "<title>Story</title></head><body><article><h1>Story</h1>"
        + "<p>The storm left thousands of homes without power on the coast, officials said on Tuesday.</p>" * 3
        + "</article></body></html>", encoding="utf-8")
    (folder / "b.txt").write_text("Storm hits coast\n\nThe storm left homes without power, officials said.\n",
                                  encoding="utf-8")
    result = cli("import", str(folder if workers.startswith("a folder") else hostile), "--json")
    one_line = f"newsdiff: {hostile}: {result.stderr.split(': ', 2)[-1]}"  # the file's own line, if refused
    assert result.code in (0, 1, 2) and result.stderr in ("", one_line) and one_line.count("\n") == 1
    stored = {Path(f["path"]).name for f in result.json["imported"]}
    refused = {Path(f["path"]).name for f in result.json["errors"]}
    assert stored | refused == ({"a.html", "b.txt"} if workers.startswith("a folder") else {"a.html"}), result
    assert "b.txt" not in refused  # the other files are imported all the same
    parsed = cli("parse", str(hostile))
    assert parsed.stderr in ("", f"newsdiff: {hostile}: {parsed.stderr.split(': ', 2)[-1]}"), parsed


def test_a_question_and_answer_interview_is_an_article(cli, tmp_path: Path) -> None:
    """"Q: … A: …" lines have the shape of key: value settings, but their values are sentences."""
    interview = tmp_path / "interview.txt"
    interview.write_text("Flood interview\n\nQ: When did the water start rising?\n"
                         "A: Around midnight, when the river broke its banks.\nQ: How many homes were hit?\n"
                         "A: About 40, mostly on Mill Lane.\nQ: What now?\nA: We clean up, and we ask for help.\n")
    result = cli("import", interview, "--json")
    assert result.code == 0, result
    shown = cli("show", result.json["imported"][0]["key"], "--json").json
    assert shown["paragraphs"][0] == "Q: When did the water start rising?" and len(shown["paragraphs"]) == 6


def test_nothing_importable_exits_1_and_writes_nothing(cli, tmp_path: Path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    result = cli("import", empty)
    assert result.code == 1
    assert result.stderr.strip() == f"newsdiff: {empty}: empty file"
    assert result.stdout == ""
    assert cli("list", "--json").json == {"articles": []}


@pytest.mark.sqlite_only("a file that is not there; a server's database exists before newsdiff uses it")
def test_reading_commands_never_create_a_database_file(cli, db_path: Path) -> None:
    # Commands that only read never create a database: a mistyped --db must not look like an empty one.
    for command in (["show", "x"], ["list"], ["check"], ["stats"], ["search", "truce"], ["export"]):
        result = cli(*command)
        assert result.code == 1, command
        assert result.stderr.strip() == (
            f"newsdiff: no database at {db_path} (import or poll first, or name one with --db or NEWSDIFF_DB)")
    assert not db_path.exists()


def test_unknown_article_is_one_line_error(cli) -> None:
    assert cli("import", SEED_REUTERS, "--url", URL).code == 0
    result = cli("show", "https://nowhere.example/x")
    assert result.code == 1
    assert result.stderr.strip() == "newsdiff: no article 'https://nowhere.example/x' in the database"
    missing = cli("show", URL, "--version", "7")
    assert missing.code == 1 and "has no version 7" in missing.stderr
    assert cli("show", URL, "--version", "0").stderr.strip() == "newsdiff: article 1 has no version 0"


def _clean_text_by_regex(text: str) -> str:
    """The definition of the stored form, written the slow obvious way."""
    text = unicodedata.normalize("NFC", text)
    text = re.sub("[\u200b\u2060\ufeff\u00ad\u180e\u200e\u200f\u202a-\u202e\u2066-\u2069]", "", text)
    text = re.sub("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]", " ", text)
    return re.sub(r"\s+", " ", text).strip()


@settings(max_examples=300)
@given(st.lists(st.sampled_from(
    ["a", "Ж", "字", "e\u0301", " ", "  ", "\t", "\n", "\r\n", "\xa0", "\u3000", "\u2028", "\x85", "\x1c",
     "\u200b", "\u00ad", "\ufeff", "\x00", "\x07", "\x7f", "\x9f", "\u202e"])).map("".join) | st.text())
def test_clean_text_matches_its_definition(text: str) -> None:
    assert clean_text(text) == _clean_text_by_regex(text)


def test_joiners_stay_and_bidi_controls_go() -> None:
    """ZWNJ and ZWJ shape Persian words and emoji sequences; direction marks are layout, not text."""
    assert clean_text("می\u200cخواهم") == "می\u200cخواهم"
    assert clean_text("👩\u200d💻") == "👩\u200d💻"
    assert clean_text("\u200fقال\u200e \u202bthe \u2066minister\u2069\u202c") == "قال the minister"


def test_utf16_with_bom_is_read() -> None:
    record = parse_bytes("\ufeffHello there, this is an article.".encode("utf-16")).versions[0]
    assert record.paragraphs == ("Hello there, this is an article.",)


def test_store_schema_settings(db_path: Path) -> None:
    store = Store.open(db_path)
    assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store.db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert store.db.execute("PRAGMA busy_timeout").fetchone()[0] >= 5000
    assert {"sources", "feeds", "articles", "versions", "raws", "fetches", "events"} <= set(store.db.table_names())
    store.close()
    # Reopening applies nothing twice.
    again = Store.open(db_path)
    names = [r["name"] for r in again.db.query("SELECT name FROM _sqlite_migrations")]
    assert len(names) == len(set(names))


def test_duplicate_version_rejected_by_the_schema_itself(db_path: Path) -> None:
    store = Store.open(db_path)
    record = parse_bytes(SEED_REUTERS.read_bytes(), url=URL).versions[0]
    store.add_version(record, key=URL)
    row = store.db.execute("SELECT * FROM versions").fetchone()
    columns = [d[0] for d in store.db.execute("SELECT * FROM versions").description]
    values = dict(zip(columns, row, strict=True))
    values.pop("id")
    values["number"] = 2
    with pytest.raises(sqlite3.IntegrityError):
        store.db["versions"].insert(values)


def test_raw_input_is_kept_compressed_once(any_db: str, cli) -> None:
    assert cli("import", SEED_REUTERS, "--url", URL).code == 0
    assert cli("import", SEED_REUTERS, "--url", "https://example.org/other").code == 0
    store = Store.open(any_db)
    raws = list(store.db.query("SELECT size, length(data) AS stored FROM raws"))
    assert len(raws) == 1
    assert raws[0]["size"] == len(SEED_REUTERS.read_bytes()) > raws[0]["stored"]


def test_bad_text_input_raises_input_error() -> None:
    with pytest.raises(InputError, match="no article text"):
        parse_bytes(b"---\n\n***\n")


def _run(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "newsdiff", *args], capture_output=True, text=True, env=env,
                          timeout=60)


def test_real_subprocess_with_env_db(tmp_path: Path) -> None:
    env = {**os.environ, "NEWSDIFF_DB": str(tmp_path / "env.db")}
    version = _run("--version", env=env)
    assert version.returncode == 0 and version.stdout.startswith("newsdiff ")
    done = _run("import", str(SEED_REUTERS), "--url", URL, "--json", env=env)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["imported"][0]["versions"][0]["number"] == 1
    assert (tmp_path / "env.db").exists()
    listed = _run("list", env=env)
    assert listed.stdout.splitlines()[0].split("\t") == ["id", "source", "versions", "last captured", "title / url"]


def test_concurrent_imports_leave_no_duplicates(tmp_path: Path) -> None:
    env = {**os.environ, "NEWSDIFF_DB": str(tmp_path / "race.db")}
    files = [str(p) for p in sorted(SEEDS.glob("00[012]_*.txt"))]
    procs = [
        subprocess.Popen([sys.executable, "-m", "newsdiff", "import", *files], env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(4)
    ]
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
    conn = sqlite3.connect(tmp_path / "race.db")
    assert conn.execute("SELECT count(*) FROM articles").fetchone()[0] == 3
    assert conn.execute("SELECT count(*) FROM versions").fetchone()[0] == 3
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_reimport_without_url_finds_the_article_by_its_text(cli) -> None:
    assert cli("import", SEED_REUTERS, "--url", URL).code == 0
    again = cli("import", SEED_REUTERS, "--json").json["imported"][0]
    assert (again["key"], again["added"]) == (URL, 0)
    assert len(cli("list", "--json").json["articles"]) == 1


def test_markdown_links_with_parentheses_in_the_url_keep_their_text() -> None:
    text = ("See [the city](https://en.wikipedia.org/wiki/Aleppo_(city)) and [this](#) or "
            "[that](javascript:alert(1)), then *stress* and [a bracket] (aside) stay.\n")
    assert parse_bytes(text.encode()).versions[0].paragraphs == (
        "See the city and this or that, then stress and [a bracket] (aside) stay.",)


def test_list_source_filter_and_unknown_source(cli) -> None:
    assert cli("import", SEED_REUTERS, "--url", URL, "--source", "reuters").code == 0
    assert cli("import", SEED_RT, "--source", "rt").code == 0
    assert [a["source"] for a in cli("list", "--source", "rt", "--json").json["articles"]] == ["rt"]
    assert [a["url"] for a in cli("list", "--source", "reuters", "--json").json["articles"]] == [URL]
    plain = cli("list", "--source", "rt").stdout.splitlines()
    assert len(plain) == 2 and plain[1].split("\t")[1:3] == ["rt", "1"]


def test_bad_captured_at_fails_the_command_in_one_line(cli, db_path: Path) -> None:
    result = cli("import", SEED_REUTERS, SEED_RT, "--captured-at", "yesterday")
    assert result.code == 2 and result.stdout == ""  # a bad value on the command line is a usage error
    assert result.stderr.strip().endswith("Error: Invalid value for '--captured-at': not an ISO 8601 time: 'yesterday'")
    assert not db_path.exists()  # refused before anything was opened, let alone stored


def test_declared_encodings_are_for_html_only_and_huge_files_are_refused(cli, tmp_path: Path) -> None:
    """A Latin-1 HTML page that says so is read; the same text as a bare text file says what is wrong."""
    body = "Le café était fermé mardi, a dit le maire de la ville aux journalistes réunis devant la mairie."
    more = "".join(f"<p>Le conseil municipal se réunira le {d} pour décider de la suite à donner à cette affaire.</p>"
                   for d in ("lundi", "jeudi", "vendredi"))
    page = tmp_path / "page.html"
    page.write_bytes((f'<html><head><meta charset="iso-8859-1"><title>Le café fermé</title></head><body>'
                      f'<article><h1>Le café fermé</h1><p>{body}</p>{more}</article></body></html>').encode("latin-1"))
    text = tmp_path / "page.txt"
    text.write_bytes(body.encode("latin-1"))
    huge = tmp_path / "huge.txt"
    with huge.open("wb") as f:
        f.truncate(51 * 1024 * 1024)  # sparse: refused from its size, never read
    result = cli("import", page, text, huge, "--json")
    assert result.code == 2, result
    [imported] = result.json["imported"]
    assert imported["format"] == "html"
    assert body in cli("show", imported["article_id"], "--json").json["paragraphs"]
    assert result.stderr.splitlines() == [
        f"newsdiff: {text}: not valid UTF-8 (byte 0xe9 at offset 6) and no encoding is declared",
        f"newsdiff: {huge}: larger than 50 MB",
    ]


def test_human_output_is_a_rich_table_on_a_terminal(tmp_path: Path) -> None:
    """The same `list` that prints tab-separated lines into a pipe draws a table on a terminal."""
    env = {**os.environ, "NEWSDIFF_DB": str(tmp_path / "tty.db"), "COLUMNS": "120", "TERM": "xterm"}
    assert _run("import", str(SEED_RT), env=env).returncode == 0
    code, shown, _ = on_terminal("list", env=env)
    assert code == 0
    screen = re.sub(r"\x1b\[[0-9;]*m", "", shown.decode("utf-8"))  # colours aside
    assert "┃ id" in screen and "━" in screen and "\t" not in screen
    assert "Cessation of hostilities" in screen


def test_newssniffer_dumps_imported_out_of_order_keep_the_page_order(cli, tmp_path: Path) -> None:
    """The dump of versions 3-4 imported before that of 2-3: stored as 2, 3, 4, and nothing is a revert."""
    v2 = ["Russia and the UN hope a new ceasefire can be announced within hours.", "Fighting left 19 dead."]
    v3 = [v2[0], "Fighting left 21 dead."]
    v4 = v3 + ["Talks resume in Geneva on Friday."]
    early, late = tmp_path / "p23.html", tmp_path / "p34.html"
    early.write_text(render_html(Dump(v2, v3, labels=(2, 3))), encoding="utf-8")
    late.write_text(render_html(Dump(v3, v4, labels=(3, 4), times=(
        datetime(2016, 9, 7, 8, 3, 51, tzinfo=timezone.utc), datetime(2016, 9, 8, 10, 0, tzinfo=timezone.utc)))),
        encoding="utf-8")
    assert cli("import", late).code == 0
    assert cli("import", early, late).code == 0
    url = Dump([], []).url
    log = cli("log", url, "--json").json
    assert [(v["number"], v["label"]) for v in log["versions"]] == [(1, "2"), (2, "3"), (3, "4")]
    assert [e["kind"] for e in log["events"]] == []
    assert cli("show", url, "--version", "1", "--json").json["paragraphs"] == v2
    assert cli("show", url, "--json").json["paragraphs"] == v4
    change = cli("diff", url, "1", "2", "--format", "json").json["changes"]
    assert [(c["op"], c["old"], c["new"]) for c in change] == [("changed", [v2[1]], [v3[1]])]
    assert cli("check").code == 0


@pytest.mark.sqlite_only("datasette opens SQLite files: its views are made in the file only")
def test_datasette_views_name_things(db_path: Path, cli) -> None:
    """`datasette newsdiff.db` opens on views that read without joins: outlet names, URLs, no blobs."""
    assert cli("import", SEED_REUTERS, "--url", URL, "--source", "reuters", "--captured-at", "2026-01-01").code == 0
    edited = db_path.parent / "edited.txt"
    edited.write_text(SEED_REUTERS.read_text(encoding="utf-8").replace("dozens", "at least 19"), encoding="utf-8")
    assert cli("import", edited, "--url", URL, "--captured-at", "2026-01-02T03:04:05Z").code == 0
    assert cli("import", SEEDS / "003_2a9cfbafb26fb99c.txt").code == 0
    store = Store.open(db_path)
    assert {"article_list", "article_versions"} <= set(store.db.view_names())
    listed = {r["source"]: r for r in store.db.query("SELECT * FROM article_list")}
    assert listed["reuters"]["url"] == URL and listed["reuters"]["versions"] == 2
    assert listed["guardian"]["title"] == "Russia and UN discuss new Aleppo truce"
    rows = list(store.db.query("SELECT * FROM article_versions ORDER BY article_id, version"))
    assert [(r["source"], r["version"], r["label"]) for r in rows] == [("reuters", 1, None), ("reuters", 2, None),
                                                                      ("guardian", 1, "2,3")]
    assert rows[1]["captured_at"] == "2026-01-02T03:04:05Z" and rows[0]["published"] == "2016-05-03"
    assert rows[0]["word_count"] == cli("log", URL, "--json").json["versions"][0]["word_count"]
    assert not {"data", "text", "raw_id", "meta"} & set(rows[0])


def test_stray_markup_characters_are_kept_and_read_in_linear_time() -> None:
    """Hostile text: 20,000 unmatched `*` and `[` (quadratic for a naive pattern) come back as they were."""
    stray = "*a " * 20_000 + "[b" * 20_000
    nested = "**bold *italic* bold** and ***x*** and __strong__ but snake_case and 2*3*4"
    record = parse_bytes(f"{stray}\n\n{nested}\n".encode()).versions[0]
    assert record.paragraphs == (stray.strip(), "bold italic bold and x and strong but snake_case and 2*3*4")


def test_an_unknown_source_is_an_error_that_names_the_known_ones(cli) -> None:
    """A typo is not an outlet with no articles."""
    assert cli("import", SEED_REUTERS, "--source", "reuters").code == 0
    assert cli("import", SEED_RT, "--source", "rt").code == 0
    for args in (("list", "--source", "Reuters"), ("list", "--source", "Reuters", "--json"),
                 ("feed", "--source", "Reuters")):
        result = cli(*args)
        assert (result.code, result.stdout) == (1, "") and result.stderr.strip().splitlines() == [
            "newsdiff: no source 'Reuters' in the database (sources: reuters, rt)"], result
