"""The diff engine on hand-built pairs (every op and tag), the seed articles, random edits of real
paragraphs, and the JSON contract."""

from __future__ import annotations

import json
import random
import re

import pytest
from diff_match_patch import diff_match_patch
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from newsdiff.diff import OPS, Change, Report, Side, diff_records, segment
from newsdiff.diff.align import SIMILAR
from newsdiff.diff.words import diff_tokens, similarity, word_bag, word_diff
from newsdiff.model import ArticleRecord
from newsdiff.sources import parse_bytes

from .conftest import SEED_DUMP, SEED_REUTERS, SEED_RT

KERRY = "He met John Kerry, the US secretary of state, in Geneva on Monday."
TOLL = "Fighting left up to 19 dead on Tuesday in the divided northern city."
TALKS = "The talks broke up last month and the ceasefire has since largely unravelled."
ENVOY = "The envoy flew to Moscow after crisis meetings in Geneva."
QUOTE = '"We hope the truce will hold for the coming week," the envoy said.'
BRITISH = "The minister called the shelling ‘a disgrace’ and the players’ union agreed."


def report(old: list[str], new: list[str], **fields: str) -> Report:
    """Diff two bodies given as paragraphs; keyword arguments set old_/new_ title, byline, standfirst."""
    def record(side: str, paragraphs: list[str]) -> ArticleRecord:
        return ArticleRecord(tuple(paragraphs),
                             **{k[len(side) + 1:]: v for k, v in fields.items() if k.startswith(side)})
    return diff_records(record("old", old), record("new", new))


def only_change(r: Report) -> dict:
    changes = r.to_json()["changes"]
    assert len(changes) == 1, changes
    return changes[0]


def test_number_change_is_changed_with_word_highlights() -> None:
    change = only_change(report([f"{ENVOY} {TOLL}"], [f"{ENVOY} {TOLL.replace('19', '21')}"]))
    assert change == {
        "op": "changed", "old": [TOLL], "new": [TOLL.replace("19", "21")], "old_index": [1], "new_index": [1],
        "words": [["=", "Fighting left up to "], ["-", "19"], ["+", "21"],
                  ["=", " dead on Tuesday in the divided northern city."]],
        "tags": ["number"],
    }


@pytest.mark.parametrize(
    ("old", "new", "tags"),
    [
        (KERRY, KERRY.replace("Kerry", "Kirby"), ["name"]),
        (KERRY, KERRY.replace("Monday", "Tuesday"), ["number"]),  # a date moved, not a name
        (TALKS, TALKS.replace("largely unravelled", "all but collapsed"), ["wording"]),
        (TALKS, TALKS.replace(" and the", "; the"), ["punctuation", "wording"]),
        (ENVOY, ENVOY.replace("Geneva.", "Geneva!"), ["punctuation"]),
        (QUOTE, QUOTE.replace("coming week", "next week"), ["quote", "wording"]),
        (QUOTE, QUOTE.replace("the envoy said", "the diplomat said"), ["wording"]),
        (TOLL, TOLL.replace("19 dead", "nineteen dead"), ["number"]),
        (BRITISH, BRITISH.replace("a disgrace", "a mistake"), ["quote", "wording"]),
        (BRITISH, BRITISH.replace("players’ union", "players’ association"), ["wording"]),
        (TOLL, TOLL.replace("19", "21") + " Correction: an earlier version of this article gave a toll of 19.", None),
    ],
)
def test_tags_on_edited_sentences(old: str, new: str, tags: list[str] | None) -> None:
    r = report([ENVOY, old], [ENVOY, new])
    changes = r.to_json()["changes"]
    if tags is None:  # the correction note becomes its own sentence, added after the corrected one
        assert [(c["op"], c["tags"]) for c in changes] == [("changed", ["number"]), ("added", ["correction"])]
    else:
        assert [(c["op"], c["tags"]) for c in changes] == [("changed", tags)]


