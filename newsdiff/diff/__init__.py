"""The diff engine: two versions of an article in, a sentence-by-sentence change report out.

It takes already-loaded records (and, when the caller has them cached, their sentences); it never
reads the store or files itself.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from ..model import ArticleRecord
from .align import Pairing, Run, align
from .classify import QuoteOpen, pair_tags, sentence_tags
from .report import OPS, Change, FieldChange, Kept, Report, Side
from .sentences import SEGMENTER, segment, segment_bounds, segment_paragraphs, sentences_at, split_sentences
from .words import word_diff

__all__ = [
    "OPS", "SEGMENTER", "SENTENCES_KIND", "Change", "FieldChange", "Kept", "Report", "Side",
    "diff_records", "diff_sentences", "diff_field", "segment", "segment_bounds", "segment_paragraphs",
    "sentences_at", "split_sentences",
]

# The store's cache kind for a version's sentence bounds: a new segmenter or rule set, or a new form of
# the data (sentence texts were cached before bounds), means a new cache entry.
SENTENCES_KIND = f"sentence-bounds/{SEGMENTER}"


def diff_field(old: str | None, new: str | None) -> FieldChange:
    """Compare a headline, byline or standfirst on its own, word by word."""
    words = word_diff(old or "", new or "")
    return FieldChange(old, new, words, tuple(pair_tags(old or "", new or "", words)))


Opened = Callable[[int], bool]  # whether sentence i begins inside a quotation opened before it


def _never(_index: int) -> bool:
    return False


def _edited(op: str, old_index: tuple[int, ...], new_index: tuple[int, ...], old: tuple[str, ...],
            new: tuple[str, ...], opened: tuple[bool, bool] = (False, False)) -> Change:
    """An entry with sentences on both sides, highlighted word by word (split and merged entries
    compare the sentences joined by single spaces)."""
    if old == new:
        return Change(op, old_index, new_index, old, new, [("=", old[0])])
    before, after = " ".join(old), " ".join(new)
    words = word_diff(before, after)
    tags = pair_tags(before, after, words, old[1:] + new[1:], opened)
    return Change(op, old_index, new_index, old, new, words, tuple(tags))


def _change(pairing: Pairing, old: Sequence[str], new: Sequence[str], opened: tuple[Opened, Opened]) -> Change:
    if pairing.op == "removed":
        text = old[pairing.old[0]]
        return Change("removed", pairing.old, (), (text,), (), [("-", text)],
                      tuple(sentence_tags(text, opened[0](pairing.old[0]))))
    if pairing.op == "added":
        text = new[pairing.new[0]]
        return Change("added", (), pairing.new, (), (text,), [("+", text)],
                      tuple(sentence_tags(text, opened[1](pairing.new[0]))))
    return _edited(pairing.op, pairing.old, pairing.new, tuple(old[i] for i in pairing.old),
                   tuple(new[i] for i in pairing.new), (opened[0](pairing.old[0]), opened[1](pairing.new[0])))


def _run(run: Run, old: Sequence[str], new: Sequence[str]) -> list[Change | Kept]:
    """An anchored stretch: what is exactly the same is kept; a sentence that differs only in quote
    style or spacing (the anchors compare cosmetic keys) is `changed`, so its words show the difference."""
    a, b, length = run
    if old[a:a + length] == new[b:b + length]:  # the common case, compared in one go
        return [Kept(a, b, tuple(old[a:a + length]))]
    items: list[Change | Kept] = []
    start = 0
    for k in range(length + 1):
        if k < length and old[a + k] == new[b + k]:
            continue
        if k > start:
            items.append(Kept(a + start, b + start, tuple(old[a + start:a + k])))
        if k < length:
            items.append(_edited("changed", (a + k,), (b + k,), (old[a + k],), (new[b + k],)))
        start = k + 1
    return items


def diff_sentences(old: Sequence[str], new: Sequence[str],
                   opened: tuple[Opened, Opened] = (_never, _never),
                   paragraphs: tuple[Sequence[int], Sequence[int]] | None = None) -> list[Change | Kept]:
    """Align two sentence lists and describe each entry, in reading order. `opened` tells, for each
    side, which sentences begin inside a quotation (so an edit there is tagged `quote`); `paragraphs`,
    each sentence's paragraph number (see `align`)."""
    items: list[Change | Kept] = []
    for entry in align(list(old), list(new), paragraphs):
        if isinstance(entry, Run):
            items.extend(_run(entry, old, new))
        else:
            items.append(_change(entry, old, new, opened))
    return items


def _flatten(paragraphs: Sequence[Sequence[str]]) -> list[str]:
    return [sentence for sentences in paragraphs for sentence in sentences]


def _numbering(paragraphs: Sequence[Sequence[str]]) -> list[int]:
    """Each sentence's paragraph number, in reading order."""
    return [n for n, sentences in enumerate(paragraphs) for _ in sentences]


def diff_records(
    old: ArticleRecord,
    new: ArticleRecord,
    *,
    old_sentences: Sequence[Sequence[str]] | None = None,
    new_sentences: Sequence[Sequence[str]] | None = None,
    old_side: Side | None = None,
    new_side: Side | None = None,
) -> Report:
    """The full report for two versions. Pass each version's sentences per paragraph (as
    `segment_paragraphs` returns them, e.g. from a cache) to skip segmenting it again."""
    old_sentences = old_sentences if old_sentences is not None else segment_paragraphs(old.paragraphs)
    new_sentences = new_sentences if new_sentences is not None else segment_paragraphs(new.paragraphs)
    fields = {"title": diff_field(old.title, new.title)}
    for name in ("byline", "standfirst"):
        before, after = getattr(old, name), getattr(new, name)
        if before or after:
            fields[name] = diff_field(before, after)
    return Report(
        old=old_side or Side(captured_at=old.captured_at, title=old.title, label=old.label),
        new=new_side or Side(captured_at=new.captured_at, title=new.title, label=new.label),
        fields=fields,
        alignment=tuple(diff_sentences(_flatten(old_sentences), _flatten(new_sentences),
                                       (QuoteOpen(old_sentences), QuoteOpen(new_sentences)),
                                       (_numbering(old_sentences), _numbering(new_sentences)))),
    )
