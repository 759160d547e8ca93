"""The words every layer uses to speak of a change, defined once: the kinds of change, the tags an edit
can carry, and the one summary line ("3 sentences changed, 1 added; headline changed").

A leaf module: the diff engine names what it finds with these, and reports, feeds, pages, alerts and
the command line read them without loading the engine.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

# What a sentence can become, in the order a summary counts them; "unchanged" is not a change.
CHANGE_KINDS = ("changed", "added", "removed", "moved", "split", "merged")
UNCHANGED = "unchanged"
# What an edit to a sentence or headline is about (see `diff.classify`), in the order they are listed.
TAGS = ("cosmetic", "punctuation", "number", "quote", "name", "wording", "correction")
HEADLINE_TAG = "headline"  # a changed headline counts as a tag for rules and feed filters
# Fields compared on their own, outside the sentences, and how a summary names them.
FIELD_NAMES = {"title": "headline", "byline": "byline", "standfirst": "standfirst"}


def summary_line(counts: Mapping[str, int], fields: Iterable[str], hidden: int, *, hints: bool = False) -> str:
    """'3 sentences changed, 1 added, 2 removed; headline changed' from a summary's counts by kind, the
    fields that changed (keys of FIELD_NAMES) and how many cosmetic changes are hidden. With `hints`,
    the hidden count says which option shows them: right in a terminal, noise in a feed or a page."""
    parts: list[str] = []
    for kind in CHANGE_KINDS:
        if counts.get(kind):
            noun = "" if parts else (" sentence" if counts[kind] == 1 else " sentences")
            parts.append(f"{counts[kind]}{noun} {kind}")
    line = "; ".join(filter(None, [", ".join(parts), ", ".join(f"{FIELD_NAMES[name]} changed" for name in fields)]))
    if not line:
        line = "only cosmetic changes" if hidden else "no changes"
    if hidden:
        hint = "; --cosmetic shows them" if hints else ""
        line += f" ({hidden} cosmetic {'change' if hidden == 1 else 'changes'} hidden{hint})"
    return line