@pytest.mark.parametrize(
    ("old", "new", "tags"),
    [
        ("One of the victims was a child from the town.", "Some of the victims were from the town.", ["wording"]),
        ("No one was hurt in the blast.", "Nobody was hurt in the blast.", ["wording"]),
        ("The one who left said nothing.", "The man who left said nothing.", ["wording"]),
        ("One man died in the blast.", "Two men died in the blast.", ["number", "wording"]),
        ("Half of the town was flooded.", "A third of the town was flooded.", ["number", "wording"]),
        ("He was one of three suspects.", "He was one of four suspects.", ["number"]),
    ],
)
def test_one_as_a_pronoun_is_no_figure(old: str, new: str, tags: list[str]) -> None:
    """'one', 'half', 'second' are figures only when a figure stands on the other side of the edit."""
    assert only_change(report([ENVOY, old], [ENVOY, new]))["tags"] == tags


def test_the_middle_of_a_quotation_is_a_quote_though_it_has_no_marks() -> None:
    quotation = "“We will fight them in the streets. We will resist them to the end. We will win,” the mayor said."
    edited = quotation.replace("resist", "oppose")
    changes = report([quotation, ENVOY], [edited, ENVOY.replace("crisis", "emergency")]).to_json()["changes"]
    assert [(c["op"], c["tags"]) for c in changes] == [("changed", ["quote", "wording"]), ("changed", ["wording"])]
    longer = quotation.replace("end. We", "end. We will not bow. We")
    assert [(c["op"], c["tags"]) for c in report([quotation], [longer]).to_json()["changes"]] == [("added", ["quote"])]
    after = "He left. Then the mayor spoke to reporters at length."  # a closed quote opens nothing
    assert report([f"{quotation} {after}"], [f"{quotation} {after.replace('at length', 'briefly')}"]).to_json()[
        "changes"][0]["tags"] == ["wording"]


@pytest.mark.parametrize("note", [
    "Correction: an earlier version of this article gave a toll of 19.",
    "A previous version of this article misstated the date of the attack.",
    "(This story corrects the spelling of the envoy's name.)",
    "Clarification — the figures come from the health ministry.",
])
def test_appended_correction_notes_are_tagged(note: str) -> None:
    changes = report([ENVOY, TALKS], [ENVOY, TALKS, note]).to_json()["changes"]
    assert [(c["op"], c["tags"]) for c in changes] == [("added", ["correction"])]


def test_a_sentence_about_corrections_is_no_correction_note() -> None:
    added = "Corrections officers at the prison said the riot ended overnight."
    assert report([ENVOY], [ENVOY, added]).to_json()["changes"][0]["tags"] == []


def test_typed_dashes_and_straight_quotes_are_cosmetic() -> None:
    old = 'The minister said the plan was "final" -- and would not change.'
    new = "The minister said the plan was “final” — and would not change."
    r = report([ENVOY, old], [ENVOY, new])
    assert r.cosmetic_only and r.to_json()["changes"] == []


def test_added_and_removed_sentences() -> None:
    r = report([f"{ENVOY} {TOLL}", TALKS], [f"{ENVOY} {KERRY}", TALKS])
    assert [(c["op"], c["old_index"], c["new_index"]) for c in r.to_json()["changes"]] == [
        ("removed", [1], []), ("added", [], [1])]
    assert r.summary_line() == "1 sentence added, 1 removed"


def test_unrelated_replacement_is_not_paired() -> None:
    assert similarity(word_bag(TOLL), word_bag(KERRY)) < SIMILAR
    ops = [c["op"] for c in report([TOLL], [KERRY]).to_json()["changes"]]
    assert ops == ["removed", "added"]


def test_moved_sentence_keeps_its_identity() -> None:
    r = report([ENVOY, TOLL, TALKS, KERRY], [TOLL, TALKS, KERRY, ENVOY])
    change = only_change(r)
    assert (change["op"], change["old_index"], change["new_index"], change["tags"]) == ("moved", [0], [3], [])
    assert change["words"] == [["=", ENVOY]]
    assert r.summary_line() == "1 sentence moved"


