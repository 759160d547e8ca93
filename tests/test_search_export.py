"""Search over the history (which articles, which versions, which edits) and streamed export."""

from __future__ import annotations

import csv
import io
import hashlib
import json
import subprocess
import sys
import tracemalloc
from pathlib import Path

import pytest

from newsdiff.store import passage_index as passages
from newsdiff.export import export
from newsdiff.store import DamagedHistory
from newsdiff.store.compact_history import encode_keyframe, text_size
from newsdiff.model import ArticleRecord, content_hash
from newsdiff.store import Store

ALEPPO = "https://example.org/aleppo"
BUDGET = "https://example.org/budget"
P = ["Fighting in Aleppo left 19 people dead on Tuesday.",
     "The ceasefire was agreed in Geneva. Officials said talks would resume.",
     "Rescue workers searched the rubble."]
# Version by version: (headline, paragraphs, captured_at)
ALEPPO_VERSIONS = [
    ("Aleppo fighting", P, "2024-03-01T08:00:00Z"),
    ("Aleppo fighting", [P[0].replace("19 people dead", "21 people killed"), P[1], P[2]], "2024-03-01T10:00:00Z"),
    ("Aleppo fighting kills 21", [P[0].replace("19 people dead", "21 people killed"), P[1], P[2],
                                  "At least four children were killed, medics said."], "2024-03-02T08:00:00Z"),
    ("Aleppo fighting kills 23", [P[0].replace("19 people dead", "23 people dead"), P[2], P[1],
                                  "At least four children were killed, medics said."], "2024-03-03T08:00:00Z"),
]


@pytest.fixture
def cli(any_cli):
    """Every command-line test here runs on SQLite and on PostgreSQL alike."""
    return any_cli



@pytest.fixture
def store(any_db: str) -> Store:
    store = Store.open(any_db)
    for title, paragraphs, at in ALEPPO_VERSIONS:
        store.add_version(ArticleRecord(paragraphs=tuple(paragraphs), title=title, url=ALEPPO, source="wire",
                                        captured_at=at), key=ALEPPO)
    for n, at in enumerate(["2024-03-01T09:00:00Z", "2024-03-04T09:00:00Z"]):
        store.add_version(ArticleRecord(
            paragraphs=("The city council approved the budget for São Paulo's schools.",
                        f"The vote was {n + 7} to 2, and nobody was killed."),
            title="Budget approved", url=BUDGET, source="council", captured_at=at), key=BUDGET)
    return store


# -- search ------------------------------------------------------------------------------------------------


def test_search_says_which_articles_and_versions_hold_the_words(store: Store, cli) -> None:
    result = cli("search", "killed", "--json")
    assert result.code == 0
    articles = {a["article_id"]: a for a in result.json["articles"]}
    assert articles[1]["versions"] == [2, 3, 4]  # version 1 said "dead"
    assert articles[2]["versions"] == [1, 2]
    match = articles[1]["matches"][0]
    assert match["versions"] == [2, 3]
    assert match["snippet"] == "Fighting in Aleppo left 21 people killed on Tuesday."
    start, end = match["highlights"][0]
    assert match["snippet"][start:end] == "killed"


def test_phrases_prefixes_accents_and_headlines(store: Store, cli) -> None:
    found = lambda *args: {(a["article_id"], tuple(a["versions"]))  # noqa: E731
                           for a in cli("search", *args, "--json").json["articles"]}
    assert found('"people dead"') == {(1, (1, 4))}
    assert found("peop* Aleppo") == {(1, (1, 2, 3, 4))}
    assert found("sao paulo") == {(2, (1, 2))}
    assert found("kills") == {(1, (3, 4))}  # only the headline of versions 3 and 4 says it
    assert cli("search", "kills", "--json").json["articles"][0]["matches"][0]["kind"] == "title"
    assert found("killed OR Geneva") == set()  # without --fts, OR is just a word
    assert {a for a, _ in found("--fts", "children OR council")} == {1, 2}
    assert found("Aleppo budget") == set()  # no article holds both


