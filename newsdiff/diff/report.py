"""The change report: what the engine found, and its JSON form (the contract scripts, feeds and
pages rely on)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cached_property
from typing import Any

from ..changes import CHANGE_KINDS, UNCHANGED, summary_line
from .words import Words

__all__ = ["OPS", "Change", "FieldChange", "Kept", "Side", "Report"]

OPS = (UNCHANGED, *CHANGE_KINDS)


@dataclass(frozen=True)
class Side:
    """Which version a side of the report is: a stored version number, or a file's label."""

    version: int | None = None
    captured_at: str | None = None
    title: str | None = None
    label: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"version": self.version, "captured_at": self.captured_at, "title": self.title, "label": self.label}

    def describe(self) -> str:
        name = f"version {self.version}" if self.version is not None else (self.label or "input")
        return f"{name} ({self.captured_at})" if self.captured_at else name


@dataclass(frozen=True)
class Change:
    """One entry: sentences of the old version (by index) and what they became in the new one."""

    op: str
    old_index: tuple[int, ...]
    new_index: tuple[int, ...]
    old: tuple[str, ...]
    new: tuple[str, ...]
    words: Words
    tags: tuple[str, ...] = ()

    @property
    def cosmetic(self) -> bool:
        """Only quote/dash/space style changed: hidden unless the reader asks for cosmetic changes."""
        return self.op == "changed" and self.tags == ("cosmetic",)

    def to_json(self) -> dict[str, Any]:
        return {
            "op": self.op,
            "old": list(self.old),
            "new": list(self.new),
            "old_index": list(self.old_index),
            "new_index": list(self.new_index),
            "words": [[op, text] for op, text in self.words],
            "tags": list(self.tags),
        }


@dataclass(frozen=True)
class Kept:
    """Sentences left exactly as they were: old sentence old_start + k is new sentence new_start + k.
    Kept as one stretch, not an entry per sentence: most of a long article is kept, and only `--all`
    lists it sentence by sentence."""

    old_start: int
    new_start: int
    sentences: tuple[str, ...]

    def changes(self) -> list[Change]:
        """The stretch as `unchanged` entries, one per sentence."""
        return [
            Change("unchanged", (self.old_start + k,), (self.new_start + k,), (text,), (text,), [("=", text)])
            for k, text in enumerate(self.sentences)
        ]


@dataclass(frozen=True)
class FieldChange:
    """Headline, byline or standfirst, compared on its own."""

    old: str | None
    new: str | None
    words: Words
    tags: tuple[str, ...] = ()

    def changed(self, cosmetic: bool = False) -> bool:
        return (self.old or "") != (self.new or "") and (cosmetic or self.tags != ("cosmetic",))

    def to_json(self, cosmetic: bool = False) -> dict[str, Any]:
        return {
            "old": self.old,
            "new": self.new,
            "changed": self.changed(cosmetic),
            "words": [[op, text] for op, text in self.words],
            "tags": list(self.tags),
        }


@dataclass(frozen=True)
class Report:
    """Every sentence of both versions in exactly one entry, in the new version's reading order."""

    old: Side
    new: Side
    fields: dict[str, FieldChange]  # "title" always; "byline", "standfirst" when either side has one
    alignment: tuple[Change | Kept, ...]  # reading order; no Change in it is `unchanged`

    @cached_property
    def edits(self) -> tuple[Change, ...]:
        """Every entry but the sentences kept exactly as they were."""
        return tuple(item for item in self.alignment if isinstance(item, Change))

    @cached_property
    def entries(self) -> tuple[Change, ...]:
        """Every entry, kept sentences included: each sentence of both versions in exactly one."""
        return tuple(e for item in self.alignment for e in (item.changes() if isinstance(item, Kept) else (item,)))

    def changes(self, *, all: bool = False, cosmetic: bool = False) -> list[Change]:
        """The entries a reader sees. Without `cosmetic`, cosmetic-only edits read as unchanged:
        left out, or listed as `unchanged` (their words still show the difference) with `all`."""
        shown = []
        for entry in self.entries if all else self.edits:
            if entry.cosmetic and not cosmetic:
                entry = replace(entry, op="unchanged")
            if all or entry.op != "unchanged":
                shown.append(entry)
        return shown

    def summary(self, *, cosmetic: bool = False) -> dict[str, int]:
        counts = dict.fromkeys(OPS, 0)
        counts["unchanged"] = sum(len(item.sentences) for item in self.alignment if isinstance(item, Kept))
        for entry in self.edits:
            counts["unchanged" if entry.cosmetic and not cosmetic else entry.op] += 1
        return counts

    @property
    def cosmetic_only(self) -> bool:
        """Something changed, and all of it is cosmetic: a version a reader can safely skip."""
        fields = [f for f in self.fields.values() if f.changed(cosmetic=True)]
        edits = self.edits
        return bool(edits or fields) and all(e.cosmetic for e in edits) and not any(f.changed() for f in fields)

    def hidden(self, *, cosmetic: bool = False) -> int:
        """How many cosmetic edits (sentences and fields) the reader is not shown."""
        if cosmetic:
            return 0
        fields = sum(f.changed(cosmetic=True) and not f.changed() for f in self.fields.values())
        return sum(e.cosmetic for e in self.edits) + fields

    def summary_line(self, *, cosmetic: bool = False, hints: bool = True) -> str:
        """The one summary line (`changes.summary_line`); `hints` says which option shows hidden
        cosmetic changes, as a terminal wants."""
        changed = [name for name, field in self.fields.items() if field.changed(cosmetic)]
        return summary_line(self.summary(cosmetic=cosmetic), changed, self.hidden(cosmetic=cosmetic), hints=hints)

    def to_json(self, *, all: bool = False, cosmetic: bool = False) -> dict[str, Any]:
        """The JSON contract: from/to, title, summary, changes; plus byline/standfirst when present,
        `cosmetic_only` and `hidden` (cosmetic edits left out)."""
        document: dict[str, Any] = {
            "from": self.old.to_json(),
            "to": self.new.to_json(),
            "title": self.fields["title"].to_json(cosmetic),
        }
        for name in ("byline", "standfirst"):
            if name in self.fields:
                document[name] = self.fields[name].to_json(cosmetic)
        document["summary"] = self.summary(cosmetic=cosmetic)
        document["cosmetic_only"] = self.cosmetic_only
        document["hidden"] = self.hidden(cosmetic=cosmetic)
        document["changes"] = [entry.to_json() for entry in self.changes(all=all, cosmetic=cosmetic)]
        return document
