"""Human output: rich tables on a terminal, plain aligned text in pipes and cron mail."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console


def is_terminal() -> bool:
    return sys.stdout.isatty()


def console() -> Console:
    """A console for stdout; colours only on a real terminal."""
    from rich.console import Console  # rich loads only when output goes to a terminal

    return Console(highlight=False, soft_wrap=not is_terminal())


def _cell(value: Any) -> str:
    return "" if value is None else str(value)


def print_table(columns: Sequence[str], rows: Sequence[Sequence[Any]], *, title: str | None = None) -> None:
    """A rich table on a terminal; otherwise tab-separated lines with a header, easy to cut and grep."""
    if is_terminal():
        from rich.markup import escape
        from rich.table import Table

        table = Table(*columns, title=title, title_justify="left")
        for row in rows:
            table.add_row(*(escape(_cell(v)) for v in row))
        console().print(table)
        return
    out = sys.stdout
    if title:
        out.write(title + "\n")
    out.write("\t".join(columns) + "\n")
    for row in rows:
        out.write("\t".join(_cell(v).replace("\t", " ").replace("\n", " ") for v in row) + "\n")


def print_fields(fields: Sequence[tuple[str, Any]]) -> None:
    """`name: value` lines, skipping empty values; bold names on a terminal."""
    from rich.markup import escape

    con = console()
    for name, value in fields:
        if value in (None, ""):
            continue
        if is_terminal():
            con.print(f"[bold]{escape(name)}:[/bold] {escape(str(value))}")
        else:
            sys.stdout.write(f"{name}: {value}\n")


def print_paragraphs(paragraphs: Sequence[str]) -> None:
    """Paragraphs separated by blank lines, wrapped to the terminal when there is one."""
    from rich.markup import escape

    con = console()
    for paragraph in paragraphs:
        if is_terminal():
            con.print()
            con.print(escape(paragraph))
        else:
            sys.stdout.write("\n" + paragraph + "\n")