def test_moved_and_edited_sentence() -> None:
    edited = ENVOY.replace("crisis meetings", "emergency meetings")
    change = only_change(report([ENVOY, TOLL, TALKS, KERRY], [TOLL, TALKS, KERRY, edited]))
    assert (change["op"], change["tags"]) == ("moved", ["wording"])
    assert ["-", "crisis"] in change["words"] and ["+", "emergency"] in change["words"]


def test_split_and_merged() -> None:
    long = "The envoy arrived in Moscow on Tuesday, and he met Lavrov for talks on the truce in Aleppo."
    halves = "The envoy arrived in Moscow on Tuesday. He met Lavrov for talks on the truce in Aleppo."
    split = only_change(report([TOLL, long, TALKS], [TOLL, halves, TALKS]))
    assert (split["op"], split["old_index"], split["new_index"]) == ("split", [1], [1, 2])
    # "and he" -> ". He": a word and a comma went; the capital of the new sentence is not a name.
    assert split["tags"] == ["punctuation", "wording"]
    assert split["new"] == ["The envoy arrived in Moscow on Tuesday.",
                            "He met Lavrov for talks on the truce in Aleppo."]
    assert "".join(t for op, t in split["words"] if op != "+") == long
    assert "".join(t for op, t in split["words"] if op != "-") == halves
    merged = only_change(report([TOLL, halves, TALKS], [TOLL, long, TALKS]))
    assert (merged["op"], merged["old_index"], merged["new_index"]) == ("merged", [1, 2], [1])
    assert merged["tags"] == ["punctuation", "wording"]
    renamed = only_change(report([TOLL, long, TALKS], [TOLL, halves.replace("Lavrov", "Shoigu"), TALKS]))
    assert (renamed["op"], renamed["tags"]) == ("split", ["punctuation", "name", "wording"])


def test_split_and_merge_past_a_moved_neighbour() -> None:
    whole = "Residents fled toward the Turkish border and many of them slept in the open overnight."
    halves = ["Residents fled toward the Turkish border.", "Many of them slept in the open overnight."]
    old, new = [TOLL, whole, TALKS, ENVOY], [TOLL, TALKS, *halves, ENVOY]
    ops = [(c["op"], c["old_index"], c["new_index"]) for c in report(old, new).to_json()["changes"]]
    assert ("split", [1], [2, 3]) in ops and len(ops) <= 2  # the split, and at most the move of TALKS
    back = [(c["op"], c["old_index"], c["new_index"]) for c in report(new, old).to_json()["changes"]]
    assert ("merged", [2, 3], [1]) in back and len(back) <= 2


def test_cosmetic_changes_are_hidden_unless_asked() -> None:
    curly = QUOTE.replace('"We', "“We").replace('week,"', "week,”")
    r = report([ENVOY, QUOTE], [ENVOY, curly])
    assert r.to_json()["changes"] == []
    assert r.cosmetic_only
    assert r.summary(cosmetic=False)["unchanged"] == 2
    assert r.summary_line() == "only cosmetic changes (1 cosmetic change hidden; --cosmetic shows them)"
    shown = r.to_json(cosmetic=True)
    assert [(c["op"], c["tags"]) for c in shown["changes"]] == [("changed", ["cosmetic"])]
    assert shown["summary"]["changed"] == 1 and shown["hidden"] == 0
    # With --all but not --cosmetic the sentence reads as unchanged; its words still show the difference.
    listed = r.to_json(all=True)["changes"]
    assert [c["op"] for c in listed] == ["unchanged", "unchanged"]
    assert listed[1]["tags"] == ["cosmetic"] and ["+", "“"] in listed[1]["words"]


def test_cosmetic_and_real_changes_together_are_not_cosmetic_only() -> None:
    r = report([ENVOY, QUOTE, TOLL], [ENVOY.replace("Moscow", "Moscow\u200b"), QUOTE.replace('"We', "“We"),
                                      TOLL.replace("19", "20")])
    assert not r.cosmetic_only
    assert r.summary_line() == "1 sentence changed (2 cosmetic changes hidden; --cosmetic shows them)"


