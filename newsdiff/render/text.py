"""Change reports as text: ASCII markers `[-old-]{+new+}` for pipes and mail, rich colours on a terminal."""

from __future__ import annotations

from rich.console import Console
from rich.text import Text

from .layout import Layout
from .terminal import safe

__all__ = ["render_text", "print_rich"]

MARKERS = {"=": ("", ""), "-": ("[-", "-]"), "+": ("{+", "+}")}
_STYLES = {"=": "", "-": "red strike", "+": "green bold"}


def render_text(doc: Layout) -> str:
    """Plain text; deletions in [- -], insertions in {+ +} (as wdiff and git's word diff write them)."""
    lines = [doc.summary, doc.sides, ""]
    for label, words in doc.fields:
        lines.append(f"{label}: " + "".join(MARKERS[op][0] + text + MARKERS[op][1] for op, text in words))
    if doc.fields:
        lines.append("")
    for block in doc.blocks:
        lines.append(f"@ {block.heading}")
        if block.context:
            lines.append(f"  {block.context}")
        lines.append("  " + "".join(MARKERS[op][0] + text + MARKERS[op][1] for op, text in block.words))
        lines.append("")
    return safe("\n".join(lines).rstrip("\n") + "\n")


def print_rich(doc: Layout, console: Console) -> None:
    """Coloured output: deletions red and struck through, insertions green. Article text is appended
    as plain Text, never parsed as rich markup, and with its control characters made inert."""
    console.print(Text(safe(doc.summary), style="bold"))
    console.print(Text(safe(doc.sides), style="dim"))
    console.print()
    for label, words in doc.fields:
        line = Text()
        line.append(f"{safe(label)}: ", style="bold")
        for op, text in words:
            line.append(safe(text), style=_STYLES[op])
        console.print(line)
    if doc.fields:
        console.print()
    for block in doc.blocks:
        console.print(Text(safe(block.heading), style="bold cyan"))
        if block.context:
            console.print(Text(f"  {safe(block.context)}", style="dim"))
        line = Text("  ")
        for op, text in block.words:
            line.append(safe(text), style=_STYLES[op])
        console.print(line)
        console.print()
