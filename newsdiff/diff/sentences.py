"""Sentence segmentation for news prose: nupunkt's boundaries, corrected by a few news rules.

nupunkt was chosen by `scripts/bench_segment.py` (pySBD's Golden Rules plus news cases): it splits
inside multi-sentence quotes, which a sentence diff needs, and is fast enough to segment a long
article in a few milliseconds. The rules below fix what it gets wrong in news copy.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from itertools import pairwise

import nupunkt

from ..lazy import pattern_on_use

__all__ = [
    "SEGMENTER", "segment", "segment_bounds", "segment_paragraphs", "sentence_bounds", "sentences_at",
    "split_sentences",
]

_RULES_VERSION = 3
# Names the segmentation so cached sentence lists are recomputed when either part changes.
SEGMENTER = f"nupunkt-{nupunkt.__version__}+news{_RULES_VERSION}"

_WINDOW = 24  # characters before a boundary that the rules look at: enough for "Lt. Col." and "Jan."
# Titles and ranks are always followed by a name, so a full stop after them never ends a sentence.
_TITLE_END = re.compile(
    r"(?:^|[\s(\"“‘'])(?:Mr|Mrs|Ms|Mx|Dr|Prof|Rev|Fr|Hon|Gov|Sen|Sens|Rep|Reps|Pres|Lt|Col|Gen|Maj"
    r"|Capt|Cmdr|Adm|Brig|Sgt|Cpl|Pvt|Supt|Insp|Det|Atty|Amb|St|Mt|Ft)\.$"
)
# Abbreviations that are followed by a number: "Jan. 5", "No. 10", "p. 55" (asked only before a digit).
_BEFORE_NUMBER = pattern_on_use(
    r"(?:^|[\s(])(?:Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec|No|Nos|p|pp|Art|Fig)\.$")
# A piece that is nothing but a list marker: "1.)", "• 9.", "a.".
_LIST_MARKER = re.compile(r"[•⁃*-]?\s*(?:\d{1,3}|[a-zA-Z])[.)]{1,2}")
# "5 p.m. Officials said" ends a sentence; "5 p.m. Tuesday" and "5 p.m. ET" do not, nor "5 p.m. in London"
# (only a capital can start the next sentence, so only "A.M."/"a.m." ignores case).
_CLOCK = re.compile(r"\b\d{1,2}(?:[:.]\d{2})? ?(?i:[ap]\.m\.) (?=([A-Z][\w'’]*)(?: (\w+))?)")
# A question or exclamation quoted, then who said it: '“Is it over?” Smith asked.' is one sentence
# (who said it is asked only after such a quote).
_QUESTION_QUOTED = re.compile(r"[?!][”\"’']$")
_ATTRIBUTION = pattern_on_use(
    r"(?:[A-Z][\w'’-]*\.? ){1,3}(?:said|says|asked|asks|shouted|yelled|screamed|cried|replied|added|exclaimed"
    r"|wondered|whispered|insisted|tweeted|wrote)\b[.,;:!?]"
)
# nupunkt learned its abbreviations from a corpus, and its list holds thousands of ordinary words
# ("ashore", "awry", "book"): a full stop after a lower-case word of three letters or more, then a
# capital, ends a sentence unless the word is one of these real abbreviations.
_WORD_END = re.compile(r"(?<![\w.'’&-])([a-z]{3,})\.\s+(?=[\"“‘(]?[A-Z])")
_ABBREVIATIONS = frozenset(
    "approx appt apt assn assoc asst attn ave bldg blvd bros dept dist div esp est excl fig govt hwy incl "
    "inst intl jct mfg mgmt mgr misc mtn natl nos orig pkwy ref reps rev sq std tel univ viz vol vols".split()
)
# A single capital before a full stop is an initial ("John F. Kennedy") unless it is a label: it follows
# a word that names a group, plan or grade ("Group B. Officials will draw lots."), or a lower-case word
# that a name does not follow ("vitamin D. It"; not "by J. Smith").
_LETTER_END = re.compile(r"(?<![\w.])([A-Za-z]+) [A-Z]\.\s+(?=[\"“‘(]?[A-Z])")
_LABELS = frozenset(
    "group plan pool class section category type grade gate terminal wing zone phase stage level tier block "
    "option proposition prop question measure division league platform building unit lot row box schedule "
    "appendix annex exhibit figure table vitamin hepatitis".split()
)
_BEFORE_NAMES = frozenset(
    "and or nor by with of to from for said says told as at named called including like than versus vs "
    "the a an his her their its our your my dear".split()
)
_CLOCK_FOLLOWERS = frozenset(
    "Monday Tuesday Wednesday Thursday Friday Saturday Sunday Mon Tue Tues Wed Thu Thurs Fri Sat Sun "
    "January February March April May June July August September October November December Jan Feb Mar "
    "Apr Jun Jul Aug Sep Sept Oct Nov Dec Today Tomorrow Yesterday ET EST EDT CT CST CDT MT MST MDT PT "
    "PST PDT GMT BST UTC CET CEST EET EEST IST JST AEST AEDT HKT SGT MSK".split()
)


def _cut_points(text: str) -> list[int]:
    """Offsets where sentences start (after the first), from nupunkt, before the news rules."""
    return [start for start, _end in nupunkt.sent_spans(text)[1:]]


def _keep_cut(text: str, start: int, cut: int) -> bool:
    """Whether a boundary proposed at `cut` really ends the sentence that began at `start`."""
    before, after = text[max(start, cut - _WINDOW):cut].rstrip(), text[cut:cut + 2]
    if cut <= start or not after or not text[cut - 1].isspace():
        return False  # no space, no boundary: "U.S.-led", "hostilities.If" are not two sentences
    piece = text[start:cut].strip()
    if _LIST_MARKER.fullmatch(piece):
        return False  # "1.) The first item": the number belongs to its item
    if not any(char.isalnum() for char in piece):
        return False  # "... and then it stopped": an ellipsis opens its sentence, it is none of its own
    first = after.lstrip()[:1]
    if first.islower():
        return False  # '"Stop!" the officer shouted', 'Yahoo! in the accounts department'
    if _TITLE_END.search(before):
        return False
    if _QUESTION_QUOTED.search(before) and _ATTRIBUTION().match(text, cut):
        return False
    if first.isdigit() and _BEFORE_NUMBER().search(before):
        return False
    return True


def _missed_cuts(text: str) -> Iterator[int]:
    """Boundaries nupunkt misses: after an ordinary lower-case word, and after a single capital that is
    a label rather than an initial (see `_WORD_END` and `_LETTER_END`)."""
    if ". " not in text:
        return
    for match in _WORD_END.finditer(text):
        if match.group(1) not in _ABBREVIATIONS:
            yield match.end()
    for match in _LETTER_END.finditer(text):
        word = match.group(1)
        lowered = word.lower()
        if lowered in _LABELS or (word.islower() and lowered not in _BEFORE_NAMES):
            yield match.end()


def _clock_cut(text: str, start: int, match: re.Match[str]) -> bool:
    """Whether "5 p.m." followed by a capital ends a sentence: not before a day, month or time zone,
    nor when the time opens its sentence ("At 5 a.m. Mr. Smith went")."""
    word, following = match.group(1), match.group(2)
    if word.rstrip(".") in _CLOCK_FOLLOWERS or (following or "").lower() == "time":
        return False
    return len(text[start:match.start()].split()) > 1


def sentence_bounds(paragraph: str) -> list[int]:
    """Offsets where the paragraph's second, third, ... sentences begin: with the paragraph, all it
    takes to give its sentences back (`sentences_at`), so this is what a cache keeps."""
    if not paragraph.strip():
        return []
    proposed: dict[int, re.Match[str] | None] = dict.fromkeys(_cut_points(paragraph))
    proposed.update(dict.fromkeys(_missed_cuts(paragraph)))
    proposed.update({m.end(): m for m in _CLOCK.finditer(paragraph)})
    bounds = [0]
    for cut in sorted(proposed):
        match = proposed[cut]
        if _keep_cut(paragraph, bounds[-1], cut) if match is None else _clock_cut(paragraph, bounds[-1], match):
            bounds.append(cut)
    return bounds[1:]


def sentences_at(paragraph: str, bounds: list[int]) -> list[str]:
    """The paragraph cut at `bounds` (as `sentence_bounds` gives them) into stripped sentences."""
    cuts = [0, *bounds, len(paragraph)]
    pieces = (paragraph[a:b].strip() for a, b in pairwise(cuts))
    return [piece for piece in pieces if piece]


def split_sentences(paragraph: str) -> list[str]:
    """The sentences of one paragraph, stripped; joined with single spaces they give the paragraph back
    when its whitespace is already folded (as every stored paragraph's is)."""
    return sentences_at(paragraph, sentence_bounds(paragraph))


def segment_paragraphs(paragraphs: list[str] | tuple[str, ...]) -> list[list[str]]:
    """Sentences per paragraph: what the engine takes for a version it need not segment again."""
    return [split_sentences(p) for p in paragraphs]


def segment_bounds(paragraphs: list[str] | tuple[str, ...]) -> list[list[int]]:
    """Sentence bounds per paragraph: the JSON-friendly form cached per stored version (no text)."""
    return [sentence_bounds(p) for p in paragraphs]


def segment(paragraphs: list[str] | tuple[str, ...]) -> list[str]:
    """All sentences of an article body in reading order."""
    return [s for sentences in segment_paragraphs(paragraphs) for s in sentences]
