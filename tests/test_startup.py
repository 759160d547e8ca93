"""Start-up: the command and the package load the heavy libraries only for the work that needs them.

Each check runs in a fresh interpreter, since this test process has long since imported everything.
"""

from __future__ import annotations

import gzip
import json
import sqlite3
import subprocess
import sys
import zlib
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils

from newsdiff.store.database import Database
from newsdiff.model import ArticleRecord
from newsdiff.store import Store

from .conftest import FIXTURES

# What no `--help`, `list` or `log` needs: extraction, sqlite-utils, terminal styling (output here is a
# pipe), HTML templates and feeds, the network and feed parsing, the raw pages' compression.
HEAVY = {"trafilatura", "lxml", "bs4", "soupsieve", "charset_normalizer", "sqlite_utils", "rich", "jinja2",
         "feedgen", "httpx", "feedparser", "zstandard"}
URL = "https://news.example/world/story"

RUN = """
import sys
from newsdiff.cli import main
out, sys.argv, code = sys.argv[1], ["newsdiff", *sys.argv[2:]], 0
try:
    main()
except SystemExit as exc:
    code = exc.code
names = sorted(sys.modules)
import json  # after the command: whether it loaded json is asked too
with open(out, "w") as f:
    json.dump([code, names], f)
"""


def modules(tmp_path: Path, *args: str) -> set[str]:
    """Modules loaded by `newsdiff ARGS...` run in a fresh interpreter (output to a pipe)."""
    out = tmp_path / "modules.json"
    done = subprocess.run([sys.executable, "-c", RUN, str(out), *args], capture_output=True, text=True)
    code, names = json.loads(out.read_text())
    assert code in (0, None) and done.stderr == "", done
    return set(names)


def loaded(tmp_path: Path, *args: str) -> set[str]:
    """Top-level packages loaded by `newsdiff ARGS...`."""
    return {name.split(".")[0] for name in modules(tmp_path, *args)}


@pytest.fixture
def two_versions(db_path: Path) -> Path:
    store = Store.open(db_path)
    for number, text in enumerate(["The council met on Monday. It voted.", "The council met on Tuesday. It voted."]):
        store.add_version(ArticleRecord(paragraphs=(text,), title="Council", url=URL, source="example",
                                        captured_at=f"2026-01-0{number + 1}T10:00:00Z"), key=URL)
    store.close()
    return db_path


def test_importing_the_command_loads_none_of_the_heavy_libraries() -> None:
    code = "import json, sys, newsdiff.cli; print(json.dumps(sorted(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert HEAVY & {name.split(".")[0] for name in json.loads(done.stdout)} == set()


def test_help_list_and_log_load_none_of_the_heavy_libraries(tmp_path: Path, two_versions: Path) -> None:
    assert HEAVY & loaded(tmp_path, "--help") == set()
    assert HEAVY & loaded(tmp_path, "--db", str(two_versions), "list") == set()
    # The first `log` diffs the pair and caches the report, the second reads it back: neither writes
    # through sqlite-utils.
    for _ in range(2):
        assert HEAVY & loaded(tmp_path, "--db", str(two_versions), "log", URL) == set()
    db = sqlite3.connect(two_versions)
    assert db.execute("SELECT count(*) FROM derived WHERE kind LIKE 'edit/%'").fetchone()[0] == 1


def test_log_loads_only_what_it_uses_of_newsdiff(tmp_path: Path, two_versions: Path) -> None:
    # The first `log` diffs the pair: the engine loads, but not extraction (only files need reading),
    # the PostgreSQL store, other commands' result classes, or `check`'s temporary files.
    first = modules(tmp_path, "--db", str(two_versions), "log", URL)
    assert {"newsdiff.diff", "newsdiff.results.reading"} <= first
    assert {m for m in first if m.startswith(("newsdiff.sources", "newsdiff.store.postgres", "tempfile"))} == set()
    assert {m for m in first if m.startswith("newsdiff.results.")} == {"newsdiff.results.reading"}
    assert "newsdiff.diff" not in modules(tmp_path, "--db", str(two_versions), "log", URL)  # cached now
    assert "newsdiff.store.postgres" not in modules(tmp_path, "--help")


