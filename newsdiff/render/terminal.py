"""Human output: rich tables on a terminal, plain aligned text in pipes and cron mail."""

from __future__ import annotations

import re
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ..lazy import pattern_on_use

if TYPE_CHECKING:
    from rich.console import Console


# C0 controls but tab and newline, DEL and the C1 block: what a terminal may act on (ESC starts a colour,
# a cursor move, a screen clear, a window-title change; U+009B is ESC [ to some terminals).
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _picture(match: re.Match[str]) -> str:
    """A control character as the symbol Unicode draws it with (␛ for ESC), so a reader sees it was there."""
    code = ord(match.group())
    return chr(0x2400 + code) if code < 0x20 else "\u2421" if code == 0x7F else "\ufffd"


def safe(text: str) -> str:
    """`text` with every control character a terminal would obey made visible and inert; tab and newline
    stay. Every human-output path runs text from outside (titles, names, URLs, errors) through this, so
    a database that already holds an escape sequence cannot reach the screen with it."""
    return _CONTROL.sub(_picture, text)


def is_terminal() -> bool:
    return sys.stdout.isatty()


def console() -> Console:
    """A console for stdout; colours only on a real terminal."""
    from rich.console import Console  # rich loads only when output goes to a terminal

    return Console(highlight=False, soft_wrap=not is_terminal())


def _cell(value: Any) -> str:
    return "" if value is None else safe(str(value))


# A stored time (`2026-12-02T13:59:07Z`): a terminal shows it to the minute, and never cuts it.
_STAMP = pattern_on_use(r"(\d{4}-\d\d-\d\d)T(\d\d:\d\d):\d\d(?:\.\d+)?Z")  # a terminal's only: not in pipes


def print_table(columns: Sequence[str], rows: Sequence[Sequence[Any]], *, title: str | None = None) -> None:
    """A rich table on a terminal; otherwise tab-separated lines with a header, easy to cut and grep.

    On a terminal, times read `2026-12-02 13:59` and their columns are never squeezed: at 80 columns
    the text columns (titles, URLs) wrap instead, and a capture time keeps its time of day."""
    if is_terminal():
        from rich.markup import escape
        from rich.table import Table

        stamp = _STAMP()
        shown = [[stamp.sub(r"\1 \2", _cell(v)) for v in row] for row in rows]
        table = Table(title=title and safe(title), title_justify="left")
        for i, name in enumerate(columns):
            times = bool(shown) and all(not row[i] or stamp.fullmatch(_cell(rows[n][i]))
                                        for n, row in enumerate(shown))
            table.add_column(name, no_wrap=times and any(row[i] for row in shown))
        for cells in shown:
            table.add_row(*(escape(cell) for cell in cells))
        console().print(table)
        return
    # Made safe in one pass over the whole text: `safe` replaces characters one by one and keeps tabs and
    # newlines, so it gives what it gives cell by cell (a thousand rows' five thousand calls cost `list` 3 ms).
    lines = [title] if title else []
    lines.append("\t".join(columns))
    lines += ["\t".join(["" if v is None else str(v).replace("\t", " ").replace("\n", " ") for v in row])
              for row in rows]
    sys.stdout.write(safe("\n".join(lines) + "\n"))


def print_fields(fields: Sequence[tuple[str, Any]]) -> None:
    """`name: value` lines, skipping empty values; bold names on a terminal."""
    from rich.markup import escape

    con = console()
    for name, value in fields:
        if value in (None, ""):
            continue
        value = safe(str(value))
        if is_terminal():
            con.print(f"[bold]{escape(name)}:[/bold] {escape(str(value))}")
        else:
            sys.stdout.write(f"{name}: {value}\n")


def print_paragraphs(paragraphs: Sequence[str]) -> None:
    """Paragraphs separated by blank lines, wrapped to the terminal when there is one."""
    from rich.markup import escape

    con = console()
    for paragraph in map(safe, paragraphs):
        if is_terminal():
            con.print()
            con.print(escape(paragraph))
        else:
            sys.stdout.write("\n" + paragraph + "\n")