def test_headline_byline_standfirst_compared_on_their_own() -> None:
    r = report([ENVOY], [ENVOY], old_title="Russia and UN discuss Aleppo truce",
               new_title="Russia and UN discuss new Aleppo truce", new_byline="Staff and agencies")
    document = r.to_json()
    assert document["title"]["changed"] and document["title"]["words"] == [
        ["=", "Russia and UN discuss "], ["+", "new "], ["=", "Aleppo truce"]]
    assert document["byline"] == {"old": None, "new": "Staff and agencies", "changed": True,
                                  "words": [["+", "Staff and agencies"]], "tags": ["wording"]}
    assert "standfirst" not in document
    assert r.summary_line() == "headline changed, byline changed"
    same = report([ENVOY], [ENVOY], old_title="A truce", new_title="A truce").to_json()
    assert same["title"]["changed"] is False and same["changes"] == [] and not same["cosmetic_only"]


def test_seeds_recognise_de_mistura_quote_as_the_same_two_sentences() -> None:
    reuters = parse_bytes(SEED_REUTERS.read_bytes()).versions[0]
    rt = parse_bytes(SEED_RT.read_bytes()).versions[0]
    entries = diff_records(reuters, rt).to_json(all=True)["changes"]
    first = '"We all hope that ... in a few hours we can relaunch the cessation of hostilities.'
    second = 'If we can do this, we will be back on the right track."'
    for sentence in (first, second):
        [entry] = [e for e in entries if sentence in e["old"]]
        assert entry["op"] in ("unchanged", "moved") and entry["new"] == [sentence], entry
    # Different outlets: most of the rest is genuinely removed and added, not forced into pairs.
    summary = diff_records(reuters, rt).summary()
    assert summary["removed"] > 10 and summary["added"] > 10


def test_seed_dump_versions_are_identical() -> None:
    old, new = parse_bytes(SEED_DUMP.read_bytes()).versions
    r = diff_records(old, new)
    assert r.summary_line() == "no changes"
    assert r.summary()["unchanged"] == len(segment(old.paragraphs))


# -- properties: random edits of real paragraphs ------------------------------------------------

SEED_PARAGRAPHS = [p for path in (SEED_REUTERS, SEED_RT) for p in parse_bytes(path.read_bytes()).versions[0].paragraphs]
EXTRA = segment(parse_bytes(SEED_DUMP.read_bytes()).versions[0].paragraphs)