def test_list_and_log_build_only_the_record_classes_they_show(tmp_path: Path, two_versions: Path) -> None:
    # Each record class costs start-up time to build (about a millisecond); `list` needs only its rows',
    # and `log` of an article with no Wayback snapshot (no `archived` event) none of the store's.
    listed = modules(tmp_path, "--db", str(two_versions), "list")
    assert "newsdiff.store.listings" in listed and "newsdiff.store.records" not in listed
    assert "newsdiff.store.feed_listing" not in listed  # `feeds list`'s rows
    assert "newsdiff.store.feed_listing" in modules(tmp_path, "--db", str(two_versions), "feeds", "list")
    for _ in range(2):  # diffed, then cached
        assert "newsdiff.store.records" not in modules(tmp_path, "--db", str(two_versions), "log", URL)


def test_help_list_and_a_cached_log_load_no_hashlib(tmp_path: Path, two_versions: Path) -> None:
    # hashlib loads OpenSSL's libcrypto (3-4 ms); only writing a version, or rebuilding one from the
    # compact history to diff it, checks a SHA-256. A cached report's key needs none (`reports.cache.digest`).
    first = modules(tmp_path, "--db", str(two_versions), "log", URL)  # rebuilds version 1: checks its hash
    assert "hashlib" in first and "newsdiff.diff" in first
    for args in (("--help",), ("--db", str(two_versions), "list"), ("--db", str(two_versions), "log", URL)):
        assert {"hashlib", "_hashlib"} & modules(tmp_path, *args) == set(), args


def test_help_list_and_a_cached_log_build_no_input_records(tmp_path: Path, two_versions: Path) -> None:
    # Building a dataclass compiles its methods, 4-5 M instructions each: the records read from inputs
    # and rebuilt versions (newsdiff.records) load only where one is made, json only where JSON is read
    # or written.
    db = ("--db", str(two_versions))
    assert "newsdiff.records" in modules(tmp_path, *db, "log", URL)  # diffed: both versions rebuilt
    cached = modules(tmp_path, *db, "log", URL)
    assert "newsdiff.records" not in cached and "json" in cached  # the cached report is JSON
    # Nor does either read the search index, the raw inputs or the compact history: their modules load
    # where those are written or read.
    rebuilding = {"newsdiff.store.compact_history", "newsdiff.store.passage_index", "newsdiff.store.raws"}
    assert rebuilding & cached == set()
    for args in (("--help",), (*db, "list")):
        assert {"newsdiff.records", "json", *rebuilding} & modules(tmp_path, *args) == set(), args
    import newsdiff
    from newsdiff import model

    assert model.ArticleRecord is newsdiff.ArticleRecord and model.FileResult.__module__ == "newsdiff.records"


COMPILED = """
import io, json, sys
from newsdiff.cli import main
out, sys.argv, sys.stdout = sys.stdout, ["newsdiff", *sys.argv[1:]], io.StringIO()
try:
    main()
except SystemExit:
    pass
sys.stdout = out
from importlib import import_module
from newsdiff import model, urls
from newsdiff.diff import classify
from newsdiff.render import edits
align = import_module("newsdiff.diff.align")  # the package's `align` is the function
from newsdiff.render import terminal
from newsdiff.store import full_text, passage_index
lazy = {"full_text._FIGURE_TERM": full_text._FIGURE_TERM, "model._STRAY": model._STRAY,
        "terminal._STAMP": terminal._STAMP, "urls._TRACKING": urls._TRACKING, "edits._UNCLEAN": edits._UNCLEAN,
        "edits.BIDI_CONTROLS": edits.BIDI_CONTROLS, "passage_index.GROUPED_NUMBER": passage_index.GROUPED_NUMBER,
        "classify._FOLDABLE": classify._FOLDABLE, "classify._DASH_RUN": classify._DASH_RUN,
        "align._NAME_OR_FIGURE": align._NAME_OR_FIGURE}
print(json.dumps(sorted(name for name, pattern in lazy.items() if pattern.cache_info().currsize)))
"""


