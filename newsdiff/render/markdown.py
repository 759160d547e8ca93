"""Change reports as Markdown: deletions ~~struck~~, insertions **bold**, article text escaped."""

from __future__ import annotations

import re

from ..diff.words import Words
from .layout import Layout

__all__ = ["render_markdown", "escape"]

_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~])")
# What could start raw HTML (any `<`: a tag, a comment, an autolink, a mail address Python-Markdown links),
# a character reference (an `&` before one, or at the text's end, where the next piece of a message goes
# on) or a quotation (a `>` starting a line). A lone `&` or `>` ("AT&T", "Q&A", "5 > 3") stays as typed:
# services that render Markdown but no HTML (Discord, Slack) show an entity as typed.
_MARKUP = re.compile(r"<|&(?=#?\w+;|$)|(?:^|(?<=\n))>")
_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
_WRAP = {"=": "", "-": "~~", "+": "**"}


def escape(text: str) -> str:
    """Markdown-inert text: punctuation that could start markup is backslash-escaped, and a `&`, `<` or
    `>` that could start raw HTML, a character reference or a quotation is written as an entity."""
    text = _MARKUP.sub(lambda m: _ENTITIES[m.group()], text)
    return _SPECIAL.sub(r"\\\1", text)


def _span(op: str, text: str) -> str:
    mark = _WRAP[op]
    core = text.strip()
    if not mark or not core:
        return escape(text)
    lead, trail = text[: len(text) - len(text.lstrip())], text[len(text.rstrip()):]
    return f"{lead}{mark}{escape(core)}{mark}{trail}"  # markers hug the words, or Markdown ignores them


def _line(words: Words) -> str:
    return "".join(_span(op, text) for op, text in words)


def render_markdown(doc: Layout) -> str:
    lines = [f"**{escape(doc.summary)}**  ", escape(doc.sides), ""]
    for label, words in doc.fields:
        lines += [f"**{label}:** {_line(words)}", ""]
    for block in doc.blocks:
        lines.append(f"- *{escape(block.heading)}*  ")
        if block.context:
            lines.append(f"  *{escape(block.context)}*  ")
        lines += [f"  {_line(block.words)}", ""]
    return "\n".join(lines).rstrip("\n") + "\n"
