"""The diff engine: two versions of an article in, a sentence-by-sentence change report out.

It takes already-loaded records (and, when the caller has them cached, their sentences); it never
reads the store or files itself.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..model import ArticleRecord
from .align import Pairing, align
from .classify import pair_tags, sentence_tags
from .report import OPS, Change, FieldChange, Report, Side
from .sentences import SEGMENTER, segment, segment_paragraphs, split_sentences
from .words import word_diff

__all__ = [
    "OPS", "SEGMENTER", "SENTENCES_KIND", "Change", "FieldChange", "Report", "Side",
    "diff_records", "diff_sentences", "diff_field", "segment", "segment_paragraphs", "split_sentences",
]

# The store's cache kind for a version's sentences: a new segmenter or rule set means a new cache entry.
SENTENCES_KIND = f"sentences/{SEGMENTER}"


def diff_field(old: str | None, new: str | None) -> FieldChange:
    """Compare a headline, byline or standfirst on its own, word by word."""
    words = word_diff(old or "", new or "")
    return FieldChange(old, new, words, tuple(pair_tags(old or "", new or "", words)))


def _change(pairing: Pairing, old: Sequence[str], new: Sequence[str]) -> Change:
    old_text = tuple(old[i] for i in pairing.old)
    new_text = tuple(new[i] for i in pairing.new)
    op = pairing.op
    if op == "removed":
        words, tags = [("-", old_text[0])], sentence_tags(old_text[0])
    elif op == "added":
        words, tags = [("+", new_text[0])], sentence_tags(new_text[0])
    elif old_text == new_text:
        words, tags = [("=", old_text[0])], []
    else:
        before, after = " ".join(old_text), " ".join(new_text)
        words = word_diff(before, after)
        tags = pair_tags(before, after, words)
        if op == "unchanged":
            op = "changed"  # anchored as the same sentence, but its quotes, dashes or spaces differ
    return Change(op, pairing.old, pairing.new, old_text, new_text, words, tuple(tags))


def diff_sentences(old: Sequence[str], new: Sequence[str]) -> list[Change]:
    """Align two sentence lists and describe each entry; split and merged entries compare the
    sentences joined by single spaces."""
    return [_change(pairing, old, new) for pairing in align(list(old), list(new))]


def _flatten(paragraphs: Sequence[Sequence[str]]) -> list[str]:
    return [sentence for sentences in paragraphs for sentence in sentences]


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
    old_flat = _flatten(old_sentences if old_sentences is not None else segment_paragraphs(old.paragraphs))
    new_flat = _flatten(new_sentences if new_sentences is not None else segment_paragraphs(new.paragraphs))
    fields = {"title": diff_field(old.title, new.title)}
    for name in ("byline", "standfirst"):
        before, after = getattr(old, name), getattr(new, name)
        if before or after:
            fields[name] = diff_field(before, after)
    return Report(
        old=old_side or Side(captured_at=old.captured_at, title=old.title, label=old.label),
        new=new_side or Side(captured_at=new.captured_at, title=new.title, label=new.label),
        fields=fields,
        entries=tuple(diff_sentences(old_flat, new_flat)),
    )