def test_reads_compile_no_pattern_that_only_writes_and_feeds_use(two_versions: Path) -> None:
    # A pattern costs about a millisecond to compile: cleaning text that comes in, dropping tracking
    # parameters, indexing figures, cleaning text for XML or a picture are not what `list` or `log` do;
    # nor, for an ASCII pair with a sentence edited, folding rarer quote marks and typed dashes, or
    # pairing leftover sentences as paraphrases.
    def compiled(*args: str) -> list[str]:
        done = subprocess.run([sys.executable, "-c", COMPILED, *args], capture_output=True, text=True, check=True)
        return json.loads(done.stdout)

    db = ("--db", str(two_versions))
    assert compiled(*db, "log", URL) == ["model._STRAY"]  # the first log builds records: they are checked
    folded = subprocess.run([sys.executable, "-c", "from newsdiff.diff.classify import _FOLDABLE, cosmetic_key; "
                             "print(cosmetic_key('«Oui» -- dit-il'), _FOLDABLE.cache_info().currsize)"],
                            capture_output=True, text=True, check=True).stdout
    assert folded == '"Oui" - dit-il 1\n'  # text that needs it compiles it
    assert compiled("--help") == compiled(*db, "list") == compiled(*db, "log", URL) == []
    assert compiled(*db, "search", "1,500") == ["full_text._FIGURE_TERM", "passage_index.GROUPED_NUMBER"]


def test_the_command_collects_garbage_once_it_has_loaded() -> None:
    # The entry point pauses the collector while the command line loads, then freezes what loaded:
    # the command itself runs with the collector on, so its memory stays bounded.
    code = """
import gc, json, newsdiff.cli
seen = []
newsdiff.cli.main = lambda: seen.append([gc.isenabled(), gc.get_freeze_count() > 0])
from newsdiff.__main__ import main
main()
print(json.dumps(seen))
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(done.stdout) == [[True, True]]


def test_commands_that_need_a_library_still_load_it(tmp_path: Path, two_versions: Path) -> None:
    page = tmp_path / "page.html"
    page.write_bytes(gzip.decompress((FIXTURES / "readability-news" / "bbc-1" / "source.html.gz").read_bytes()))
    assert "trafilatura" in loaded(tmp_path, "parse", str(page))
    assert "feedgen" in loaded(tmp_path, "--db", str(two_versions), "feed")


def test_the_package_loads_each_public_name_on_first_use() -> None:
    code = """
import json, sys, newsdiff
before = sorted(m for m in sys.modules if m.startswith("newsdiff."))
store = newsdiff.Store
print(json.dumps([before, store.__module__, newsdiff.NotFound.__module__, newsdiff.__version__,
                  "newsdiff.store" in sys.modules, "Store" in dir(newsdiff), sorted(newsdiff.__all__)]))
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    before, module, not_found, version, store_loaded, listed, public = json.loads(done.stdout)
    assert before == [] and module.startswith("newsdiff.store") and store_loaded and listed
    assert not_found == "newsdiff.model" and version
    assert {"Store", "parse_bytes", "import_paths", "ArticleRecord", "NotFound", "__version__"} <= set(public)
    import newsdiff

    assert all(getattr(newsdiff, name) is not None for name in newsdiff.__all__)
    with pytest.raises(AttributeError, match="no attribute 'Stor'"):
        newsdiff.Stor  # noqa: B018


def test_reads_give_the_rows_sqlite_utils_gives(two_versions: Path) -> None:
    conn = sqlite3.connect(two_versions)
    sql, params = "SELECT number, title, word_count FROM versions WHERE article_id = ? ORDER BY number", [1]
    assert list(Database(conn).query(sql, params)) == list(sqlite_utils.Database(conn).query(sql, params))
    assert Database(conn).execute("SELECT count(*) FROM versions").fetchone() == (2,)
    assert Database(conn)["versions"].count == 2  # anything else is sqlite-utils' own


