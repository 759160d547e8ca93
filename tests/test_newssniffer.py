"""NewsSniffer dumps: the seed, robustness, exact HTML, and round trips through a page renderer."""

from __future__ import annotations

import dataclasses
import gzip
import json
import re
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import lxml.html
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newsdiff.importer import import_file
from newsdiff.model import ArticleRecord, InputError, ParsedInput, clean_text
from newsdiff.sources import ParseOptions, parse_bytes
from newsdiff.sources.newssniffer import (
    _clean_line,
    is_dump_html,
    is_dump_text,
    lcs_length,
    parse_dump_html,
    parse_dump_text,
    split_row,
)
from newsdiff.store import AddResult, Store

from .conftest import FIXTURES, SEED_DUMP, SEED_PRESSTV, SEED_REUTERS, SEED_RT
from .newssniffer_render import Dump, align, render_html, scrape

SEED_TEXT = SEED_DUMP.read_text(encoding="utf-8")
SEED_TITLE = "Russia and UN discuss new Aleppo truce"
SEED_URL = "http://www.theguardian.com/world/2016/may/03/russia-united-nations-discuss-aleppo-truce-syria"


# -- real paragraphs -------------------------------------------------------------------------------


def _fixture_paragraphs() -> list[str]:
    """Paragraphs of 30 real article bodies (fixtures/readability-news/*/expected.html.gz)."""
    found = []
    for path in sorted((FIXTURES / "readability-news").glob("*/expected.html.gz")):
        doc = lxml.html.fromstring(gzip.decompress(path.read_bytes()).decode("utf-8"))
        found += [clean_text(p.text_content()) for p in doc.iter("p")]
    return found


def _seed_paragraphs() -> list[str]:
    articles = (SEED_REUTERS, SEED_RT, SEED_PRESSTV)
    found = [p for path in articles for p in parse_bytes(path.read_bytes()).versions[0].paragraphs]
    return found + list(parse_bytes(SEED_DUMP.read_bytes()).versions[0].paragraphs)


def _doubled(text: str) -> bool:
    """Text that is some string twice over reads as an unchanged row in any dump."""
    half, odd = divmod(len(text), 2)
    return not odd and text[:half] == text[half:]


def _well_formed(text: str) -> bool:
    """Ends like a paragraph and does not start lower-case: the cue that tells where old text stops."""
    words = text.split(" ")
    first = re.search(r"[^\W\d_]", text)
    return len(words) >= 2 and re.search(r"[.!?:;\"'”’»)\]]$", text) is not None and not (first and first[0].islower())


ALL = sorted({p for p in _fixture_paragraphs() + _seed_paragraphs() if p and not _doubled(p)})
PARAGRAPHS = [p for p in ALL if _well_formed(p)]
SHORT = [p for p in PARAGRAPHS if len(p.split()) <= 8]
WORDS = sorted({w for p in ALL for w in p.split(" ")})


def test_corpus_is_real_and_varied() -> None:
    assert len(ALL) > 600 and len(PARAGRAPHS) > 500 and len(SHORT) > 10
    assert any("Aleppo" in p for p in PARAGRAPHS) and any(re.search(r"[éíá]", p) for p in PARAGRAPHS)


# -- the seed dump ---------------------------------------------------------------------------------


def test_seed_dump_facts() -> None:
    parsed = parse_bytes(SEED_DUMP.read_bytes())
    d = parsed.details
    assert parsed.format == "newssniffer"
    assert (d["source"], d["url"], d["changes"], d["gap"]) == ("guardian", SEED_URL, 5, "4 months later")
    assert d["status"] == "stale" and d["first_seen"] is None
    # The seed's lines 10-24 are its body: each is one paragraph written twice, none holds two. That is
    # 15 unchanged paragraphs; the "16 unchanged rows" of the page count its unchanged title row too.
    lines = SEED_TEXT.split("\n")
    assert len(lines) == 24 and all(_doubled(line) for line in lines[9:])
    assert [r["kind"] for r in d["rows"]] == ["same"] * 15
    assert [r["old"] * 2 for r in d["rows"]] == lines[9:]
    assert d["ambiguous"] == [] and d["uncertain"] == []
    old, new = parsed.versions
    assert (old.label, new.label) == ("2", "3")
    assert old.title == new.title == SEED_TITLE
    assert lines[7] == " ".join([SEED_TITLE] * 3)  # page heading and the two title cells
    assert old.paragraphs == new.paragraphs and len(old.paragraphs) == 15
    assert old.content_hash == new.content_hash
    assert old.paragraphs[0].startswith("Russia and the UN have said they hope a new ceasefire")
    assert old.paragraphs[-1].endswith("will have been brutally decimated.”")
    assert all((r.url, r.source, r.format, r.extractor) == (SEED_URL, "guardian", "newssniffer", "newssniffer")
               for r in parsed.versions)
    assert [v["label"] for v in d["versions"]] == ["2", "3"]
    assert d["versions"][1]["paragraphs"] == list(new.paragraphs)