def mutate(paragraphs: list[str], rng: random.Random, edits: int) -> list[str]:
    """Edit words, drop, insert, move, split and re-quote sentences, as newsrooms do."""
    body = [list(segment([p])) for p in paragraphs]
    for _ in range(edits):
        para = rng.randrange(len(body))
        if not body[para]:
            continue
        n = rng.randrange(len(body[para]))
        sentence = body[para][n]
        kind = rng.choice(["word", "drop", "insert", "move", "split", "quote", "number"])
        words = sentence.split()
        if kind == "word":
            words[rng.randrange(len(words))] = rng.choice(["reportedly", "officials", "Kirby", "(updated)"])
            body[para][n] = " ".join(words)
        elif kind == "drop":
            del body[para][n]
        elif kind == "insert":
            body[para].insert(n, rng.choice(EXTRA))
        elif kind == "move":
            del body[para][n]
            body[rng.randrange(len(body))].append(sentence)
        elif kind == "split" and "," in sentence:
            head, tail = sentence.split(",", 1)
            body[para][n] = f"{head}. {tail.strip()[:1].upper()}{tail.strip()[1:]}"
        elif kind == "quote":
            body[para][n] = sentence.replace('"', "“", 1)
        elif kind == "number":
            body[para][n] = f"{sentence} At least {rng.randrange(2, 99)} people were hurt."
    return [" ".join(s) for s in body if s]


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**32), st.integers(1, 12), st.integers(3, len(SEED_PARAGRAPHS)))
def test_new_text_reconstructs_from_old_plus_report(seed: int, edits: int, size: int) -> None:
    rng = random.Random(seed)
    start = rng.randrange(len(SEED_PARAGRAPHS) - size + 1)
    old_paragraphs = SEED_PARAGRAPHS[start:start + size]
    new_paragraphs = mutate(old_paragraphs, rng, edits)
    old, new = segment(old_paragraphs), segment(new_paragraphs)
    r = diff_records(ArticleRecord(tuple(old_paragraphs)), ArticleRecord(tuple(new_paragraphs)))

    # No sentence lost or duplicated: every index on each side in exactly one entry.
    entries = r.to_json(all=True, cosmetic=True)["changes"]
    assert sorted(i for e in entries for i in e["old_index"]) == list(range(len(old)))
    assert sorted(i for e in entries for i in e["new_index"]) == list(range(len(new)))
    for e in entries:
        assert "".join(t for op, t in e["words"] if op != "+") == " ".join(e["old"])
        assert "".join(t for op, t in e["words"] if op != "-") == " ".join(e["new"])
        assert e["op"] in OPS

    # Rebuild the new version from the old one and the changes alone.
    rebuilt: list[str | None] = [None] * len(new)
    changes = r.to_json(cosmetic=True)["changes"]
    for c in changes:
        text = "".join(t for op, t in c["words"] if op != "-")
        parts = [text] if len(c["new_index"]) == 1 else c["new"]
        assert " ".join(parts) == text
        for index, sentence in zip(c["new_index"], parts, strict=True):
            rebuilt[index] = sentence
    touched = {i for c in changes for i in c["old_index"]}
    untouched = iter(s for i, s in enumerate(old) if i not in touched)
    rebuilt = [s if s is not None else next(untouched) for s in rebuilt]
    assert next(untouched, None) is None
    assert rebuilt == new
    counts = r.summary(cosmetic=True)
    assert sum(counts.values()) == len(entries)


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**32), st.integers(0, 3))
def test_a_sentence_added_at_a_paragraph_start_is_reported_added(seed: int, words: int) -> None:
    """A sentence new to the story opening a paragraph, before a first sentence edited in a few words or
    not at all: the one is added, the other changed (or unchanged), neither taken for part of the other."""
    rng = random.Random(seed)
    size = rng.randint(1, 8)
    start = rng.randrange(len(SEED_PARAGRAPHS) - size + 1)
    old = list(SEED_PARAGRAPHS[start:start + size])
    para = rng.randrange(size)
    first, *rest = segment([old[para]])
    edited = first.split()
    for _ in range(words):
        edited[rng.randrange(len(edited))] = rng.choice(["reportedly", "officials", "Kirby", "Tuesday"])
    added = rng.choice([s for s in EXTRA if s not in segment(old)])
    new = old[:para] + [" ".join([added, *edited, *rest])] + old[para + 1:]
    assume(segment([new[para]])[:2] == [added, " ".join(edited)])
    entries = report(old, new).to_json(all=True, cosmetic=True)["changes"]
    assert [(e["op"], e["old"]) for e in entries if added in e["new"]] == [("added", [])]
    [following] = [e for e in entries if " ".join(edited) in e["new"]]
    assert following["old"] == [first] and following["new"] == [" ".join(edited)]


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 2**32), st.integers(1, 12))
def test_token_diffs_are_the_reference_diff_match_patch(seed: int, edits: int) -> None:
    """The engine diffs with diff-match-patch's C++ implementation for speed; it must answer exactly as
    the reference (Python) implementation would, for the sentence anchors and the word highlights."""
    old = segment(SEED_PARAGRAPHS)
    new = segment(mutate(SEED_PARAGRAPHS, random.Random(seed), edits))
    reference = diff_match_patch()
    reference.Diff_Timeout = 0
    cases = [(old, new, False)] + [(re.findall(r"\w+|\s+|[^\w\s]", a), re.findall(r"\w+|\s+|[^\w\s]", b), True)
                                   for a, b in zip(old, new, strict=False) if a != b]
    for a, b, semantic in cases:
        codes = {token: chr(0x100 + n) for n, token in enumerate(dict.fromkeys(a + b))}
        diffs = reference.diff_main("".join(codes[t] for t in a), "".join(codes[t] for t in b), False)
        if semantic:
            reference.diff_cleanupSemantic(diffs)
        expected = [({0: "=", -1: "-", 1: "+"}[op], len(text)) for op, text in diffs]
        assert diff_tokens(a, b, semantic=semantic) == expected