def test_a_command_builds_only_its_own_options(two_versions: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # typer would read every command's signature at each start; only the one run (and, for --help,
    # each one listed) is built.
    import typer.main
    from typer.testing import CliRunner

    from newsdiff.cli import app

    built: list[str] = []
    build = typer.main.get_command_from_info

    def counted(*args: Any, **kwargs: Any) -> Any:
        info = kwargs.get("command_info") or args[0]
        built.append(info.callback.__name__)
        return build(*args, **kwargs)

    monkeypatch.setattr(typer.main, "get_command_from_info", counted)
    runner = CliRunner()
    assert runner.invoke(app, ["--db", str(two_versions), "list"]).exit_code == 0
    assert built == ["list_cmd"]
    built.clear()
    assert runner.invoke(app, ["--db", str(two_versions), "feeds", "list"]).exit_code == 0
    assert len(built) == 1
    built.clear()
    listing = runner.invoke(app, ["--help"]).stdout
    assert len(built) > 15 and "vacuum" in listing and "feeds" in listing


def test_the_first_log_loads_no_html_entity_table(tmp_path: Path, two_versions: Path) -> None:
    # The report's HTML fragment escapes as `html.escape` does, without `import html`, whose table of
    # every named entity only unescaping needs; the pair is still diffed, cached and shown.
    first = modules(tmp_path, "--db", str(two_versions), "log", URL)
    assert "newsdiff.render.htmlfrag" in first and {"html", "html.entities"} & first == set()
    shown = subprocess.run([sys.executable, "-m", "newsdiff", "--db", str(two_versions), "log", URL],
                           capture_output=True, text=True, check=True).stdout
    assert "1 sentence changed" in shown
    cached = json.loads(zlib.decompress(sqlite3.connect(two_versions).execute(
        "SELECT data FROM derived WHERE kind LIKE 'edit/%'").fetchone()[0]))
    assert "The council met on <del>Monday</del><ins>Tuesday</ins>." in cached["fragment"]
    assert "version 1 (2026-01-01T10:00:00Z) -&gt; version 2" in cached["fragment"]


def test_the_fragment_escapes_exactly_as_html_escape_does() -> None:
    import html

    from newsdiff.render.htmlfrag import escape

    text = "<script>alert(\"Tom's\" & 'Jerry')</script> &amp; “quoted” — ü\x00 <!-- -->"
    assert escape(text) == html.escape(text)
    assert escape("") == "" and escape("plain words") == "plain words"


def test_rare_patterns_are_compiled_only_for_text_that_needs_them() -> None:
    # A quoted question before "Smith asked", a full stop before a number, a correction note: the
    # segmenter and the tagger compile the pattern for each only when text asks for it.
    code = """
import json
from newsdiff.diff import classify, sentences, split_sentences

def compiled():
    return [get.cache_info().currsize for get in (sentences._ATTRIBUTION, sentences._BEFORE_NUMBER,
                                                   classify._CORRECTION_NOTE)]

plain = [split_sentences("The council met on Monday. It voted. Mr. Smith left."),
         classify.is_correction("The council voted on Monday.")]
before = compiled()
rare = [split_sentences("“Is this the end?” Smith asked. Nobody answered."),
        split_sentences("The fund fell 3 pct. 2020 was worse."),
        classify.is_correction("An earlier version of this article gave a toll of 19.")]
print(json.dumps([plain, before, rare, compiled()]))
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    plain, before, rare, after = json.loads(done.stdout)
    assert plain == [["The council met on Monday.", "It voted.", "Mr. Smith left."], False] and before == [0, 0, 0]
    assert rare == [["“Is this the end?” Smith asked.", "Nobody answered."],
                    ["The fund fell 3 pct.", "2020 was worse."], True]
    assert after == [1, 1, 1]


def test_a_pattern_on_use_compiles_once_when_first_asked_for(monkeypatch: pytest.MonkeyPatch) -> None:
    import re

    from newsdiff.lazy import pattern_on_use

    compiled: list[tuple[str, int]] = []
    compile_ = re.compile
    monkeypatch.setattr(re, "compile", lambda pattern, flags=0: compiled.append((pattern, flags)) or compile_(
        pattern, flags))
    get = pattern_on_use(r"corrections?\b", re.IGNORECASE)
    assert compiled == []
    assert get().match("CORRECTION: the toll") and get() is get()
    assert compiled == [(r"corrections?\b", re.IGNORECASE)]


def test_the_token_alphabet_is_the_codes_in_order() -> None:
    # Built with `chr` at import for speed: the same characters `_char` gives, so diffs are unchanged.
    from newsdiff.diff import words

    assert words._ALPHABET == "".join(map(words._char, range(4096)))
    assert len(set(words._ALPHABET)) == 4096 and words._char(len(words._ALPHABET)) not in words._ALPHABET