def test_renderer_reproduces_the_seed_byte_for_byte() -> None:
    """The test-side renderer is checked against real data: the seed's versions render back to the seed."""
    old, new = parse_bytes(SEED_DUMP.read_bytes()).versions
    dump = Dump(old=list(old.paragraphs), new=list(new.paragraphs), old_title=SEED_TITLE)
    assert scrape(render_html(dump), heading=SEED_TITLE) == SEED_TEXT


@pytest.mark.parametrize("path", [SEED_REUTERS, SEED_RT, SEED_PRESSTV])
def test_seed_articles_are_not_dumps(path: Path) -> None:
    assert not is_dump_text(path.read_text(encoding="utf-8"))
    assert parse_bytes(path.read_bytes()).format != "newssniffer"


def test_prose_that_mentions_the_header_is_not_a_dump() -> None:
    text = ("The article has changed 5 times since Monday, editors said.\n\n"
            "Version 2 of the plan was rejected.\n\nVersion 2 Version 3 was the joke.\n")
    assert not is_dump_text(text)
    assert not is_dump_html("<html><body><table class='results'><tr><td>x</td></tr></table></body></html>")


# -- robustness of the text form -------------------------------------------------------------------

BODY_OLD = ["The toll rose to 19 on Tuesday, officials said.", "Talks resume in Geneva.",
            "Kerry flew to Moscow."]
BODY_NEW = ["The toll rose to 21 on Tuesday, officials said.", "Talks resume in Geneva.",
            "Kerry flew to Moscow.", "Lavrov said a truce could come within hours."]


def _text(dump: Dump, **scrape_options: object) -> str:
    return scrape(render_html(dump), **scrape_options)  # type: ignore[arg-type]


def _expect_body(parsed: ParsedInput) -> None:
    old, new = parsed.versions
    assert list(old.paragraphs) == BODY_OLD
    assert list(new.paragraphs) == BODY_NEW
    assert [r["kind"] for r in parsed.details["rows"]] == ["changed", "same", "same", "single"]
    assert parsed.details["ambiguous"] == [3]


@pytest.mark.parametrize("ending,status", [("final", "final"), ("stale", "stale"), ("checking", "checking")])
@pytest.mark.parametrize("keep_times", [False, True])
def test_three_header_endings(ending: str, status: str, keep_times: bool) -> None:
    parsed = parse_dump_text(_text(Dump(BODY_OLD, BODY_NEW, ending=ending), keep_times=keep_times))
    assert parsed.details["status"] == status
    assert parsed.details["next_check"] == ("May 03, 2016 12:12" if status == "checking" and keep_times else None)
    assert parsed.details["first_seen"] == ("May 03, 2016 09:12 (UTC)" if keep_times else None)
    assert parsed.details["source"] == "guardian" and parsed.details["changes"] == 5
    _expect_body(parsed)


@pytest.mark.parametrize("drop", [
    "This article is from the source", "You can find the current article", "The article has changed",
    "Version 2 Version 3",
])
def test_missing_header_lines(drop: str) -> None:
    text = "\n".join(line for line in _text(Dump(BODY_OLD, BODY_NEW)).split("\n") if not line.startswith(drop))
    assert is_dump_text(text)
    parsed = parse_dump_text(text)
    d = parsed.details
    assert (d["source"] is None) == drop.startswith("This article")
    assert (d["url"] is None) == drop.startswith("You can")
    assert (d["changes"] is None) == drop.startswith("The article")
    assert [v.label for v in parsed.versions] == ([None, None] if drop.startswith("Version") else ["2", "3"])
    assert parsed.versions[0].title == SEED_TITLE
    _expect_body(parsed)


def test_only_the_table_is_left() -> None:
    lines = _text(Dump(BODY_OLD, BODY_NEW)).split("\n")
    table = lines[lines.index("Version 2 Version 3"):]
    _expect_body(parse_dump_text("\n".join(table)))


def test_crlf_bom_and_trailing_page_text() -> None:
    text = _text(Dump(BODY_OLD, BODY_NEW)).replace("\n", "\r\n")
    footer = "\r\nCurrently monitoring 123,456 news articles with 1,234,567 different versions."
    for variant in (text, "\ufeff" + text, text + footer, text + "\r\n\r\nShare this page\r\nAbout | Blog"):
        parsed = parse_dump_text(variant)
        _expect_body(parsed)
    assert parse_dump_text(text + footer).details["trailing"].startswith("Currently monitoring")
    parsed = parse_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    assert parsed.format == "newssniffer"
    _expect_body(parsed)


