"""What a person reads of a change report, independent of the output format: a summary line, the
changed headline/byline/standfirst, then each change in reading order with a little context."""

from __future__ import annotations

from dataclasses import dataclass

from ..diff import Change, Report
from ..diff.words import Words

__all__ = ["Block", "Layout", "layout"]

_CONTEXT_WORDS = 12
_FIELD_LABELS = {"title": "Headline", "byline": "Byline", "standfirst": "Standfirst"}


@dataclass(frozen=True)
class Block:
    """One change as shown: a heading, the end of the sentence before it, the marked-up text."""

    heading: str
    context: str | None
    words: Words
    change: Change


@dataclass(frozen=True)
class Layout:
    summary: str
    sides: str
    fields: list[tuple[str, Words]]
    blocks: list[Block]


def _tail(sentence: str) -> str:
    words = sentence.split()
    return sentence if len(words) <= _CONTEXT_WORDS else "… " + " ".join(words[-_CONTEXT_WORDS:])


def _numbers(indexes: tuple[int, ...]) -> str:
    """Sentence numbers as a reader counts them, from 1: a range, or a list when not consecutive (a
    merge across a removed sentence)."""
    if len(indexes) > 1 and indexes[-1] - indexes[0] == len(indexes) - 1:
        return "–".join(str(i + 1) for i in (indexes[0], indexes[-1]))
    return ", ".join(str(i + 1) for i in indexes)


def _heading(change: Change) -> str:
    if change.op == "removed":
        where = f"old sentence {_numbers(change.old_index)}"
    else:
        where = f"sentence{'s' if len(change.new_index) > 1 else ''} {_numbers(change.new_index)}"
    what = change.op
    if change.op == "moved":
        what = f"moved from sentence {_numbers(change.old_index)}"
    elif change.op in ("split", "merged"):
        what = f"{change.op} (was sentence{'s' if len(change.old_index) > 1 else ''} {_numbers(change.old_index)})"
    tags = f" [{', '.join(change.tags)}]" if change.tags else ""
    return f"{where}: {what}{tags}"


def layout(report: Report, *, all: bool = False, cosmetic: bool = False, hints: bool = True) -> Layout:
    """Lay a report out for reading. Each change gets the tail of the sentence before it as context,
    unless that sentence is itself on show. Without `hints` the summary names no command-line option
    (for feeds and pages)."""
    blocks = []
    previous: str | None = None
    for change in report.changes(all=True, cosmetic=cosmetic):
        if all or change.op != "unchanged":
            context = None if all or previous is None else _tail(previous)
            blocks.append(Block(_heading(change), context, change.words, change))
            previous = None
        else:
            previous = change.new[-1]
    fields = [(_FIELD_LABELS[name], field.words) for name, field in report.fields.items() if field.changed(cosmetic)]
    return Layout(
        summary=report.summary_line(cosmetic=cosmetic, hints=hints),
        sides=f"{report.old.describe()} -> {report.new.describe()}",
        fields=fields,
        blocks=blocks,
    )