def test_identical_versions_have_no_changes() -> None:
    r = report(SEED_PARAGRAPHS, SEED_PARAGRAPHS)
    assert r.to_json()["changes"] == [] and r.summary_line() == "no changes"
    assert r.summary()["unchanged"] == len(segment(SEED_PARAGRAPHS))


def test_rewrite_of_a_long_article_is_not_everything_deleted_and_inserted() -> None:
    # A large region (every other sentence edited) still pairs the edits instead of giving up.
    old = [s for _ in range(6) for s in segment(SEED_PARAGRAPHS)]
    old = [f"{s} ({n})" for n, s in enumerate(old)]
    new = [s.replace(" the ", " a ", 1) if n % 2 else s for n, s in enumerate(old)]
    r = report(old, new)
    counts = r.summary()
    assert counts["removed"] == counts["added"] == 0
    assert counts["changed"] == sum(" the " in s for s in old[1::2])


# -- the JSON contract ----------------------------------------------------------------------------


def test_json_contract() -> None:
    old = ArticleRecord((f"{ENVOY} {TOLL}", TALKS), title="Truce talks", captured_at="2016-05-03T10:00:00Z")
    new = ArticleRecord((f"{ENVOY} {TOLL.replace('19', '21')}", KERRY), title="Truce talks resume",
                        captured_at="2016-05-03T14:00:00Z")
    document = diff_records(old, new, old_side=Side(2, old.captured_at, old.title),
                            new_side=Side(5, new.captured_at, new.title)).to_json()
    document = json.loads(json.dumps(document))
    assert list(document)[:3] == ["from", "to", "title"] and "summary" in document and "changes" in document
    assert document["from"] == {"version": 2, "captured_at": "2016-05-03T10:00:00Z", "title": "Truce talks",
                                "label": None}
    assert document["to"]["version"] == 5
    assert {k: document["title"][k] for k in ("old", "new", "changed")} == {
        "old": "Truce talks", "new": "Truce talks resume", "changed": True}
    assert document["summary"] == {"unchanged": 1, "changed": 1, "added": 1, "removed": 1, "moved": 0,
                                   "split": 0, "merged": 0}
    for change in document["changes"]:
        assert list(change) == ["op", "old", "new", "old_index", "new_index", "words", "tags"]
        assert all(op in "=-+" and isinstance(text, str) for op, text in change["words"])
    with_all = json.loads(json.dumps(diff_records(old, new).to_json(all=True)))
    assert [c["op"] for c in with_all["changes"]] == ["unchanged", "changed", "removed", "added"]
    assert with_all["changes"][0]["words"] == [["=", ENVOY]]


def test_word_diff_never_cuts_a_word() -> None:
    words = word_diff("The ceasefire collapsed overnight.", "The ceasefires collapsed over night.")
    assert words == [("=", "The "), ("-", "ceasefire"), ("+", "ceasefires"), ("=", " collapsed "),
                     ("-", "overnight"), ("+", "over night"), ("=", ".")]


def test_word_diff_never_cuts_a_figure() -> None:
    assert word_diff("Power was cut to 3,000 homes by 10:30.", "Power was cut to 3,500 homes by 10:45.") == [
        ("=", "Power was cut to "), ("-", "3,000"), ("+", "3,500"), ("=", " homes by "), ("-", "10:30"),
        ("+", "10:45"), ("=", "."),
    ]
    assert word_diff("Growth was 4.5 percent.", "Growth was 4.7 percent.")[1:3] == [("-", "4.5"), ("+", "4.7")]