@pytest.mark.parametrize("gap", ["\n\n", "\n \n", "\n\n\n", "\r\n\r\n"])
@pytest.mark.parametrize("where", ["table", "everywhere"])
def test_blank_lines_between_rows_change_nothing(gap: str, where: str) -> None:
    """Scrapers often leave blank lines between rows: the seed so spaced reads as the seed does."""
    head, table = SEED_TEXT.split("Version 2 Version 3\n")
    if where == "everywhere":
        head = head.replace("\n\n", gap)
    spaced = head + "Version 2 Version 3" + gap + table.replace("\n", gap) + gap
    assert spaced.count("Aleppo") == SEED_TEXT.count("Aleppo") and spaced.count(gap) >= 16
    assert parse_dump_text(spaced).details == parse_dump_text(SEED_TEXT).details


def _with_empty_rows(page: str) -> str:
    """The page with an empty row before every body row, as a paragraph with no text makes."""
    return page.replace("<tr><td>", "<tr><td></td><td></td></tr>\n<tr><td>")


def test_an_empty_row_does_not_end_the_table() -> None:
    _expect_body(parse_dump_text(scrape(render_html(Dump(BODY_OLD, BODY_NEW)))))
    text = scrape(_with_empty_rows(render_html(Dump(BODY_OLD, BODY_NEW))))
    assert "\n\nThe toll rose" in text and "\n\nLavrov said" in text
    _expect_body(parse_dump_text(text))


def test_page_text_after_the_table() -> None:
    """The footer ends the table. Other lines after a blank line end it only where they cannot be rows
    (no sentence ends in them) and blank lines do not space the rows anyway; otherwise they are kept
    as rows that appear once, which the output lists, rather than dropped."""
    dense = _text(Dump(BODY_OLD, BODY_NEW))
    spaced = dense.replace("\n", "\n\n")
    chrome = "\n\nShare this page\nAbout | Blog"
    footer = "\n\nCurrently monitoring 123,456 news articles with 1,234,567 different versions."
    for table, after in ((dense, chrome), (spaced, footer), (dense, chrome + footer)):
        parsed = parse_dump_text(table + after)
        _expect_body(parsed)
        assert parsed.details["trailing"] == after.replace("\n\n", "\n").strip()
    for after in (chrome, chrome + footer):  # each line could be a paragraph added: kept, and said so
        parsed = parse_dump_text(spaced + after)
        assert parsed.details["rows"][4:] == [{"kind": "single", "old": None, "new": "Share this page"},
                                              {"kind": "single", "old": None, "new": "About | Blog"}]
        assert parsed.details["ambiguous"] == [3, 4, 5]
        assert parsed.details["trailing"] == (footer.strip() if footer in after else None)
    parsed = parse_dump_text(dense + "\n\nRead more: Syria crisis")  # a sentence ends in it: a row
    assert parsed.details["rows"][-1]["new"] == "Read more: Syria crisis" and parsed.details["trailing"] is None


@pytest.mark.parametrize("heading", [None, "same", "old", "new"])
@pytest.mark.parametrize("new_title", [SEED_TITLE, "Russia and UN agree new Aleppo truce", "Aleppo truce agreed",
                                       "Russia and UN discuss new Aleppo truce as death toll climbs"])
def test_title_row_copies_and_changes(heading: str | None, new_title: str) -> None:
    dump = Dump(BODY_OLD, BODY_NEW, old_title=SEED_TITLE, new_title=new_title)
    shown = {None: None, "same": new_title, "old": SEED_TITLE, "new": new_title}[heading]
    parsed = parse_dump_text(_text(dump, heading=shown))
    assert (parsed.versions[0].title, parsed.versions[1].title) == (SEED_TITLE, new_title)
    _expect_body(parsed)


def test_missing_time_row_and_readable_times() -> None:
    parsed = parse_dump_text(_text(Dump(BODY_OLD, BODY_NEW, times=None)))
    assert parsed.details["gap"] is None and [v.captured_at for v in parsed.versions] == [None, None]
    _expect_body(parsed)
    parsed = parse_dump_text(_text(Dump(BODY_OLD, BODY_NEW), keep_times=True))
    assert [v.captured_at for v in parsed.versions] == ["2016-05-03T11:40:02Z", "2016-09-07T08:03:51Z"]
    assert parsed.versions[1].meta["captured_text"] == "2016-09-07 08:03:51 UTC"
    assert parsed.details["gap"] == "4 months later"
    _expect_body(parsed)


def test_a_paragraph_ending_in_a_time_phrase_is_not_the_time_row() -> None:
    body = ["Police arrived at the scene (two days later)", "Calm returned."]
    parsed = parse_dump_text(_text(Dump(body, body, times=None)))
    assert parsed.versions[0].paragraphs == tuple(body) and parsed.details["gap"] is None


