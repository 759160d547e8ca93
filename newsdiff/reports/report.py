"""One pair's change report as everything after the engine reads it, and its cached form.

The engine (`newsdiff.diff`) makes a full report with every kept sentence; `Report` here is what
listings, feeds, pages, alerts, search and export need of it: the JSON contract's parts (from/to, the
headline and other fields, summary, changes), typed at the top, plus the HTML fragment feeds carry.
Kept sentences are left out and recorded as runs of indexes (`kept`), so a cached report costs a few
kilobytes, not another copy of the article; `with_kept` puts them back from the new version's text.

`to_cache`/`from_cache` are exact inverses. `FORMAT` names the cached form: raise it whenever that
form changes, and every older entry is recomputed (the cache key carries it, see `reports.cache`).
Loading a report never imports the engine.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from ..changes import CHANGE_KINDS, FIELD_NAMES, HEADLINE_TAG, UNCHANGED, summary_line

if TYPE_CHECKING:
    from ..diff import Report as EngineReport

__all__ = ["FORMAT", "Report"]

FORMAT = 2  # 1 was the untyped dict `publish` cached ({"report", "kept", "fragment"}, no version)

Run = tuple[int, int, int, int]  # kept sentences: (position in `changes`, old index, new index, count)


def _kept(old: int, new: int, sentence: str) -> dict[str, Any]:
    """The JSON entry of a sentence left exactly as it was (as the engine's `Change.to_json` writes it)."""
    return {"op": UNCHANGED, "old": [sentence], "new": [sentence], "old_index": [old], "new_index": [new],
            "words": [["=", sentence]], "tags": []}


def _pack(changes: Sequence[dict[str, Any]]) -> tuple[tuple[dict[str, Any], ...], tuple[Run, ...]]:
    """Changes without the sentences kept exactly as they were, and where those sat (runs)."""
    rest: list[dict[str, Any]] = []
    runs: list[list[int]] = []
    for change in changes:
        old, new, text = change["old_index"], change["new_index"], change["new"]
        if not (change["op"] == UNCHANGED and len(old) == len(new) == len(text) == 1
                and change == _kept(old[0], new[0], text[0])):
            rest.append(change)
        elif runs and runs[-1][0] == len(rest) and runs[-1][1:3] == [old[0] - runs[-1][3], new[0] - runs[-1][3]]:
            runs[-1][3] += 1
        else:
            runs.append([len(rest), old[0], new[0], 1])
    return tuple(rest), tuple((p, o, n, c) for p, o, n, c in runs)


@dataclass(frozen=True)
class Report:
    """Version `new` of an article against version `old`, as seen with or without cosmetic changes.

    `fields` holds "title" always, "byline" and "standfirst" when either side has one, each as the
    JSON contract writes a field (old, new, changed, words, tags); `changes` are the contract's entries
    in reading order, kept sentences left out while `kept` is not empty."""

    old: dict[str, Any]  # the contract's "from": version, captured_at, title, label
    new: dict[str, Any]  # its "to"
    fields: dict[str, dict[str, Any]]
    summary: dict[str, int]  # sentences by kind of change, "unchanged" included
    cosmetic_only: bool
    hidden: int  # cosmetic changes the reader is not shown
    changes: tuple[dict[str, Any], ...]
    kept: tuple[Run, ...] = ()
    fragment: str = ""  # the changes as escaped HTML (`<del>`/`<ins>`), which feed items carry

    @classmethod
    def of(cls, report: EngineReport, *, cosmetic: bool = False, fragment: str = "") -> Report:
        """The engine's full report, with or without cosmetic changes, every sentence in `changes`."""
        return cls._from_json(report.to_json(all=True, cosmetic=cosmetic), (), fragment)

    @classmethod
    def _from_json(cls, document: dict[str, Any], kept: Sequence[Sequence[int]], fragment: str) -> Report:
        """The report whose JSON contract is `document` (see `to_json`)."""
        return cls(document["from"], document["to"], {name: document[name] for name in FIELD_NAMES if name in document},
                   document["summary"], document["cosmetic_only"], document["hidden"], tuple(document["changes"]),
                   tuple((p, o, n, c) for p, o, n, c in kept), fragment)

    def packed(self) -> Report:
        """The report with its kept sentences left out of `changes`, as the cache keeps it."""
        if self.kept:
            return self
        changes, kept = _pack(self.changes)
        return replace(self, changes=changes, kept=kept)

    def to_json(self) -> dict[str, Any]:
        """The engine's JSON contract (scripts, `log --json`, pictures read it)."""
        return {"from": self.old, "to": self.new, **self.fields, "summary": self.summary,
                "cosmetic_only": self.cosmetic_only, "hidden": self.hidden, "changes": list(self.changes)}

    def to_cache(self) -> dict[str, Any]:
        return {"report": self.to_json(), "kept": [list(run) for run in self.kept], "fragment": self.fragment}

    @classmethod
    def from_cache(cls, data: Any) -> Report:
        """The report `to_cache` wrote; ValueError for anything else (a damaged entry)."""
        try:
            report = cls._from_json(data["report"], data["kept"], data["fragment"])
        except (LookupError, TypeError, ValueError) as exc:
            raise ValueError(f"not a cached report: {exc}") from None
        if not (isinstance(report.fragment, str) and "title" in report.fields and isinstance(report.summary, dict)
                and all(isinstance(c, dict) for c in report.changes)):
            raise ValueError("not a cached report")
        return report

    def with_kept(self, sentences: Sequence[str]) -> Report:
        """Every sentence in `changes`, kept ones restored from the new version's `sentences` (flat, in
        reading order); ValueError when they cannot be those of this report's new version."""
        out: list[dict[str, Any]] = []
        done = 0
        try:
            for position, old, new, count in self.kept:
                out.extend(self.changes[done:position])
                out.extend(_kept(old + k, new + k, sentences[new + k]) for k in range(count))
                done = position
        except (IndexError, TypeError) as exc:
            raise ValueError(f"cached report does not fit the version: {exc}") from None
        out.extend(self.changes[done:])
        return replace(self, changes=tuple(out), kept=())

    @property
    def edited(self) -> list[dict[str, Any]]:
        """The entries that changed something (kept and cosmetic-as-unchanged ones left out)."""
        return [change for change in self.changes if change.get("op") != UNCHANGED]

    @property
    def headline_changed(self) -> bool:
        return bool(self.fields["title"].get("changed"))

    def tags(self) -> set[str]:
        """Every tag the edit carries: its changes' tags, and `headline` (with the headline's own tags)
        when the headline changed."""
        tags = {tag for change in self.edited for tag in change.get("tags", [])}
        if self.headline_changed:
            tags.add(HEADLINE_TAG)
            tags.update(self.fields["title"].get("tags", []))
        return tags

    def changed_count(self) -> int:
        """Changed, added, removed, moved, split or merged sentences, and the headline as one more when
        it changed: a new headline alone is an edit worth telling."""
        return sum(self.summary.get(kind, 0) for kind in CHANGE_KINDS) + self.headline_changed

    def summary_line(self, *, hints: bool = False) -> str:
        """The one summary line (`changes.summary_line`): without `hints`, as pages, feeds and `log`
        show it."""
        changed = [name for name, field in self.fields.items() if field.get("changed")]
        return summary_line(self.summary, changed, self.hidden, hints=hints)