def test_highlights_are_whole_phrases_after_semantic_cleanup() -> None:
    # Without semantic cleanup the shared spaces inside "broke up last month" / "collapsed in April"
    # would cut the highlight into word-sized pieces.
    old = "The talks broke up last month and the ceasefire has since largely unravelled."
    new = "The talks collapsed in April and the truce has since all but fallen apart."
    assert word_diff(old, new) == [
        ("=", "The talks "), ("-", "broke up last month"), ("+", "collapsed in April"), ("=", " and the "),
        ("-", "ceasefire"), ("+", "truce"), ("=", " has since "), ("-", "largely unravelled"),
        ("+", "all but fallen apart"), ("=", "."),
    ]


def _ops(old: tuple[str, ...], new: tuple[str, ...]) -> list[tuple[str, tuple[str, ...], tuple[str, ...]]]:
    report = diff_records(ArticleRecord(old), ArticleRecord(new))
    return [(c.op, c.old, c.new) for c in report.alignment if isinstance(c, Change)]


def test_a_sentence_moved_past_a_one_sentence_paragraph_is_the_one_reported_moved() -> None:
    # "A" / "B" / "C" becoming "A C" / "B": C changed paragraph, B kept its own; either swap is as short.
    a, b, c = "Alpha went up today.", "Bravo fell sharply today.", "Charlie stayed flat all day."
    assert _ops((a, b, c), (f"{a} {c}", b)) == [("moved", (c,), (c,))]
    # And the other way round: B joins the paragraph below it.
    assert _ops((a, b, c), (a, f"{c} {b}")) == [("moved", (b,), (b,))]


def test_a_merge_across_a_removed_sentence() -> None:
    old = ("Road closed. Police gave no reason. Traffic diverted.",)
    new = ("Road closed, and traffic diverted.",)
    merged = ("merged", ("Road closed.", "Traffic diverted."), ("Road closed, and traffic diverted.",))
    assert _ops(old, new) == [merged, ("removed", ("Police gave no reason.",), ())]
    # The mirror image: a split around a sentence added between its halves.
    assert _ops(new, old) == [("split", merged[2], merged[1]), ("added", (), ("Police gave no reason.",))]


def test_two_outlets_accounts_pair_sentences_that_say_the_same_thing() -> None:
    """Two accounts of one event share almost no sentence: statements of the same fact in other words
    (names and figures in common), in whatever order each outlet tells them, are paired as changed; the
    rest stay added and removed."""
    wire = ("Flooding forced 1,200 people from their homes in Riverton on Monday, officials said. "
            "Mayor Ana Ruiz asked the state for emergency funds. The river crested overnight at record height. "
            "Schools will stay closed until Thursday.")
    paper = ("Volunteers filled sandbags through the night. Ruiz, the mayor, has requested emergency state funds. "
             "The storm also knocked out power to a hospital. "
             "Some 1,200 Riverton residents fled their homes as flooding hit the town on Monday.")
    ops = _ops((wire,), (paper,))
    changed = {(old[0].split()[0], new[0].split()[0]) for op, old, new in ops if op == "changed"}
    assert changed == {("Flooding", "Some"), ("Mayor", "Ruiz,")}
    assert sorted(op for op, _, _ in ops).count("added") == 2


def test_versions_of_one_story_are_not_paired_as_accounts() -> None:
    # Most sentences kept: a sentence removed and an unrelated one added stay what they are, even when
    # they share a name and a few words.
    kept = [f"Sentence {n} of the story stays exactly as it was." for n in range(6)]
    old = (" ".join(kept + ["Mayor Ana Ruiz asked the state for emergency flood funds."]),)
    new = (" ".join(kept + ["State police helped Mayor Ruiz clear flood debris."]),)
    assert [op for op, _, _ in _ops(old, new)] == ["removed", "added"]