def test_single_rows_follow_single_as() -> None:
    text = _text(Dump(BODY_OLD, BODY_NEW))
    added = parse_dump_text(text)
    removed = parse_bytes(text.encode(), options=ParseOptions(single_as="removed"))
    assert added.details["ambiguous"] == removed.details["ambiguous"] == [3]
    assert removed.details["rows"][3] == {"kind": "single", "old": BODY_NEW[3], "new": None}
    assert list(removed.versions[0].paragraphs) == BODY_OLD + [BODY_NEW[3]]
    assert list(removed.versions[1].paragraphs) == BODY_NEW[:3]
    assert removed.details["single_as"] == "removed"
    with pytest.raises(ValueError):
        parse_dump_text(text, single_as="sideways")


def test_import_says_when_rows_were_placed_by_guess(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    dump = tmp_path / "dump.txt"
    dump.write_text(_text(Dump(BODY_OLD, BODY_NEW)), encoding="utf-8")
    human = cli("import", dump)
    assert human.code == 0 and f"1 row seen once placed by guess (`newsdiff parse {dump}` lists them)" in human.stdout
    assert cli("import", dump, "--json").json["imported"][0]["ambiguous"] == 1


def test_hostile_sizes_are_bounded(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """A row far longer than any pair of paragraphs is not searched for a cut; a giant dump is refused."""
    huge_row = " ".join(f"{w}." for w in WORDS[:2100]) + " " + " ".join(WORDS[:2100])
    parsed = parse_dump_text(_text(Dump([huge_row], [huge_row + " More."])))
    assert parsed.details["rows"] == [{"kind": "single", "old": None, "new": f"{huge_row} {huge_row} More."}]
    assert parsed.details["ambiguous"] == [0]
    header = ("You can find the current article at its original source at http://x.example/a\n\n"
              "The article has changed 5 times.\n")
    with pytest.raises(InputError, match="its title row has 28,000 words"):  # header-like junk, quadratic to search
        parse_dump_text(header + "This article is from the source 'x' and was first published or seen on " * 2000)
    with pytest.raises(InputError, match="its title row has 301 words"):
        parse_dump_text("Version 2 Version 3\n" + "word " * 301 + "\nrow row\n")
    giant = tmp_path / "giant.txt"
    lines = SEED_TEXT.split("\n")
    giant.write_text("\n".join(lines[:9] + lines[9:] * 300), encoding="utf-8")  # the seed's body 300 times
    result = cli("import", giant)
    assert result.code == 1 and result.stdout == ""
    assert re.fullmatch(r"newsdiff: \S+giant.txt: 2,\d{3},\d{3} characters, far more than any NewsSniffer diff page\n",
                        result.stderr)


def test_hostile_header_lines_and_tags_are_read_in_linear_time() -> None:
    """Lines packed with header fragments amid the header, and unclosed `<table` tags: the old header
    and marker patterns rescanned the rest of the line or page from each (about 5 s, 3 s and 75 s)."""
    junk = ("This article is from the source 'x' and was first published or seen on " * 14)[:1000]
    lines = [line for line in _text(Dump(BODY_OLD, BODY_NEW)).split("\n") if line != "Version 2 Version 3"]
    at = next(i for i, line in enumerate(lines) if line.startswith("The article has changed"))
    parsed = parse_dump_text("\n".join(lines[:at] + [junk] * 1900 + lines[at:]))
    assert (parsed.details["source"], parsed.details["changes"]) == ("guardian", 5)
    _expect_body(parsed)
    changes = "<p>The article has changed"
    page = render_html(Dump(BODY_OLD, BODY_NEW)).replace(changes, f"<p>{junk}</p>" * 2000 + changes)
    parsed = parse_bytes(page.encode("utf-8"))
    assert parsed.format == "newssniffer" and (parsed.details["source"], parsed.details["changes"]) == ("guardian", 5)
    assert [list(v.paragraphs) for v in parsed.versions] == [BODY_OLD, BODY_NEW]
    assert not is_dump_html("<table " * 40_000)
    assert is_dump_html("<table " * 40_000 + "<table class='version_diff'>")


def test_dumps_without_rows_are_refused() -> None:
    with pytest.raises(InputError, match="no paragraph rows"):
        parse_dump_text("Version 2 Version 3\nA title A title\n(4 months later)\n")
    with pytest.raises(InputError, match="title row"):
        parse_dump_text("The article has changed 5 times.\n\nVersion 2 Version 3\n")
    with pytest.raises(InputError, match="no paragraph rows"):
        parse_dump_html(render_html(Dump([], [])))


# -- splitting rows --------------------------------------------------------------------------------

REAL = ("Russia and the UN have said they hope a new ceasefire can be announced within hours for the Syrian city "
        "of Aleppo.")


@pytest.mark.parametrize("old,new", [
    (REAL, REAL.replace("Russia and the UN have", "Moscow and the United Nations have")),  # first words
    (REAL, REAL.replace("city of Aleppo.", "city of Aleppo, officials said.")),  # last words
    (REAL, REAL.replace("Russia and", "Moscow and").replace("of Aleppo.", "of Aleppo on Tuesday.")),  # both
    (REAL, REAL + " Fighting left up to 19 dead on Tuesday."),  # a sentence added at the end
    (REAL, REAL + " Fighting left 19 dead. Talks resume in Geneva on Friday."),  # two sentences
    ("Fighting left up to 19 dead on Tuesday.", "Fighting left up to 21 dead on Tuesday."),  # a number
    (REAL, REAL.replace("within hours", "within days")),  # one word
    ("By Patrick Wintour", "By Patrick Wintour and Alec Luhn"),  # very short
    ("Updated at 10.30 BST", "Updated at 11.45 BST"),  # very short, numbers
    ("Updated", "Updated at 10.30"),  # very short: one word kept, words added
    ("19 dead", "21 dead"),  # one word of two changed
    ("Live", "Live updates"),
    ("Photograph: Getty Images", "Photograph: Reuters"),
    # Quote marks wrapped round a paragraph keep its words; a cut one word early or late would not.
    ("Jane Doe", "“Jane Doe”"),
    ("Free shipping over 50", "“Free shipping over 50”"),
    ("“Tickets from 20 euros”", "Tickets from 25 euros"),
    # A matching first or last word is as good a cue as a full stop, and the sides come out alike.
    ("2. Check the tyres", "3. Check the tyres"),
    ("10. Hamburg", "11. Hamburg"),
    # One word each side, edited: a link or a figure.
    ("https://example.org/story/talks-resume", "https://example.org/story/talks-resume?page=2"),
    ("1,234", "1,240"),
])
def test_changed_rows_split_exactly(old: str, new: str) -> None:
    row, uncertain = split_row(f"{old} {new}")
    assert (row.kind, row.old, row.new, uncertain) == ("changed", old, new, False)


def test_a_paragraph_moved_into_a_changed_row_is_cut_out() -> None:
    """A deleted and an added paragraph in one row share no words; where one of them is a paragraph seen
    elsewhere in the dump (it moved), that is where the row is cut."""
    a, x, b = "Talks resume in Geneva.", "Kerry flew to Moscow on Monday night.", "The UN envoy spoke."
    moved = "“Lavrov said a truce could come within hours”"
    old, new = [a, moved, b, x, "Aid convoys wait at the border."], [a, b, moved.strip("“”"),
                                                                     "Aid convoys wait at the border."]
    parsed = parse_dump_text(_text(Dump(old, new)))
    changed = [row for row in parsed.details["rows"] if row["kind"] == "changed"]
    assert changed == [{"kind": "changed", "old": x, "new": moved.strip("“”")}]
    # Nothing seen elsewhere: the row stays whole, its side unknown.
    parsed = parse_dump_text(_text(Dump([a, x, b], [a, "Officials gave no reason.", b])))
    assert [row["kind"] for row in parsed.details["rows"]] == ["same", "single", "same"]


def test_a_capitalised_title_with_words_appended() -> None:
    dump = Dump(BODY_OLD, BODY_NEW, old_title="CITY DESK", new_title="CITY DESK as talks resume")
    parsed = parse_dump_text(_text(dump))
    assert (parsed.versions[0].title, parsed.versions[1].title) == ("CITY DESK", "CITY DESK as talks resume")


def test_sentence_dropped_at_the_end_is_flagged_as_a_guess() -> None:
    """X Y X reads as X Y cut to X or as X grown to Y X: the row is split but flagged."""
    second = "Fighting left up to 19 dead on Tuesday."
    row, uncertain = split_row(f"{REAL} {second} {REAL}")
    assert row.kind == "changed" and uncertain
    assert {(row.old, row.new)} <= {(f"{REAL} {second}", REAL), (REAL, f"{second} {REAL}")}


def test_a_short_row_two_cuts_explain_is_flagged() -> None:
    """"Live Now Live" is "Live Now" cut to "Live" as well as "Live" grown to "Now Live"."""
    row, uncertain = split_row("Live Now Live")
    assert row.kind == "changed" and uncertain


def test_a_paragraph_repeating_its_own_end_is_not_cut_to_that_end() -> None:
    """A paragraph replaced by one that repeats its last words: "to reopen in May." cannot open a
    paragraph, so the row is not read as a long paragraph cut down to its tail."""
    row, _ = split_row("Residents gathered outside the town hall on Tuesday. The mayor said the bridge "
                       "would be repaired and expected it to reopen in May. to reopen in May.")
    assert row.kind == "single"


@pytest.mark.parametrize("paragraph", PARAGRAPHS[::7] + ["Image", "Read more:", "By Patrick Wintour", "Jane Doe",
                                                        "Breaking news", "London Paris"])
def test_a_paragraph_seen_once_is_never_cut(paragraph: str) -> None:
    row, _ = split_row(paragraph)
    assert row.kind == "single"


@given(st.lists(st.sampled_from("abcd"), max_size=12), st.lists(st.sampled_from("abcd"), max_size=12))
def test_lcs_length_matches_the_textbook_table(a: list[str], b: list[str]) -> None:
    table = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i, x in enumerate(a):
        for j, y in enumerate(b):
            table[i + 1][j + 1] = table[i][j] + 1 if x == y else max(table[i][j + 1], table[i + 1][j])
    assert lcs_length(a, b) == table[len(a)][len(b)]


@given(st.lists(st.sampled_from(["a", "é", "e\u0301", " ", "\t", "\xa0", "\u200b", "\x07", "\u2028", "\ufeff", "\x85"]))
       .map("".join) | st.text())
def test_fast_line_cleaning_equals_clean_text(line: str) -> None:
    assert _clean_line(line) == clean_text(line)


# -- round trips through the renderer --------------------------------------------------------------

EDITS = ("first", "last", "both", "word", "number", "append", "drop", "short")


@st.composite
def edited(draw: st.DrawFn, paragraph: str) -> str:
    """One newsroom edit of a real paragraph; the words brought in come from other real paragraphs."""
    kind = draw(st.sampled_from(EDITS))
    words = paragraph.split(" ")
    donor = draw(st.sampled_from(PARAGRAPHS)).split(" ")
    n = draw(st.integers(1, 3))
    if kind == "short":
        words = draw(st.sampled_from(SHORT)).split(" ")
        kind = "word"
    if kind == "first" and len(words) > n:
        words = donor[:n] + words[n:]
    elif kind == "last" and len(words) > n:
        words = words[:-n] + donor[-n:]
    elif kind == "both" and len(words) > 2 * n:
        other = draw(st.sampled_from(PARAGRAPHS)).split(" ")
        words = donor[:n] + words[n:-n] + other[-n:]
    elif kind == "word":
        i = draw(st.integers(0, len(words) - 1))
        words[i] = draw(st.sampled_from(WORDS))
    elif kind == "number":
        numbered = [i for i, w in enumerate(words) if re.search(r"\d", w)] or [len(words) // 2]
        i = draw(st.sampled_from(numbered))
        value = str(draw(st.integers(0, 2100)))
        words[i] = re.sub(r"\d+", value, words[i]) if re.search(r"\d", words[i]) else value
    elif kind == "append":
        words = words + " ".join(donor[-draw(st.integers(4, 30)):]).split(" ")
    elif kind == "drop":
        sentences = re.split(r"(?<=[.!?])\s+(?=[A-Z“\"])", paragraph)
        words = " ".join(sentences[:-1] or sentences).split(" ")
    return " ".join(words)


@st.composite
def versions(draw: st.DrawFn, pool: list[str]) -> tuple[list[str], list[str]]:
    """An older version of real paragraphs and a newer one: kept, edited, deleted, inserted."""
    old = draw(st.lists(st.sampled_from(pool), min_size=1, max_size=8, unique=True))
    new: list[str] = []
    for paragraph in old:
        action = draw(st.sampled_from(("keep", "keep", "edit", "edit", "delete", "insert")))
        if action == "insert":
            new.append(draw(st.sampled_from(pool)))
        if action == "edit":
            new.append(draw(edited(paragraph)))
        elif action != "delete":
            new.append(paragraph)
    return old, [p for p in new if p]


def _variant(draw: st.DrawFn, dump: Dump) -> str:
    """The scraped text in one of the shapes seen in the wild: with or without a heading on the title
    row and the times, blank lines between the table's rows or an empty row somewhere, CRLF and BOM."""
    heading = draw(st.sampled_from((None, dump.titles[1])))
    text = scrape(render_html(dump), heading=heading, keep_times=draw(st.booleans()))
    head, table = text.split("\nVersion 2 Version 3\n")
    lines = table.split("\n")
    blanks = draw(st.sampled_from(("none", "spaced", "empty row")))
    if blanks == "spaced":
        lines = "\n\n".join(lines).split("\n")
    elif blanks == "empty row":
        lines.insert(draw(st.integers(1, len(lines))), "")
    text = f"{head}\nVersion 2 Version 3\n" + "\n".join(lines)
    if draw(st.booleans()):
        text = "\ufeff" + text.replace("\n", "\r\n")
    return text


# The same 80 examples on every run (derandomize), so that CI is reproducible; new shapes are explored
# by raising max_examples by hand (1,500 random examples pass).
@settings(max_examples=80, deadline=None, derandomize=True)
@given(st.data(), versions(PARAGRAPHS), st.sampled_from(("added", "removed")))
def test_text_round_trip(data: st.DataObject, pair: tuple[list[str], list[str]], single_as: str) -> None:
    """Every row comes back exactly, or is flagged: seen once (ambiguous) or cut by a guess (uncertain)."""
    old, new = pair
    dump = Dump(old, new, times=data.draw(st.sampled_from((None, Dump.times))))
    parsed = parse_dump_text(_variant(data.draw, dump), single_as=single_as)
    rows, flagged = parsed.details["rows"], set(parsed.details["ambiguous"]) | set(parsed.details["uncertain"])
    truth = list(align(old, new))
    assert len(rows) == len(truth)
    for i, ((kind, o, n), row) in enumerate(zip(truth, rows, strict=True)):
        if kind == "same":
            assert row == {"kind": "same", "old": o, "new": n}
        elif kind in ("added", "removed"):  # never cut, always flagged, placed as asked
            text = o or n
            assert row == ({"kind": "single", "old": None, "new": text} if single_as == "added"
                           else {"kind": "single", "old": text, "new": None})
            assert i in parsed.details["ambiguous"]
        elif i not in flagged:
            assert row == {"kind": "changed", "old": o, "new": n}
    older = [r["old"] for r in rows if r["old"] is not None]
    newer = [r["new"] for r in rows if r["new"] is not None]
    assert [list(v.paragraphs) for v in parsed.versions] == [older, newer]
    if not flagged:
        assert (older, newer) == (old, new)


@settings(max_examples=60, deadline=None)
@given(versions(ALL + ["<script>alert(1)</script> & “quotes” <b>bold</b>", "A < B > C &amp; D"]),
       st.sampled_from(("Same headline", "New <i>headline</i> & more")))
def test_html_round_trip_is_exact(pair: tuple[list[str], list[str]], new_title: str) -> None:
    """The page's HTML marks every change, so both versions come back exactly, hostile text included."""
    old, new = pair
    page = render_html(Dump(old, new, old_title="Same headline", new_title=new_title))
    parsed = parse_bytes(page.encode("utf-8"))
    assert parsed.format == "newssniffer" and parsed.details["dump"] == "html"
    assert [list(v.paragraphs) for v in parsed.versions] == [old, new]
    assert [v.title for v in parsed.versions] == ["Same headline", new_title]
    assert [r["kind"] for r in parsed.details["rows"]] == [kind for kind, _, _ in align(old, new)]
    assert parsed.details["ambiguous"] == [] and parsed.details["source"] == "guardian"
    assert [v.captured_at for v in parsed.versions] == ["2016-05-03T11:40:02Z", "2016-09-07T08:03:51Z"]


def test_html_empty_rows_count_as_nothing() -> None:
    parsed = parse_dump_html(_with_empty_rows(render_html(Dump(BODY_OLD, BODY_NEW))))
    assert [r["kind"] for r in parsed.details["rows"]] == ["changed", "same", "same", "added"]
    assert parsed.details["counts"] == {"same": 2, "changed": 1, "added": 1, "removed": 0, "single": 0}
    assert [list(v.paragraphs) for v in parsed.versions] == [BODY_OLD, BODY_NEW]


def test_html_dump_header_and_labels() -> None:
    dump = Dump(BODY_OLD, BODY_NEW, labels=(7, 8), changes=9, ending="checking", times=None)
    parsed = parse_dump_html(render_html(dump))
    d = parsed.details
    assert [v.label for v in parsed.versions] == ["7", "8"] and d["changes"] == 9
    assert (d["status"], d["url"], d["gap"]) == ("checking", SEED_URL, None)
    assert [r["kind"] for r in d["rows"]] == ["changed", "same", "same", "added"]


# -- the command line ------------------------------------------------------------------------------


def test_cli_parse_json_on_the_seed_dump(cli) -> None:  # type: ignore[no-untyped-def]
    result = cli("parse", SEED_DUMP, "--json")
    assert result.code == 0, result
    doc = result.json
    assert doc["format"] == "newssniffer"
    assert (doc["source"], doc["url"], doc["changes"], doc["gap"]) == ("guardian", SEED_URL, 5, "4 months later")
    assert [(v["label"], v["title"], len(v["paragraphs"])) for v in doc["versions"]] == [
        ("2", SEED_TITLE, 15), ("3", SEED_TITLE, 15)]
    assert doc["versions"][0]["paragraphs"] == doc["versions"][1]["paragraphs"]
    assert {r["kind"] for r in doc["rows"]} == {"same"} and len(doc["rows"]) == 15
    assert doc["ambiguous"] == []
    human = cli("parse", SEED_DUMP).stdout.splitlines()
    assert human[:7] == ["format: newssniffer", "dump: text", "source: guardian", f"url: {SEED_URL}", "changes: 5",
                         "gap: 4 months later", "rows: 15 (15 same)"]
    assert "note:" not in "".join(human)


def test_cli_parse_says_which_rows_are_ambiguous(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "dump.txt"
    path.write_text(_text(Dump(BODY_OLD, BODY_NEW)), encoding="utf-8")
    result = cli("parse", path)
    assert result.code == 0, result
    assert "rows: 4 (2 same, 1 changed, 1 single)" in result.stdout.splitlines()
    note = result.stdout.splitlines()[-1]
    assert note.startswith("note: 1 row appears once") and "newer version only" in note
    assert note.endswith("row 4 “Lavrov said a truce could come within …”")  # counted from 1, as a person does
    result = cli("parse", path, "--single-as", "removed", "--json")
    assert result.json["rows"][3] == {"kind": "single", "old": BODY_NEW[3], "new": None}


def test_cli_parse_says_which_splits_are_guesses(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    second = "Fighting left up to 19 dead on Tuesday."
    path = tmp_path / "dump.txt"
    path.write_text(_text(Dump([REAL, f"{REAL} {second}"], [REAL, REAL])), encoding="utf-8")
    result = cli("parse", path)
    assert result.code == 0, result
    assert "1 changed row could be split" in result.stdout
    assert "row 2 “Russia and the UN have said they hope a …”" in result.stdout
    assert cli("parse", path, "--json").json["uncertain"] == [1]


def _next_pair(tmp_path: Path) -> tuple[Path, Path]:
    """The seed's following diff page (versions 3 and 4), as scraped text and as HTML."""
    old = list(parse_bytes(SEED_DUMP.read_bytes()).versions[1].paragraphs)
    new = old[:3] + [old[3].replace("in the next few hours", "in the coming hours")] + old[4:] + [
        "Later on Tuesday the UN said talks would resume in Geneva."]
    dump = Dump(old, new, labels=(3, 4), times=(datetime(2016, 9, 7, 8, 3, 51, tzinfo=timezone.utc),
                                               datetime(2016, 9, 8, 10, 0, 0, tzinfo=timezone.utc)), gap="1 day later")
    text, page = tmp_path / "pair34.txt", tmp_path / "pair34.html"
    text.write_text(scrape(render_html(dump), heading=SEED_TITLE, keep_times=True), encoding="utf-8")
    page.write_text(render_html(dump), encoding="utf-8")
    return text, page


@pytest.mark.parametrize("form", ["text", "spaced text", "html"])
def test_cli_import_dump_twice_then_the_next_pair(cli, tmp_path: Path, form: str) -> None:  # type: ignore[no-untyped-def]
    first = cli("import", SEED_DUMP, "--json")
    assert first.code == 0, first
    [imported] = first.json["imported"]
    assert imported["format"] == "newssniffer" and imported["url"] == SEED_URL
    assert [v["label"] for v in imported["versions"]] == ["2", "3"]
    assert imported["added"] == 1  # versions 2 and 3 are identical: one stored version
    again = cli("import", SEED_DUMP, "--json")
    assert again.json["imported"][0]["added"] == 0 and again.json["imported"][0]["article_id"] == imported["article_id"]

    text, page = _next_pair(tmp_path)
    if form == "spaced text":  # a blank line between rows once cut the newer version to one paragraph
        text.write_text(text.read_text(encoding="utf-8").replace("\n", "\n\n"), encoding="utf-8")
    nxt = cli("import", page if form == "html" else text, "--json")
    assert nxt.code == 0, nxt
    [extended] = nxt.json["imported"]
    assert extended["article_id"] == imported["article_id"] and extended["added"] == 1
    assert [v["outcome"] for v in extended["versions"]] == ["same", "new"]
    log = cli("log", SEED_URL, "--json").json
    assert [v["label"] for v in log["versions"]] == ["2,3", "4"]  # one text shown as page versions 2 and 3
    assert log["versions"][-1]["captured_at"] == "2016-09-08T10:00:00Z"
    shown = cli("show", SEED_URL, "--json").json
    assert len(shown["paragraphs"]) == 16
    assert shown["paragraphs"][-1] == "Later on Tuesday the UN said talks would resume in Geneva."
    assert "in the coming hours" in shown["paragraphs"][3]


def test_dump_json_details_are_plain_json() -> None:
    parsed = parse_dump_text(_text(Dump(BODY_OLD, BODY_NEW)))
    assert json.loads(json.dumps(parsed.details)) == parsed.details
    assert dataclasses.asdict(parsed.versions[0])["meta"] == {"dump": "text"}


def test_a_dump_is_stored_whole_or_not_at_all(db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """If storing the newer version fails (disk full, say), the older one is not left behind."""
    text, _ = _next_pair(tmp_path)
    store = Store.open(db_path)
    real_add = type(store).add_version  # the backend's own method
    calls = []

    def failing_second(self: Store, record: ArticleRecord, **kwargs: Any) -> AddResult:
        calls.append(record.label)
        if len(calls) == 2:
            raise OSError("disk full")
        return real_add(self, record, **kwargs)

    monkeypatch.setattr(type(store), "add_version", failing_second)
    with pytest.raises(OSError):
        import_file(store, text)
    assert calls == ["3", "4"]
    counts = [store.db.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("articles", "versions", "raws")]
    assert counts == [0, 0, 0]