def test_a_list_cut_by_limit_says_so(store: Store, cli) -> None:
    assert cli("search", "killed", "--json").json["more"] is False
    cut = cli("search", "killed", "--limit", "1", "--json").json
    assert cut["more"] is True and len(cut["articles"]) == 1
    edits = cli("search", "killed", "--changed", "--limit", "2", "--json").json
    assert edits["more"] is True and len(edits["edits"]) == 2
    assert cli("search", "killed", "--changed", "--limit", "3", "--json").json["more"] is False
    out = cli("search", "killed", "--changed", "--limit", "2").stdout
    assert out.endswith("only the first 2 matching edits are shown; --limit shows more\n")
    assert "--limit" not in cli("search", "killed").stdout
    one = cli("search", "killed", "--limit", "1").stdout
    assert one.endswith("only the first matching article is shown; --limit shows more\n")


def test_a_limited_search_reads_only_the_articles_it_shows(any_db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A search stops at its limit: the passages of articles past it are never read (in a large archive,
    every passage holding a common word), and its hits are the unlimited search's first, in its order."""
    from newsdiff.search import search

    store = Store.open(any_db)
    for i in range(12):
        url = f"https://example.org/story-{i}"
        store.add_version(ArticleRecord(
            paragraphs=(f"The council met on day {i}." + " It sat late." * i, f"Storm damage was reported {i} times."),
            title=f"Story {i}", url=url, source="wire", captured_at=f"2024-03-{i + 1:02d}T08:00:00Z"), key=url)
    everything = search(store, "council storm", limit=None)
    assert len(everything) == 12
    read: list[int | None] = []
    matching = store.matching_passages

    def counted(fts: str, article_id: int | None = None) -> list[dict]:
        read.append(article_id)
        return matching(fts, article_id)

    monkeypatch.setattr(store, "matching_passages", counted)
    first = search(store, "council storm", limit=3)
    assert [hit.to_json() for hit in first] == [hit.to_json() for hit in everything[:3]]
    assert len(read) == 3 and None not in read


def test_words_together_come_before_words_apart_and_spare_ranking_every_passage(
        any_db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """An article holding the words in one passage outranks one holding them only in different passages,
    however well the latter's passage for one word ranks; and a search whose limit is reached among the
    first never ranks the passages holding any one word (in a large archive, each passage with a common
    word)."""
    from newsdiff.search import search

    store = Store.open(any_db)
    stories = {
        "apart": ("Storm storm storm.", "The council will meet again on Monday after a long day of talks."),
        "together": ("The council discussed the damage the storm did to the harbour wall on Sunday night.",),
    }
    for name, paragraphs in stories.items():
        url = f"https://example.org/{name}"
        store.add_version(ArticleRecord(paragraphs=paragraphs, title=name.title(), url=url, source="wire",
                                        captured_at="2024-03-01T08:00:00Z"), key=url)
    asked: list[str] = []
    ranked = store.ranked_articles

    def counted(fts: str) -> list[int]:
        asked.append(fts)
        return ranked(fts)

    monkeypatch.setattr(store, "ranked_articles", counted)
    assert [hit.to_json()["url"] for hit in search(store, "council storm", limit=None)] == [
        "https://example.org/together", "https://example.org/apart"]
    assert any(" OR " in fts for fts in asked)
    asked.clear()
    assert [hit.to_json()["url"] for hit in search(store, "council storm", limit=1)] == ["https://example.org/together"]
    assert asked and not any(" OR " in fts for fts in asked)


def test_a_hits_paragraphs_come_in_the_order_of_the_text(any_db: str) -> None:
    """Within one article the matching paragraphs are listed as the text has them (headline first, then
    by the version that first held them), not by how well each one ranks: a short paragraph that says
    the word once does not jump ahead of the lead."""
    from newsdiff.search import search

    store = Store.open(any_db)
    lead = "The storm reached the coast on Sunday night, and the harbour wall gave way under the waves."
    store.add_version(ArticleRecord(paragraphs=(lead, "Officials met on Monday.", "Storm."), title="Coast",
                                    url=ALEPPO, source="wire", captured_at="2024-03-01T08:00:00Z"), key=ALEPPO)
    [hit] = search(store, "storm")
    assert [m.snippet.replace("[", "").replace("]", "")[:9].casefold() for m in hit.matches] == ["the storm", "storm."]


def test_search_errors_are_one_line(store: Store, cli) -> None:
    for args, message in [(("",), "the search query is empty"), (("--fts", 'killed AND ("'), "cannot search for")]:
        result = cli("search", *args)
        assert result.code == 1 and result.stderr.startswith(f"newsdiff: {message}")
        assert len(result.stderr.splitlines()) == 1


def test_a_query_of_punctuation_alone_is_an_empty_query(store: Store, cli) -> None:
    for query in ('"', "*", "(", '""', '* " ('):
        for extra in ((), ("--changed",)):
            result = cli("search", query, *extra)
            assert (result.code, result.stdout) == (1, "")
            assert result.stderr.startswith("newsdiff: the search query is empty")
            assert len(result.stderr.splitlines()) == 1
    # beside a word, a stray quote or star is ignored, not a term that can never match
    assert [a["article_id"] for a in cli("search", 'children "', "--json").json["articles"]] == [1]
    assert [a["article_id"] for a in cli("search", "children *", "--json").json["articles"]] == [1]


def test_words_may_sit_in_different_paragraphs_of_a_version(store: Store, cli) -> None:
    def found(*args: str) -> dict[int, list[int]]:
        return {a["article_id"]: a["versions"] for a in cli("search", *args, "--json").json["articles"]}

    assert found("Aleppo rubble") == {1: [1, 2, 3, 4]}  # first and last paragraph
    assert found("Geneva kills") == {1: [3, 4]}  # a paragraph and the headline
    assert found("schools killed") == {2: [1, 2]}
    assert found('"Tuesday The ceasefire"') == {}  # a phrase does not run across paragraphs
    # "dead" is in versions 1 and 4, "children" in 3 and 4: only version 4 holds both
    hit = cli("search", "children dead", "--json").json["articles"]
    assert [(a["article_id"], a["versions"]) for a in hit] == [(1, [4])]
    assert [(m["versions"], m["snippet"][slice(*m["highlights"][0])]) for m in hit[0]["matches"]] == [
        ([4], "children"), ([4], "dead")]
    out = cli("search", "children dead").stdout
    assert "Fighting in Aleppo left 23 people **dead** on Tuesday." in out and "19 people" not in out
    # --changed: the edits that put one of the words in or took it out, where a version holds all of them
    edits = cli("search", "children dead", "--changed", "--json").json["edits"]
    assert [(e["from_version"], e["to_version"], e["op"]) for e in edits] == [(3, 4, "changed")]
    assert ["+", "dead"] in edits[0]["words"]


def test_figures_are_found_with_or_without_thousands_separators(store: Store, cli) -> None:
    """`search 1500` finds "1,500", "1.500" and "1 500", and each of those finds "1500"; not "1,500,000"."""
    for n, written in enumerate(["1,500", "1.500", "1 500", "1\u202f500", "1500", "1,500,000"], start=1):
        store.add_version(ArticleRecord(paragraphs=(f"The storm left {written} homes without power.",),
                                        title=f"Storm {n}"), key=f"storm-{n}")
    found = lambda query: sorted(a["title"] for a in cli("search", query, "--json").json["articles"])  # noqa: E731
    for query in ["1500", "1,500", "1.500", "\"1 500\""]:  # unquoted, 1 500 is two words
        assert found(query) == ["Storm 1", "Storm 2", "Storm 3", "Storm 4", "Storm 5"], query
    assert found("1500000") == found("1,500,000") == ["Storm 6"]
    hit = cli("search", "1500", "--json").json["articles"][0]["matches"][0]
    start, end = hit["highlights"][0]
    assert hit["snippet"][start:end].replace(",", " ").split() == ["1", "500"] or hit["snippet"][start:end] == "1500"
    assert "**1,500**" in cli("search", "1500").stdout


def test_human_search_output_marks_matches(store: Store, cli) -> None:
    out = cli("search", "children").stdout
    assert f"article 1 [{ALEPPO}] Aleppo fighting kills 23 (versions 3-4)" in out
    assert "paragraph, versions 3-4: At least four **children** were killed, medics said." in out


def test_changed_finds_edited_and_added_sentences_only(store: Store, cli) -> None:
    result = cli("search", "killed", "--changed", "--json")
    assert result.code == 0
    edits = [(e["article_id"], e["from_version"], e["to_version"], e["op"]) for e in result.json["edits"]]
    # 1->2: "dead" became "killed"; 2->3: a sentence with "killed" added; 3->4: "killed" edited away.
    # The budget story's sentence with "killed" only had its figure changed, and unchanged or merely
    # moved sentences that hold the word (the children sentence in 3->4) are not edits of it.
    assert edits == [(1, 1, 2, "changed"), (1, 2, 3, "added"), (1, 3, 4, "changed")]
    first = result.json["edits"][0]
    assert first["old"] == [P[0]] and first["new"] == ["Fighting in Aleppo left 21 people killed on Tuesday."]
    assert ["+", "killed"] in first["words"] and "number" in first["tags"]
    headline = cli("search", "kills", "--changed", "--json").json["edits"]
    # 3->4 changed the figure beside "kills", not the word
    assert [(e["from_version"], e["to_version"], e["op"]) for e in headline] == [(2, 3, "title")]
    assert cli("search", "Geneva", "--changed", "--json").json["edits"] == []  # only ever moved
    text = cli("search", "killed", "--changed").stdout
    assert "Fighting in Aleppo left [-19-]{+21+} people [-dead-]{+killed+} on Tuesday." in text


def test_changed_wants_the_word_itself_edited_in_or_out(store: Store, cli) -> None:
    storm = "https://example.org/storm"
    for title, sentence in [("Storm hits coast", "Two people were killed near the café."),
                            ("Storm hits coast, two dead", "Three people were killed near the Café Rouge.")]:
        store.add_version(ArticleRecord(paragraphs=(sentence, "The storm moved north."), title=title, url=storm),
                          key=storm)

    def edits(query: str) -> list[tuple[str, str]]:
        found = cli("search", query, "--changed", "--json").json["edits"]
        return [(e["op"], e["new"][0]) for e in found if e["url"] == storm]

    body = ("changed", "Three people were killed near the Café Rouge.")
    headline = ("title", "Storm hits coast, two dead")
    assert edits("storm") == [] and edits("killed") == [] and edits("coast") == []  # beside the edit, not in it
    assert edits("dead") == [headline] and edits('"two dead"') == [headline]
    assert edits("TWO") == [headline, body]  # "two" added to the headline, "Two" removed from the sentence
    assert edits("thr*") == [body] and edits("CAFE") == [body] and edits("rouge") == [body]
    assert edits('"people were killed"') == []


def test_index_is_written_with_the_version_or_not_at_all(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(self: passages.PassageIndex, db: object, insert: object = None) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(passages.PassageIndex, "write", broken)
    before = store.db.execute("SELECT (SELECT count(*) FROM versions), (SELECT count(*) FROM passages)").fetchone()
    with pytest.raises(RuntimeError):
        store.add_version(ArticleRecord(paragraphs=("A brand new paragraph.",), title="Aleppo fighting"), key=ALEPPO)
    after = store.db.execute("SELECT (SELECT count(*) FROM versions), (SELECT count(*) FROM passages)").fetchone()
    assert after == before
    assert store.version_row(1)["number"] == 4 and store.version_row(1, 3)["title"] == "Aleppo fighting kills 21"


# -- export ------------------------------------------------------------------------------------------------


def test_jsonl_export_has_every_version_exactly(store: Store, cli) -> None:
    result = cli("export")
    assert result.code == 0
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(r["article_id"], r["version"]) for r in lines] == [(1, 1), (1, 2), (1, 3), (1, 4), (2, 1), (2, 2)]
    for r in lines:
        assert r["text"] == store.version_row(r["article_id"], r["version"])["text"]
        assert content_hash(r["title"], r["text"]) == r["content_hash"]
    assert (lines[0]["source"], lines[0]["url"], lines[0]["captured_at"]) == ("wire", ALEPPO, "2024-03-01T08:00:00Z")
    assert {r["raw_sha256"] for r in lines} == {None}  # these were stored by a script, without their pages


def test_export_names_the_page_each_version_was_read_from(cli, tmp_path: Path) -> None:
    page = tmp_path / "page.txt"
    page.write_text("Fighting in Aleppo left 19 people dead on Tuesday, rescue workers and officials said.\n")
    assert cli("import", page, "--url", ALEPPO).code == 0
    [record] = [json.loads(line) for line in cli("export").stdout.splitlines()]
    assert record["raw_sha256"] == hashlib.sha256(page.read_bytes()).hexdigest()
    assert record["raw_sha256"] == cli("show", ALEPPO, "--json").json["raw"]["sha256"]


def test_export_rebuilds_a_plain_text_history_once_and_names_each_file(
        cli, any_db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A plain-text file kept as its version's text has its digest made from the text the export rebuilds
    anyway: the history is rebuilt once, not once more for the digests."""
    from newsdiff.export import version_records

    files = []
    for n, toll in enumerate(("19", "21", "24")):
        page = tmp_path / f"v{n}.txt"
        page.write_text(f"Fighting in Aleppo left {toll} people dead on Tuesday, rescue workers said.\n")
        assert cli("import", page, "--url", ALEPPO).code == 0
        files.append(page)
    store = Store.open(any_db)
    rebuilt = store.rebuilt_versions
    calls: list[int] = []

    def counted(article_id: int, since: str | None = None):  # type: ignore[no-untyped-def]
        calls.append(article_id)
        return rebuilt(article_id, since)

    monkeypatch.setattr(store, "rebuilt_versions", counted)
    records = list(version_records(store))
    assert [r["raw_sha256"] for r in records] == [hashlib.sha256(f.read_bytes()).hexdigest() for f in files]
    assert calls == [1]


def test_since_and_csv(store: Store, cli) -> None:
    rows = list(csv.DictReader(io.StringIO(cli("export", "--format", "csv", "--since", "2024-03-02").stdout)))
    assert [(r["article_id"], r["version"]) for r in rows] == [("1", "3"), ("1", "4"), ("2", "2")]
    assert rows[0]["text"] == "\n\n".join(ALEPPO_VERSIONS[2][1])
    assert cli("export", "--since", "2024-03-02T09:00:00+01:00").stdout.count("\n") == 3
    bad = cli("export", "--format", "xml")
    assert bad.code == 2 and "Invalid value for '--format' / '-f': 'xml' is not one of jsonl, csv" in bad.stderr
    for since in ("yesterday", "2024-13-01", ""):
        bad = cli("export", "--since", since)
        assert (bad.code, bad.stdout) == (2, "")  # a usage error, like a date that is no option value at all
        assert bad.stderr.endswith(f"Error: Invalid value for '--since': not an ISO 8601 time: {since!r}\n")


def test_sentence_export_is_a_full_alignment_per_version_pair(store: Store, cli, tmp_path: Path) -> None:
    out = tmp_path / "pairs.jsonl"
    assert cli("export", "--sentences", "-o", str(out)).code == 0
    pairs = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [(p["article_id"], p["from_version"], p["to_version"]) for p in pairs] == [
        (1, 1, 2), (1, 2, 3), (1, 3, 4), (2, 1, 2)]
    for pair in pairs:
        old = store.record(pair["article_id"], pair["from_version"])
        new = store.record(pair["article_id"], pair["to_version"])
        # every sentence of each version sits in exactly one entry, and in order they give back its text
        for side, record in (("old", old), ("new", new)):
            entries = sorted((e for e in pair["sentences"] if e[f"{side}_index"]), key=lambda e: e[f"{side}_index"])
            indexes = [i for e in entries for i in e[f"{side}_index"]]
            assert indexes == list(range(len(indexes)))
            assert " ".join(s for e in entries for s in e[side]) == " ".join(record.paragraphs)
    moved = pairs[2]
    assert moved["title"] == {"old": "Aleppo fighting kills 21", "new": "Aleppo fighting kills 23", "changed": True,
                              "tags": ["number"]}
    assert {e["op"] for e in moved["sentences"]} >= {"changed", "moved", "unchanged"}
    rows = list(csv.DictReader(io.StringIO(cli("export", "--sentences", "--format", "csv").stdout)))
    sentence_rows = [r for r in rows if r["field"] == "text"]
    assert sum(len(p["sentences"]) for p in pairs) == len(sentence_rows)
    changed = next(r for r in sentence_rows if r["op"] == "changed")
    assert (changed["from_version"], changed["old"], changed["tags"]) == ("1", P[0], "number;wording")
    # the headline changes the JSON lines carry are rows too, named by `field`, before the pair's sentences
    assert [(r["from_version"], r["to_version"], r["op"], r["old"], r["new"], r["old_index"])
            for r in rows if r["field"] == "title"] == [
        ("2", "3", "changed", "Aleppo fighting", "Aleppo fighting kills 21", ""),
        ("3", "4", "changed", "Aleppo fighting kills 21", "Aleppo fighting kills 23", "")]
    assert {r["field"] for r in rows} == {"title", "text"}


def test_sentence_export_carries_byline_and_standfirst_changes(store: Store, cli) -> None:
    url = "https://example.org/profile"
    for byline, standfirst, more in [(None, "A short life.", ()), ("By Ana Ruiz", "A long life.", ("She sang.",))]:
        store.add_version(ArticleRecord(paragraphs=("She was born in 1950.", *more), title="Profile", url=url,
                                        byline=byline, standfirst=standfirst), key=url)
    pair = [json.loads(line) for line in cli("export", "--sentences").stdout.splitlines()][-1]
    assert (pair["byline"]["old"], pair["byline"]["new"], pair["byline"]["changed"]) == (None, "By Ana Ruiz", True)
    assert pair["standfirst"]["changed"] and not pair["title"]["changed"]
    rows = [r for r in csv.DictReader(io.StringIO(cli("export", "--sentences", "--format", "csv").stdout))
            if r["url"] == url]
    assert [(r["field"], r["op"], r["old"], r["new"]) for r in rows] == [
        ("byline", "added", "", "By Ana Ruiz"), ("standfirst", "changed", "A short life.", "A long life."),
        ("text", "unchanged", "She was born in 1950.", "She was born in 1950."), ("text", "added", "", "She sang.")]


def test_export_into_a_pipe_closed_early_ends_quietly(store: Store, any_db: str) -> None:
    # far more than a pipe holds, so the export is still writing when the reader goes
    paragraphs = tuple(" ".join(f"Sentence {j} of paragraph {i} of a very long story." for j in range(200))
                       for i in range(150))
    store.add_version(ArticleRecord(paragraphs=paragraphs, title="t", url=ALEPPO, captured_at="2024-03-05T08:00:00Z"),
                      key=ALEPPO)
    process = subprocess.Popen([sys.executable, "-m", "newsdiff", "--db", any_db, "export"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert json.loads(process.stdout.readline())["version"] == 1  # `newsdiff export | head -1`
    process.stdout.close()
    assert process.stderr.read() == b""  # not "newsdiff: None: Broken pipe"
    process.wait(timeout=60)


def test_search_leaves_out_damage_and_says_so(store: Store, cli) -> None:
    with store.write():  # the latest text, which every older version of article 1 is rebuilt from
        latest = store.version_row(1, 4)["text"]
        store.db.execute("UPDATE versions SET data = ? WHERE article_id = 1 AND number = 4",
                         [encode_keyframe(latest + " Tampered.")])
    result = cli("search", "killed", "--json")
    assert result.code == 2
    assert [a["article_id"] for a in result.json["articles"]] == [2]  # the sound article still found
    assert result.json["damaged"][0].startswith("article 1 version")
    assert result.stderr.splitlines()[-1] == (
        "newsdiff: some versions could not be rebuilt; `newsdiff check` lists all damage")
    changed = cli("search", "--changed", "killed")
    assert changed.code == 2 and "left out of the results: article 1 version" in changed.stderr


def test_export_leaves_out_damage_and_says_so(store: Store, cli) -> None:
    with store.write():
        store.db.execute("UPDATE versions SET data = ? WHERE article_id = 1 AND number = 2", [b"\x00"])
    result = cli("export")
    assert result.code == 2  # finished, but some versions could not be exported
    lines = result.stderr.splitlines()
    assert lines[0].startswith("newsdiff: left out of the export: article 1 version 1: cannot rebuild")
    assert lines[1].startswith("newsdiff: left out of the export: article 1 version 2: its delta does not fit")
    assert lines[2] == "newsdiff: some versions could not be rebuilt; `newsdiff check` lists all damage"
    exported = [(r["article_id"], r["version"]) for r in map(json.loads, result.stdout.splitlines())]
    assert exported == [(1, 3), (1, 4), (2, 1), (2, 2)]  # every sound version, nothing damaged
    with pytest.raises(DamagedHistory):  # a library caller keeping no list of damage is told, not ignored
        export(store, io.StringIO())
    pairs = cli("export", "--sentences")
    assert pairs.code == 2
    found = [(r["article_id"], r["from_version"]) for r in map(json.loads, pairs.stdout.splitlines())]
    assert found == [(1, 3), (2, 1)]


# -- streaming: memory stays flat however much is exported --------------------------------------------------


class _Counting(io.TextIOBase):
    """An output that keeps nothing, so the memory measured is the export's own."""

    written = 0

    def write(self, text: str) -> int:
        self.written += len(text)
        return len(text)


def _export_peak(store: Store, **options: object) -> tuple[int, int]:
    """(peak bytes allocated, characters written) for one export."""
    out = _Counting()
    tracemalloc.start()
    try:
        export(store, out, **options)
        return tracemalloc.get_traced_memory()[1], out.written
    finally:
        tracemalloc.stop()


def test_export_memory_stays_flat(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "big.db")
    paragraph = " ".join(f"word{i}" for i in range(1200))  # about 10 KB per version
    total = 0
    with store.write():
        for article_id in range(1, 101):
            store.db["articles"].insert({"id": article_id, "key": f"k{article_id}",
                                         "created_at": "2024-01-01T00:00:00Z",
                                         "tracked": 0, "status": "active"})
            rows = []
            for number in range(1, 31):  # written as self-contained rows, as an import of old data would
                text = f"{paragraph} {article_id} {number}"
                rows.append({"article_id": article_id, "number": number,
                             "captured_at": f"2024-02-{number:02d}T00:00:00Z",
                             "title": "t", "text": text, "content_hash": content_hash("t", text),
                             "word_count": 1202, "text_size": text_size(text)})
                total += len(text)
            store.db["versions"].insert_all(rows)
    peak, written = _export_peak(store)
    assert total > 25_000_000 and written > total
    assert peak < 1_000_000  # bytes: 29 MB of text went through, one version at a time


def test_export_of_delta_histories_and_sentence_pairs_does_not_grow_with_the_database(tmp_path: Path) -> None:
    """Histories as polls store them (reverse deltas): four times the articles, the same memory."""
    store = Store.open(tmp_path / "deltas.db")
    paragraphs = [" ".join(f"Paragraph {i} says thing {j} here." for j in range(15)) for i in range(8)]

    def add_articles(first: int, last: int) -> None:
        for n in range(first, last):
            current = list(paragraphs)
            for edit in range(3):
                current[edit] += f" Update {edit} to story {n}."
                store.add_version(ArticleRecord(paragraphs=tuple(current), title=f"Story {n}"), key=f"story-{n}")

    add_articles(0, 2)
    _export_peak(store, sentences=True)  # first use loads the segmenter and its tables
    small = [_export_peak(store, sentences=sentences) for sentences in (False, True)]
    add_articles(2, 8)
    large = [_export_peak(store, sentences=sentences) for sentences in (False, True)]
    assert store.db.execute("SELECT count(*) FROM versions WHERE storage = 'delta'").fetchone()[0] == 16
    for (small_peak, small_written), (large_peak, large_written) in zip(small, large, strict=True):
        assert large_written >= 3.9 * small_written
        assert large_peak < 1.5 * small_peak


def test_stats(store: Store, cli) -> None:
    doc = cli("stats", "--json").json
    assert (doc["articles"], doc["versions"], doc["edits"]) == (2, 6, 4)
    assert [(s["source"], s["articles"], s["versions"], s["edits"]) for s in doc["sources"]] == [
        ("wire", 1, 4, 3), ("council", 1, 2, 1)]
    assert [(a["article_id"], a["versions"]) for a in doc["most_edited"]] == [(1, 4), (2, 2)]
    assert doc["history"]["text_bytes"] == sum(
        text_size(store.version_row(a, n)["text"]) for a, n in [(1, 1), (1, 2), (1, 3), (1, 4), (2, 1), (2, 2)])
    assert doc["history"]["stored_bytes"] < doc["history"]["text_bytes"]
    assert doc["database"]["bytes_on_disk"] > 0 and "versions" in doc["database"]["tables"]
    text = cli("stats", "--top", "1").stdout
    assert "versions: 6 (4 edits)" in text and "1\t4\twire\tAleppo fighting kills 23" in text


def test_stats_names_an_untitled_article_by_its_first_words(cli, tmp_path: Path) -> None:
    for text in ("The council voted on Monday to close the old bridge to lorries.",
                 "The council voted on Tuesday to close the old bridge to lorries."):
        path = tmp_path / "story.txt"
        path.write_text(text + "\n", encoding="utf-8")
        cli("import", str(path), "--url", "https://example.org/bridge")
    [row] = cli("stats", "--json").json["most_edited"]
    assert (row["title"], row["display_title"]) == (None,
                                                    "The council voted on Tuesday to close the old bridge to lorries.")
    assert "The council voted on Tuesday" in cli("stats").stdout
