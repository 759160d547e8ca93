"""Change reports as an HTML fragment with <del>/<ins>, for feeds and pages to embed. Every piece
of article text is escaped: it is hostile input."""

from __future__ import annotations

from ..diff.words import Words
from .layout import Layout

__all__ = ["render_html"]

_TAGS = {"-": "del", "+": "ins"}


def escape(text: str) -> str:
    """`html.escape(text)`, the same five replacements: importing `html` builds its table of every named
    entity (for unescaping, which nothing here does), a millisecond or more of each first `log`."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;").replace(
        "'", "&#x27;")


def _words(words: Words) -> str:
    out = []
    for op, text in words:
        tag = _TAGS.get(op)
        out.append(f"<{tag}>{escape(text)}</{tag}>" if tag else escape(text))
    return "".join(out)


def render_html(doc: Layout) -> str:
    """A <section> whose classes (newsdiff-*) and data attributes let a page style and filter changes."""
    out = [
        '<section class="newsdiff-report">',
        f'<p class="newsdiff-summary">{escape(doc.summary)}</p>',
        f'<p class="newsdiff-sides">{escape(doc.sides)}</p>',
    ]
    for label, words in doc.fields:
        out.append(f'<p class="newsdiff-field"><strong>{escape(label)}:</strong> {_words(words)}</p>')
    if doc.blocks:
        out.append('<ol class="newsdiff-changes">')
        for block in doc.blocks:
            change = block.change
            attrs = (
                f'class="newsdiff-change newsdiff-{change.op}" data-op="{change.op}" '
                f'data-tags="{escape(" ".join(change.tags))}" '
                f'data-old-index="{" ".join(map(str, change.old_index))}" '
                f'data-new-index="{" ".join(map(str, change.new_index))}"'
            )
            out.append(f"<li {attrs}>")
            out.append(f'<p class="newsdiff-heading">{escape(block.heading)}</p>')
            if block.context:
                out.append(f'<p class="newsdiff-context">{escape(block.context)}</p>')
            out.append(f'<p class="newsdiff-text">{_words(block.words)}</p>')
            out.append("</li>")
        out.append("</ol>")
    out.append("</section>")
    return "\n".join(out) + "\n"
