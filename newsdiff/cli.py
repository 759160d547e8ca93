"""The `newsdiff` command: parses arguments and calls the library, nothing more.

No `from __future__ import annotations` here: typer reads every command's annotations at each start,
and evaluating them from strings cost a command 15-25 ms (scripts/bench_startup.py). Names imported only
for type checkers are quoted instead.
"""

import errno
import os
import signal
import sys
from collections.abc import Callable, Iterator, MutableMapping
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, Optional, cast

import typer
import typer.core
import typer.main
import typer.models

from .changes import HEADLINE_TAG, TAGS
from .model import InputError, NotFound, parse_time, plural
from .api import SEARCH_LIMIT, STATS_TOP
from .dburl import BadDatabaseUrl, ServerUrl, parse_db
from .render import DIFF_FORMATS, EXPORT_FORMATS, FEED_FORMATS, FEED_LIMIT, SITE_TITLE, jsonout, terminal
from .store import STORE_ERRORS, DamagedHistory, ServerLost, StoreBusy, is_damage

if TYPE_CHECKING:
    from .api import Archive
    from .archive.warc import WarcResult
    from .config import Config
    from .model import FileResult
    from .search import ArticleHit, EditHit

class PlainHelpCommand(typer.core.TyperCommand):
    """Help that names arguments as a user types them (`PATH...`, `ARTICLE`), not as Python types
    (`<list[Path]>`); options carry their own plain metavars (`TEXT`, `N`, `[rss|atom]`)."""

    def _argument_name(self, param: Any) -> str:
        return param.metavar or param.name.upper() + ("..." if param.nargs != 1 else "")

    # The base classes type `ctx` as click's Context, which typer (vendoring click) does not export; typer
    # always passes its own typer.Context.
    def collect_usage_pieces(self, ctx: typer.Context) -> list[str]:  # type: ignore[override]
        pieces = [self.options_metavar] if self.options_metavar else []
        for param in self.get_params(ctx):
            if param.param_type_name == "argument":
                name = self._argument_name(param)
                pieces.append(name if param.required else f"[{name}]")
        return pieces

    def format_options(self, ctx: typer.Context, formatter: Any) -> None:  # type: ignore[override]
        arguments, options = [], []
        for param in self.get_params(ctx):
            if param.param_type_name == "argument":
                help_text = param.help if isinstance(param, typer.core.TyperArgument) else None
                arguments.append((self._argument_name(param), help_text or ""))
            elif (record := param.get_help_record(ctx)) is not None:
                options.append(record)
        for heading, records in (("Arguments", arguments), ("Options", options)):
            if records:
                with formatter.section(heading):
                    formatter.write_dl(records)


class LazyCommands(MutableMapping[str, Any]):
    """A group's commands by name, each built (its signature read, its options made) on first lookup.

    typer builds every command of the tree at each start, though a run uses one: about 5 ms of the
    few tens a command may take (scripts/bench_startup.py). Names and order are the registration's;
    listing the values (`--help`) builds them all.
    """

    def __init__(self, app: "App") -> None:
        self._app = app
        self._entries: dict[str, Any] = {}  # a command's typer info until built, then the command
        waiting: list[typer.models.CommandInfo | typer.models.TyperInfo] = [*app.commands_waiting, *app.groups_waiting]
        for info in waiting:  # typer's order: commands, then groups
            callback = info.callback.__name__ if info.callback else ""
            self._entries[info.name or typer.main.get_command_name(callback)] = info
        self._waiting = set(self._entries)

    def __getitem__(self, name: str) -> Any:
        if name in self._waiting:
            self._entries[name] = self._build(self._entries[name])
            self._waiting.discard(name)
        return self._entries[name]

    def _build(self, info: Any) -> Any:
        short, markup = self._app.pretty_exceptions_short, self._app.rich_markup_mode
        if isinstance(info, typer.models.TyperInfo):
            return typer.main.get_group_from_info(group_info=info, pretty_exceptions_short=short,
                                                  rich_markup_mode=markup, suggest_commands=self._app.suggest_commands)
        return typer.main.get_command_from_info(command_info=info, pretty_exceptions_short=short,
                                                rich_markup_mode=markup)

    def __setitem__(self, name: str, command: Any) -> None:
        self._entries[name] = command
        self._waiting.discard(name)

    def __delitem__(self, name: str) -> None:
        del self._entries[name]
        self._waiting.discard(name)

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)


class LazyGroup(typer.core.TyperGroup):
    """A group whose commands are its app's, built on first use (`LazyCommands`)."""

    app: "App"  # set by App, one subclass per app

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.commands = LazyCommands(self.app)


class App(typer.Typer):
    """A Typer app whose commands all get plain help (`PlainHelpCommand`) and are built only when used:
    they wait in `commands_waiting` and `groups_waiting`, out of typer's sight, for `LazyCommands`."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(cls=type("AppGroup", (LazyGroup,), {"app": self}), **kwargs)
        self.commands_waiting: list[typer.models.CommandInfo] = []
        self.groups_waiting: list[typer.models.TyperInfo] = []

    def command(self, *args: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("cls", PlainHelpCommand)
        register = super().command(*args, **kwargs)

        def decorator(function: Callable[..., Any]) -> Callable[..., Any]:
            register(function)
            self.commands_waiting.append(self.registered_commands.pop())
            return function

        return decorator

    def add_typer(self, *args: Any, **kwargs: Any) -> None:
        super().add_typer(*args, **kwargs)
        self.groups_waiting.append(self.registered_groups.pop())


app = App(
    help="Track news articles and see, sentence by sentence, how they change.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
)


def choice(default: str | None, *names: str, allowed: tuple[str, ...], help: str) -> Any:
    """An option taking one of `allowed`, shown as `[a|b]`; any other value is a usage error (exit 2)."""
    def check(value: str | None) -> str | None:
        if value is not None and value not in allowed:
            raise typer.BadParameter(f"{value!r} is not one of {', '.join(allowed)}")
        return value

    return typer.Option(default, *names, metavar=f"[{'|'.join(allowed)}]", callback=check, help=help)


def checked(convert: Callable[[Any], Any]) -> Callable[[typer.CallbackParam, Any], Any]:
    """An option callback: `convert`'s ValueError becomes a usage error (exit 2) naming the option."""
    def check(param: typer.CallbackParam, value: Any) -> Any:
        if value is None:
            return None
        try:
            return convert(value)
        except ValueError as exc:
            raise typer.BadParameter(str(exc).removeprefix(f"{param.opts[0]}: ")) from None

    return check


def _storable(value: int) -> int:
    """A count or version number a database can be asked about: past the largest integer SQLite (and
    PostgreSQL's bigint) holds, it names nothing, and the database would refuse it as a parameter."""
    if value > 2**63 - 1:
        raise ValueError(f"{value} is larger than any number a database holds")
    return value


JsonOpt = typer.Option(False, "--json", help="Print one JSON document instead of human output.")
SingleAsOpt = choice("added", "--single-as", allowed=("added", "removed"),
                     help="NewsSniffer rows seen once: treat as added (newer version) or removed.")
ArticleArg = typer.Argument(..., metavar="ARTICLE", help="Article id, key or URL.")


@dataclass
class State:
    """What the global options chose; the archive is made, and its database opened, on first use."""

    db_path: Path
    config_path: Path | None
    server: "ServerUrl | None" = None  # --db postgresql://...: the store on that server, not a file
    creates_db: bool = True  # commands that only read never create a database: a mistyped --db is an error
    access: str = "write"  # "read": opened read-only, never changes the file; "cache": read-only when it must
    _archive: "Archive | None" = None

    def archive(self, *, opened: bool = True) -> "Archive":
        """The database's Archive, with its database open unless `opened` is False; a database or config
        that cannot be read is a one-line failure."""
        from .api import Archive, NoDatabase

        if self._archive is None:
            where = self.server.url if self.server else self.db_path
            self._archive = Archive(where, self.config_path, create=self.creates_db, access=self.access)
        try:
            if opened:
                _ = self._archive.store  # opened here, so that what stops it is this one line
        except NoDatabase as exc:
            fail(f"{exc} (import or poll first, or name one with --db or NEWSDIFF_DB)")
        except ValueError as exc:  # not a database, too new, or a bad config file
            fail(str(exc))
        return self._archive

    def config(self) -> "Config":
        try:
            return self.archive(opened=False).config
        except (OSError, ValueError) as exc:
            fail(str(exc))


def fail(message: str, code: int = 1) -> NoReturn:
    """One line on stderr and a non-zero exit: the whole command failed."""
    typer.echo(f"newsdiff: {terminal.safe(message)}", err=True)
    raise typer.Exit(code)


def warn(message: str) -> None:
    typer.echo(f"newsdiff: {terminal.safe(message)}", err=True)


def _report_damage(damaged: list[DamagedHistory], where: str) -> None:
    """A command that carried on past damaged versions names each and exits 2: finished, not whole."""
    for problem in damaged:
        warn(f"left out of {where}: {problem}")
    if damaged:
        fail("some versions could not be rebuilt; `newsdiff check` lists all damage", 2)


def state(ctx: typer.Context) -> State:
    return ctx.find_root().obj


def _version(value: bool) -> None:
    if value:
        from . import __version__  # reading the package metadata costs start-up time: only when asked

        typer.echo(f"newsdiff {__version__}")
        raise typer.Exit()


WRITERS = {"import", "feeds", "track", "poll"}  # the commands that may create the database
ACCESS = {"list": "read", "show": "read", "check": "read", "export": "read", "stats": "read",  # never write
          "log": "cache", "diff": "cache", "search": "cache", "feed": "cache", "publish": "cache"}  # cache if they can


@app.callback()
def main_options(
    ctx: typer.Context,
    db: str = typer.Option(
        "newsdiff.db", "--db", metavar="PATH|URL", envvar="NEWSDIFF_DB",
        help="SQLite database (created on first use), or postgresql://user@host/database."
    ),
    config: Optional[Path] = typer.Option(
        None, "--config", metavar="FILE", help="TOML config (default: newsdiff.toml beside the database, if present)."
    ),
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Show the version."),
) -> None:
    if config is not None and (not config.exists() or config.is_dir()):  # every command, even one reading no setting
        fail(f"config file {config} {'is a folder' if config.is_dir() else 'does not exist'}")
    try:
        where = parse_db(db)
    except BadDatabaseUrl as exc:
        fail(str(exc))
    server = where if isinstance(where, ServerUrl) else None
    # A server's config file is looked for where a file database's would be: the working directory.
    ctx.obj = State(db_path=Path("newsdiff.db") if isinstance(where, ServerUrl) else where, server=server,
                    config_path=config, creates_db=ctx.invoked_subcommand in WRITERS,
                    access=ACCESS.get(ctx.invoked_subcommand or "", "write"))


# -- import / parse ------------------------------------------------------------------------------


def _describe(result: "FileResult") -> str:
    """One human line per stored or recognised version; one summary line for a WARC file."""
    from .archive.warc import WarcResult

    if isinstance(result, WarcResult):
        return _describe_warc(result)
    parts = []
    for v in result.versions:
        label = f" (page version {v['label']})" if v.get("label") else ""
        if v["outcome"] == "new":
            later = " (captured before the versions after it, which moved up one)" if v["backdated"] else ""
            if v["reader_change"]:
                later = f": the input of version {v['number'] - 1} read differently by newsdiff, no edit"
            parts.append(f"stored version {v['number']}{label}{later}")
        elif v["outcome"] == "same":
            parts.append(f"unchanged: same as version {v['existing']}{label}, nothing added")
        elif v["outcome"] == "revert":
            parts.append(f"same text as earlier version {v['existing']}{label}, not stored again")
        else:
            parts.append(f"suspect extraction{label}, not stored ({v['reason']})")
    if result.ambiguous:
        rows = plural(result.ambiguous, "row")
        parts.append(f"{rows} seen once placed by guess (`newsdiff parse {result.path}` lists them)")
    return terminal.safe(f"{result.path}: article {result.article_id} [{result.key}]: " + "; ".join(parts))


def _describe_warc(result: "WarcResult") -> str:
    outcomes = result.outcomes()
    counts = [f"{outcomes[k]} {label}" for k, label in (
        ("new", "versions stored"), ("same", "unchanged"), ("revert", "earlier texts again"),
        ("suspect", "suspect extractions"), ("refused", "pages with no article")) if outcomes[k]]
    skipped = ", ".join(f"{n} {reason}" for reason, n in sorted(result.skipped.items()))
    line = f"{result.path}: {len(result.versions)} HTML pages: " + (", ".join(counts) or "none")
    line += f"; skipped {sum(result.skipped.values())} records ({skipped})" if skipped else ""
    damaged = len(result.damaged)
    return line + (f"; {damaged} damaged record{'s' * (damaged != 1)}" if damaged else "")


@app.command("import")
def import_cmd(
    ctx: typer.Context,
    paths: Optional[list[Path]] = typer.Argument(
        None, metavar="PATH...",
        help="Article files, WARC files or folders (walked); `-` reads standard input."),
    wayback: Optional[str] = typer.Option(
        None, "--wayback", metavar="URL", help="Import this URL's captures from the Wayback Machine."),
    since: Optional[str] = typer.Option(
        None, "--from", metavar="TIME", help="With --wayback: captures from this date (ISO 8601)."),
    until: Optional[str] = typer.Option(
        None, "--to", metavar="TIME", help="With --wayback: captures up to this date, inclusive."),
    url: Optional[str] = typer.Option(None, "--url", metavar="URL", help="Canonical URL of the article."),
    source: Optional[str] = typer.Option(None, "--source", metavar="NAME", help="Outlet name, e.g. reuters."),
    title: Optional[str] = typer.Option(None, "--title", metavar="TEXT",
                                        help="Headline, when the file has none or a wrong one."),
    captured_at: Optional[str] = typer.Option(
        None, "--captured-at", metavar="TIME", callback=checked(parse_time),
        help="When this text was seen (ISO 8601)."),
    single_as: str = SingleAsOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Store article files (plain text, HTML pages, NewsSniffer dumps, WARC files) or an article's
    Wayback Machine captures as versions."""
    st = state(ctx)
    st.config()  # a bad config file is said before any usage error
    if bool(paths) == bool(wayback):
        fail("give files or folders to import, or --wayback URL (not both)", 2)
    if (since or until) and not wayback:
        fail("--from and --to go with --wayback", 2)
    if wayback:
        _import_wayback(st, wayback, since, until, single_as, as_json)
        return
    try:
        imported = st.archive().import_paths(paths or [], url=url, source=source, title=title,
                                             captured_at=captured_at, single_as=single_as)
    except ValueError as exc:
        fail(str(exc))
    for r in imported.errors:
        warn(f"{r.path}: {r.error}")
    for r in imported.damaged:
        for problem in r.damaged:
            warn(f"{r.path}: record at offset {problem['offset']}: {problem['reason']}")
    if as_json:
        jsonout.emit(imported.to_json())
    else:
        for r in imported.files:
            if not r.error:
                typer.echo(_describe(r))
    if imported.errors or imported.damaged:
        raise typer.Exit(1 if len(imported.errors) == len(imported.files) else 2)


def _import_wayback(st: State, url: str, since: str | None, until: str | None, single_as: str, as_json: bool) -> None:
    def report(entry: dict[str, Any]) -> None:
        if not as_json:
            typer.echo(_describe_capture(entry))

    try:
        result = st.archive().import_wayback(url, since=since, until=until, single_as=single_as, report=report)
    except ValueError as exc:
        fail(str(exc))
    if result.error:
        fail(f"{url}: {result.error}")
    if as_json:
        jsonout.emit({"url": result.url, "article_id": result.article_id, "captures": result.captures,
                      "stopped": result.stopped})
    elif not result.captures and not result.stopped:
        typer.echo(f"{result.url}: the Wayback Machine holds no capture of it in that time")
    if result.stopped:
        warn(f"{result.url}: stopped: {result.stopped}")
    for entry in result.captures:
        if entry["outcome"] == "failed":
            warn(f"{result.url}: capture {entry['timestamp']}: {entry['reason']}")
    if result.failed:
        raise typer.Exit(2)


def _describe_capture(entry: dict[str, Any]) -> str:
    """One human line per Wayback capture handled."""
    outcome = entry["outcome"]
    what = {
        "stored": f"stored version {entry.get('number')}",
        "unchanged": f"unchanged: same as version {entry.get('existing')}",
        "suspect": f"suspect extraction, not stored ({entry.get('reason')})",
        "refused": f"refused: {entry.get('reason')}",
        "failed": f"failed: {entry.get('reason')} (tried again next run)",
        "done before": "handled by an earlier run, not fetched",
    }[outcome]
    return f"capture {entry['timestamp']} ({entry['captured_at']}): {what}"


@app.command()
def parse(
    ctx: typer.Context,
    path: Path = typer.Argument(..., metavar="FILE", help="A file newsdiff can read (`-`: standard input)."),
    url: Optional[str] = typer.Option(None, "--url", metavar="URL", help="Canonical URL, when the file does not say."),
    single_as: str = SingleAsOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Show what newsdiff understands from a file, storing nothing."""
    st = state(ctx)
    st.config()  # site rules from the config, as `import` reads
    try:
        parsed = st.archive(opened=False).parse(path, url=url, single_as=single_as)
    except InputError as exc:
        fail(f"{path}: {exc}")
    versions = [jsonout.record_json(v) for v in parsed.versions]
    if as_json:
        document: dict[str, Any] = {"format": parsed.format}
        if len(versions) == 1:
            document.update(versions[0])
        document["versions"] = versions
        document.update(parsed.details)
        document["format"] = parsed.format
        jsonout.emit(document)
        return
    details = parsed.details
    terminal.print_fields([
        ("format", parsed.format), ("extractor", details.get("extractor")), ("dump", details.get("dump")),
        ("source", details.get("source")), ("url", details.get("url")), ("changes", details.get("changes")),
        ("gap", details.get("gap")), ("rows", _row_counts(details.get("counts"))),
    ])
    for record in parsed.versions:
        if len(parsed.versions) > 1:
            typer.echo(terminal.safe(f"\n== version {record.label or '?'}"))
        terminal.print_fields(_record_fields(record))
        terminal.print_paragraphs(record.paragraphs)
    rows = details.get("rows") or []
    notes = []
    if ambiguous := details.get("ambiguous"):
        side = "older version only (removed)" if single_as == "removed" else "newer version only (added)"
        notes.append(f"{plural(len(ambiguous), 'row')} appear{'s' if len(ambiguous) == 1 else ''} once and could "
                     "belong to either version; "
                     f"placed in the {side}: {_row_list(rows, ambiguous)}")
    if uncertain := details.get("uncertain"):
        notes.append(f"{plural(len(uncertain), 'changed row')} could be split into old and new text more than one way; "
                     f"the likeliest split was taken: {_row_list(rows, uncertain)}")
    if notes:
        typer.echo("")
    for note in notes:
        typer.echo(terminal.safe(f"note: {note}"))


def _row_counts(counts: dict[str, int] | None) -> str | None:
    """`4 (2 same, 1 changed, 1 single)` for a dump's body rows."""
    if not counts:
        return None
    kinds = ", ".join(f"{n} {kind}" for kind, n in counts.items() if n)
    return f"{sum(counts.values())} ({kinds})"


def _row_list(rows: list[dict[str, Any]], indexes: list[int]) -> str:
    """Body rows as a person counts them (from 1), each with its opening words."""
    def opening(row: dict[str, Any]) -> str:
        text = row["old"] or row["new"] or ""
        return text if len(text) <= 40 else text[:40].rsplit(" ", 1)[0] + " …"
    return "; ".join(f"row {i + 1} “{opening(rows[i])}”" for i in indexes)


# -- reading the store ---------------------------------------------------------------------------


def _record_fields(record: Any) -> list[tuple[str, Any]]:
    return [
        ("title", record.title), ("url", record.url), ("source", record.source), ("byline", record.byline),
        ("published", record.published), ("captured", record.captured_at), ("standfirst", record.standfirst),
    ]


def _article(st: State, ref: str) -> dict[str, Any]:
    try:
        return st.archive().resolve(ref)
    except NotFound as exc:
        fail(str(exc))


@app.command("list")
def list_cmd(
    ctx: typer.Context,
    source: Optional[str] = typer.Option(None, "--source", metavar="NAME", help="Only this outlet."),
    as_json: bool = JsonOpt,
) -> None:
    """Articles in the database, most recently changed first."""
    try:
        rows = state(ctx).archive().articles(source)
    except NotFound as exc:
        fail(str(exc))
    if as_json:
        jsonout.emit({"articles": [r.to_json() for r in rows]})
        return
    terminal.print_table(
        ["id", "source", "versions", "last captured", "title / url"],
        [[r.id, r.source or "", r.versions, r.last_captured_at or "", r.name] for r in rows],
    )


@app.command()
def log(ctx: typer.Context, article: str = ArticleArg, as_json: bool = JsonOpt) -> None:
    """An article's versions, oldest first, what each changed, and what else happened to it (gone, back,
    moved, reverts)."""
    st = state(ctx)
    try:
        found = st.archive().log(article)
    except NotFound as exc:
        fail(str(exc))
    if as_json:
        jsonout.emit(found.to_json())
        _report_damage(list(found.damaged), "the changes listed")
        return
    row = found.article
    terminal.print_table(
        ["version", "captured", "words", "hash", "changes", "title"],
        [[v["number"], v["captured_at"], v["word_count"], v["content_hash"][:12],
          _edit_line(v["changes"]) if v["changes"] else "first version", v["title"] or ""]
         for v in found.versions],
        title=f"article {row['id']}: {row['url'] or row['key']}",
    )
    _report_damage(list(found.damaged), "the changes listed")
    if found.events:
        typer.echo()
        terminal.print_table(
            ["at", "event", "detail"],
            [[e["at"], e["kind"], ", ".join(f"{k}={v}" for k, v in sorted(e["detail"].items()))] for e in found.events],
        )


def _edit_line(changes: dict[str, Any]) -> str:
    """"2 sentences changed, 1 added; headline changed (number, quote)", or why there is no such line."""
    if "damaged" in changes:
        return "cannot be rebuilt"
    tags = [t for t in changes["tags"] if t != "cosmetic"]
    return changes["line"] + (f" ({', '.join(tags)})" if tags and not changes["cosmetic_only"] else "")


def _write_raw(st: State, article_id: int, version: int | None) -> None:
    """A version's raw input to stdout, byte for byte (the text is not needed, so not rebuilt). Never
    to a terminal: a hostile page's escape sequences would reach it unfiltered."""
    from .api import version_name

    if terminal.is_terminal():
        fail(f"--raw writes the page of {version_name(article_id, version)} as captured, escape sequences and all: "
             "redirect it (`newsdiff show ARTICLE --raw > page.html`) or pipe it")
    try:
        data = st.archive().raw(article_id, version)
    except (NotFound, ValueError) as exc:  # missing, or damaged in the store
        fail(str(exc))
    sys.stdout.buffer.write(data)
    sys.stdout.flush()


@app.command()
def show(
    ctx: typer.Context,
    article: str = ArticleArg,
    version: Optional[int] = typer.Option(None, "--version", "-v", callback=checked(_storable), metavar="N",
                                          help="Version number (default: latest)."),
    raw: bool = typer.Option(False, "--raw", help="Write the page or file the version was read from, byte for byte."),
    as_json: bool = JsonOpt,
) -> None:
    """One version of an article: headline, byline, times and paragraphs (or, with --raw, its input as captured)."""
    st = state(ctx)
    row = _article(st, article)
    if raw and as_json:
        fail("--raw and --json cannot be combined: --json already names the raw input (sha256, size, type)")
    if raw:
        _write_raw(st, row["id"], version)
        return
    try:
        shown = st.archive().show(row["id"], version)
    except NotFound as exc:
        fail(str(exc))
    if as_json:
        jsonout.emit(shown.to_json())
        return
    terminal.print_fields([("article", f"{row['id']} [{row['key']}]"), ("version", shown.number),
                           *_record_fields(shown.record)])
    terminal.print_paragraphs(shown.record.paragraphs)


# -- diff ----------------------------------------------------------------------------------------

@app.command()
def diff(
    ctx: typer.Context,
    args: list[str] = typer.Argument(..., metavar="ARTICLE [A B] | OLD_FILE NEW_FILE | DUMP_FILE",
                                     help="An article (previous -> latest, or versions A and B), two files, "
                                          "or one NewsSniffer dump."),
    fmt: Optional[str] = choice(None, "--format", "-f", allowed=DIFF_FORMATS,
                                help="Output format (default: colours on a terminal, else text)."),
    show_all: bool = typer.Option(False, "--all", help="Include unchanged sentences."),
    cosmetic: bool = typer.Option(False, "--cosmetic", help="Show cosmetic changes (quote style, spaces, dashes)."),
    single_as: str = SingleAsOpt,
    as_json: bool = typer.Option(False, "--json", help="Same as --format json."),
    image: Optional[Path] = typer.Option(None, "--image", metavar="FILE", help="Write a PNG picture of the changes "
                                                                               "to this file and print its alt text."),
) -> None:
    """Sentence by sentence, what changed between two versions of an article."""
    from .render import htmlfrag, markdown, text
    from .render.layout import layout

    if as_json and fmt not in (None, "json"):
        raise typer.BadParameter(f"--json contradicts --format {fmt}", param_hint="'--json'")
    fmt = "json" if as_json else fmt
    st = state(ctx)
    files = [Path(a) for a in args]
    readable = [f.exists() and not f.is_dir() for f in files]  # pipes such as <(curl ...) count
    try:
        if len(args) <= 2 and all(readable):
            st.config()  # site rules, as `import` reads
            report = st.archive(opened=False).diff_files(files, single_as=single_as)
        elif len(args) in (1, 3):
            numbers = [int(n) if n.isdigit() else fail(f"version numbers are whole numbers, not {n!r}", 2)
                       for n in args[1:]]
            report = st.archive().diff(_article(st, args[0])["id"], *numbers)
        else:
            if len(args) == 2 and args[1].isdigit():
                fail("give two version numbers (ARTICLE A B), or none for previous -> latest", 2)
            if len(args) == 2:
                fail(f"no such file: {next(str(f) for f, ok in zip(files, readable, strict=True) if not ok)}")
            fail("give ARTICLE [A B], OLD_FILE NEW_FILE or DUMP_FILE", 2)
    except (InputError, LookupError) as exc:
        fail(str(exc))
    if image is not None:
        from .atomic import write_atomic
        from .render.picture import picture_of

        picture = picture_of(report, None if all(readable) else _article(st, args[0])["source"])
        try:
            write_atomic(image, picture.png)
        except OSError as exc:
            fail(f"{image}: {exc.strerror or exc}")
        typer.echo(picture.alt)
        return
    if fmt == "json":
        jsonout.emit(report.to_json(all=show_all, cosmetic=cosmetic))
        return
    doc = layout(report, all=show_all, cosmetic=cosmetic)
    if fmt is None and terminal.is_terminal():
        text.print_rich(doc, terminal.console())
        return
    render = {"markdown": markdown.render_markdown, "html": htmlfrag.render_html}.get(fmt or "text", text.render_text)
    sys.stdout.write(terminal.safe(render(doc)))


# -- publishing ----------------------------------------------------------------------------------

def _base_url(value: str) -> str | None:
    from .render.edits import check_base_url

    return check_base_url(value)


BaseUrlOpt = typer.Option(None, "--base-url", metavar="URL", callback=checked(_base_url),
                          help="Where the `publish` site is served; feed items link to its diff pages.")
CosmeticOpt = typer.Option(False, "--cosmetic", help="Include versions whose only changes are cosmetic.")
FeedLimitOpt = typer.Option(FEED_LIMIT, "--limit", min=1, callback=checked(_storable), metavar="N",
                            help="Items per feed, newest first.")
TagsOpt = typer.Option(None, "--tags", metavar="TAGS", help="Only edits carrying one of these tags, comma-separated "
                                                           f"({', '.join((*TAGS, HEADLINE_TAG))}).")
MinChangedOpt = typer.Option(0, "--min-changed", min=0, callback=checked(_storable), metavar="N",
                             help="Only edits changing at least this many sentences "
                                  "(a changed headline counts as one).")


def _tags(value: Optional[str]) -> tuple[str, ...]:
    """--tags as a list of known tags; an unknown one is a usage error naming the known ones."""
    from .alerts.rules import parse_tags

    try:
        return parse_tags(value or "", "--tags")
    except ValueError as exc:
        fail(str(exc), 2)


@app.command("feed")
def feed_cmd(
    ctx: typer.Context,
    fmt: str = choice("rss", "--format", "-f", allowed=FEED_FORMATS, help="RSS 2.0 or Atom 1.0."),
    article: Optional[str] = typer.Option(None, "--article", metavar="ARTICLE",
                                          help="Only this article (id, key or URL)."),
    source: Optional[str] = typer.Option(None, "--source", metavar="NAME", help="Only this outlet."),
    limit: int = FeedLimitOpt,
    base_url: Optional[str] = BaseUrlOpt,
    cosmetic: bool = CosmeticOpt,
    tags: Optional[str] = TagsOpt,
    min_changed: int = MinChangedOpt,
    out: Optional[Path] = typer.Option(None, "--out", "-o", metavar="FILE",
                                       help="Write the feed to this file (atomically)."),
) -> None:
    """An RSS or Atom feed of edits: one item per new version, with the change itself inside."""
    from .atomic import write_atomic

    st = state(ctx)
    wanted = _tags(tags)
    ref = _article(st, article)["id"] if article else None
    try:
        data = st.archive().feed(fmt=fmt, article=ref, source=source, limit=limit, base_url=base_url,
                                 cosmetic=cosmetic, tags=wanted, min_changed=min_changed)
        if out:
            write_atomic(out, data)
    except (ValueError, LookupError) as exc:
        fail(str(exc))
    except OSError as exc:
        fail(f"{out}: {exc.strerror or exc}")
    if not out:
        typer.echo(data, nl=False)


@app.command("publish")
def publish_cmd(
    ctx: typer.Context,
    directory: Path = typer.Argument(..., metavar="DIR",
                                     help="Site directory; created, and only newsdiff's own pages change."),
    base_url: str = typer.Option(..., "--base-url", metavar="URL", callback=checked(_base_url),
                                 help="The public URL of DIR (feeds need absolute links)."),
    all_pairs: bool = typer.Option(False, "--all", help="Also write a page for every pair of versions."),
    cosmetic: bool = CosmeticOpt,
    limit: int = FeedLimitOpt,
    title: str = typer.Option(SITE_TITLE, "--title", metavar="TEXT", help="Site name, shown on every page and feed."),
    tags: Optional[str] = TagsOpt,
    min_changed: int = MinChangedOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Write or refresh a static site: latest edits, article pages, side-by-side diff pages, feeds."""
    wanted = _tags(tags)
    archive = state(ctx).archive()
    try:
        result = archive.publish(directory, base_url=base_url, all_pairs=all_pairs, cosmetic=cosmetic, limit=limit,
                                 title=title, tags=wanted, min_changed=min_changed)
    except ValueError as exc:
        fail(str(exc))
    except OSError as exc:
        fail(f"{exc.filename or directory}: {exc.strerror or exc}")
    if as_json:
        jsonout.emit(result.to_json())
    else:
        typer.echo(f"{directory}: {plural(result.pages, 'page')}, {len(result.written)} written, "
                   f"{result.identical + result.skipped} unchanged, {len(result.removed)} removed")


# -- tracking ------------------------------------------------------------------------------------

feeds_app = App(help="Feeds whose new articles `poll` starts tracking.", no_args_is_help=True,
                rich_markup_mode=None)
app.add_typer(feeds_app, name="feeds")


@feeds_app.command("add")
def feeds_add(
    ctx: typer.Context,
    url: str = typer.Argument(..., metavar="URL", help="RSS or Atom feed URL."),
    source: Optional[str] = typer.Option(None, "--source", metavar="NAME",
                                         help="Outlet name (default: the feed's host)."),
    no_check: bool = typer.Option(False, "--no-check",
                                  help="Add it without fetching it first (a feed down right now)."),
) -> None:
    """Track a feed: every poll reads it and starts tracking the articles it lists. The URL is fetched
    once first, and refused unless it is an RSS or Atom feed."""
    from .api import NotAFeed

    st = state(ctx)
    try:
        done = st.archive().add_feed(url, source, check=not no_check)
    except NotAFeed as exc:
        fail(f"{exc} (--no-check adds it anyway)")
    except ValueError as exc:
        fail(str(exc))
    found = done.check
    about = f" ({found.title or 'untitled'}, {plural(found.entries, 'entry', 'entries')})" if found else ""
    typer.echo(terminal.safe(f"added feed {done.url}{about}" if done.added else f"feed {done.url} is already tracked"))


@feeds_app.command("list")
def feeds_list(ctx: typer.Context, as_json: bool = JsonOpt) -> None:
    """Tracked feeds (added ones and those in the config file) and how their last check went."""
    rows = state(ctx).archive().feeds()
    if as_json:
        jsonout.emit({"feeds": [r.to_json() for r in rows]})
        return
    terminal.print_table(
        ["url", "source", "title", "last checked", "status", "error"],
        [[r.url, r.source or "", r.title or "", r.last_checked_at or "never", r.last_status or "", r.last_error or ""]
         for r in rows],
    )


@feeds_app.command("remove")
def feeds_remove(ctx: typer.Context, url: str = typer.Argument(..., metavar="URL", help="Feed URL as listed.")) -> None:
    """Stop reading a feed; the articles it brought stay tracked until they retire."""
    archive = state(ctx).archive()
    try:
        removed = archive.remove_feed(url)
    except (ValueError, NotFound) as exc:
        fail(str(exc))
    typer.echo(terminal.safe(f"removed feed {removed}"))


@app.command()
def track(
    ctx: typer.Context,
    url: str = typer.Argument(..., metavar="URL", help="Article URL."),
    source: Optional[str] = typer.Option(None, "--source", metavar="NAME", help="Outlet name (default: the host)."),
) -> None:
    """Track one article without a feed; the next poll fetches it."""
    archive = state(ctx).archive()
    try:
        done = archive.track(url, source)
    except ValueError as exc:
        fail(str(exc))
    again = "" if done.created else " again"
    typer.echo(terminal.safe(f"tracking{again} article {done.article_id}: {done.url}"))


@app.command()
def untrack(ctx: typer.Context, article: str = ArticleArg) -> None:
    """Stop checking an article; its versions stay."""
    archive = state(ctx).archive()
    try:
        done = archive.untrack(article)
    except NotFound as exc:
        fail(str(exc))
    typer.echo(terminal.safe(f"no longer tracking article {done.article_id}: {done.name}"))


@app.command()
def forget(
    ctx: typer.Context,
    article: str = ArticleArg,
    yes: bool = typer.Option(False, "--yes", help="Really delete: there is no undo."),
    as_json: bool = JsonOpt,
) -> None:
    """Delete an article and everything kept about it (versions, pages, index, events) for good.
    `untrack` only stops checking it."""
    st = state(ctx)
    row = _article(st, article)
    name = f"article {row['id']} [{row['url'] or row['key']}]"
    if not yes:
        fail(f"forget deletes {name} and all its versions for good; add --yes to do it "
             "(`newsdiff untrack` only stops checking it)", 2)
    try:
        forgotten = st.archive().forget(row["id"])
    except ValueError as exc:
        fail(str(exc))
    removed = forgotten.removed
    if as_json:
        jsonout.emit(forgotten.to_json())
    else:
        typer.echo(f"forgot {name}: {plural(removed['versions'], 'version')}, "
                   f"{plural(removed['raws'], 'raw input')}, {plural(removed.get('events', 0), 'event')}")


def _check_duration(value: str) -> str:
    from .track.settings import parse_duration

    parse_duration(value, "--every")
    return value


def _lease_seconds(value: str) -> float:
    from .track.settings import check_lease, parse_duration

    return check_lease(parse_duration(value, "--lease").total_seconds(), "--lease", value)


def _check_lease(value: str) -> str:
    _lease_seconds(value)
    return value


def _check_jobs(value: int) -> int:
    from .track.settings import WHOLE_LIMITS

    if value > WHOLE_LIMITS["jobs"]:
        raise ValueError(f"at most {WHOLE_LIMITS['jobs']} requests at once, as for [fetch] jobs")
    return value


@app.command()
def poll(
    ctx: typer.Context,
    jobs: Optional[int] = typer.Option(None, "--jobs", "-j", min=1, metavar="N", callback=checked(_check_jobs),
                                       help="Requests at once (default: config or 16)."),
    limit: Optional[int] = typer.Option(None, "--limit", min=0, callback=checked(_storable), metavar="N",
                                        help="Check at most this many articles."),
    now: bool = typer.Option(False, "--now", help="Check every tracked article now, whatever its schedule."),
    wait: bool = typer.Option(False, "--wait", help="Wait for a running poll to finish instead of exiting 75."),
    quiet: bool = typer.Option(False, "--quiet", "-q",
                               help="No progress bar and no summary: only errors, suspect pages and pages gone."),
    config: Optional[Path] = typer.Option(None, "--config", metavar="FILE",
                                          help="TOML config (same as the global --config)."),
    publish_dir: Optional[Path] = typer.Option(None, "--publish", metavar="DIR",
                                               help="Refresh the `publish` site in this directory, with its own "
                                                    "settings, when it is out of date."),
    base_url: Optional[str] = BaseUrlOpt,
    no_alerts: bool = typer.Option(False, "--no-alerts", help="Queue alerts but do not send them now."),
    loop: bool = typer.Option(False, "--loop", help="Keep running: poll again when the next article falls due, "
                              "and at least every --every (the feeds are read each time)."),
    every: Optional[str] = typer.Option(None, "--every", metavar="DURATION", callback=checked(_check_duration),
                                        help="With --loop: the longest wait between polls (default 15m)."),
    lease: Optional[str] = typer.Option(None, "--lease", metavar="DURATION", callback=checked(_check_lease),
                                        help="On PostgreSQL, how long this poll holds the articles and feeds it "
                                        "claims, 10s to 24h (default: config or 5m)."),
    as_json: bool = JsonOpt,
) -> None:
    """Read the feeds, re-check the articles that are due, store each new version (the cron job), then
    send the alerts that are due. With --loop, a long-running worker that does so again and again; each
    poll's failures are reported and the next runs. SIGTERM stops it once the poll under way is done
    (exit 0); Ctrl-C stops it at once (exit 130, every write being one transaction).

    Exit 0 when all went well, 2 when some fetches or alerts failed, 1 when it could not run, 75 when
    another poll is running on this database (with --loop, it waits its turn instead).
    """
    from .track.poll import stored_moment
    from .track.settings import parse_duration

    st = state(ctx)
    st.config_path = config or st.config_path
    st.config()  # a config file that cannot be read is said as such, not as a failed poll
    if every is not None and not loop:
        fail("--every goes with --loop (for cron, see `newsdiff cron --every`)", 2)
    if base_url is not None and publish_dir is None:  # else a typo'd --publish would publish nothing, silently
        fail("--base-url goes with --publish DIR (the site it refreshes)", 2)
    archive = st.archive(opened=False)
    show_progress = not quiet and sys.stderr.isatty() and not loop
    lease_s = None if lease is None else _lease_seconds(lease)

    def once() -> tuple[int, str | None]:
        """One poll and its report: (exit code, when the next article falls due)."""
        return _poll_once(st, archive, jobs=jobs, limit=limit, lease=lease_s, now=now, wait=wait or loop, quiet=quiet,
                          show_progress=show_progress, publish_dir=publish_dir, base_url=base_url,
                          no_alerts=no_alerts, as_json=as_json)

    if not loop:
        code, _ = once()
        if code:
            raise typer.Exit(code)
        return
    import threading

    # A service manager's stop (SIGTERM) lets the poll under way finish, then ends the worker (exit 0).
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda signum, frame: stop.set())
    longest = parse_duration(every or "15m", "--every").total_seconds()
    while not stop.is_set():
        _, next_due = once()
        wait_s = longest if next_due is None else (stored_moment(next_due) - datetime.now(timezone.utc)).total_seconds()
        stop.wait(max(LOOP_MIN_WAIT_S, min(longest, wait_s)))  # `--every 0s` too waits, not spins


LOOP_MIN_WAIT_S = 1.0  # a poll that finds an article already due again waits this long, never spins


def _poll_once(st: State, archive: "Archive", *, jobs: int | None, limit: int | None, lease: float | None,
               now: bool, wait: bool, quiet: bool, show_progress: bool, publish_dir: Path | None,
               base_url: str | None, no_alerts: bool,
               as_json: bool) -> tuple[int, str | None]:
    """One poll (with its site refresh and alerts) and its lines printed: (exit code, next due time)."""
    from .render import polling
    from .render.progress import ProgressBar
    from .track.poll import EXIT_BUSY, PollBusy

    try:
        with ProgressBar() if show_progress else nullcontext() as bar:
            polled = archive.poll(jobs=jobs, limit=limit, lease=lease, check_all=now, wait=wait, publish=publish_dir,
                                  base_url=base_url, alerts=not no_alerts, progress=bar)
    except PollBusy as exc:
        fail(str(exc), EXIT_BUSY)
    except ValueError as exc:  # the site's URL, the config file, the database
        fail(str(exc))
    except OSError as exc:
        fail(f"cannot lock {st.db_path}: {exc.strerror or exc}")
    summary, sent = polled.summary, polled.alerts
    if sent:
        _warn_alerts(sent)
    for error in summary.errors:
        warn(f"{error['url']}: {error['error']}")
    for suspect in summary.suspect:  # reported, yet not a failure: the stored version stands
        warn(f"{suspect['url']}: suspect extraction, not stored ({suspect['reason']})")
    for gone in summary.gone_articles:  # said even in cron mode: a tracked page that vanished is news
        warn(polling.gone_line(gone))
    if as_json:
        jsonout.emit(polled.to_json())
    elif not quiet and terminal.is_terminal():
        line = polling.summary_line(summary.as_json(), datetime.now(timezone.utc))
        typer.echo(line + (f"; {_alerts_line(sent)}" if sent else ""))
    return (0 if polled.ok else 2), summary.next_due


# -- alerts --------------------------------------------------------------------------------------

alerts_app = App(help="Alerts: each meaningful edit pushed to the channels of the config's [[alerts]] "
                 "rules.", no_args_is_help=True, rich_markup_mode=None)
app.add_typer(alerts_app, name="alerts")

if TYPE_CHECKING:
    from .alerts.deliver import SendSummary


def _warn_alerts(summary: "SendSummary") -> None:
    """Each alert that failed is one line on stderr (its URL redacted)."""
    for line in summary.retrying:
        warn(f"alert {line['id']} ({line['rule']}, article {line['article_id']} version {line['version']}): "
             f"{line['error']}; will retry")
    for line in summary.failed:
        warn(f"alert {line['id']} ({line['rule']}, article {line['article_id']} version {line['version']}): "
             f"{line['error']}; given up")


def _alerts_line(sent: "SendSummary") -> str:
    return (f"alerts: {sent.sent} sent, {sent.skipped} skipped, {len(sent.retrying)} to retry, "
            f"{len(sent.failed)} given up")


@alerts_app.command("list")
def alerts_list(ctx: typer.Context, as_json: bool = JsonOpt) -> None:
    """The rules (URLs redacted) and the queue: counts, and each alert pending or failed."""
    st = state(ctx)
    st.config()  # the rules are read before the database is opened
    try:
        queued = st.archive().alerts()
    except ValueError as exc:  # no rules
        fail(str(exc))
    rules = queued.rules
    if as_json:
        jsonout.emit(queued.to_json())
        return
    terminal.print_table(
        ["rule", "urls", "filters", "pending", "sent", "skipped", "failed"],
        [[r.name, " ".join(t.shown for t in r.targets),
          "; ".join(f"{k}={v}" for k, v in r.to_json().items() if k in ("sources", "tags") and v),
          *(queued.counts.get(r.name, {}).get(status, 0) for status in ("pending", "sent", "skipped", "failed"))]
         for r in rules])
    if queued.alerts:
        typer.echo("")
        terminal.print_table(
            ["id", "rule", "article", "version", "status", "attempts", "next attempt", "last error"],
            [[a["id"], a["rule"], f"{a['article_id']} [{a['key']}]", a["version"], a["status"], a["attempts"],
              a["next_attempt_at"] or "", a["last_error"] or ""] for a in queued.alerts])


@alerts_app.command("send")
def alerts_send(
    ctx: typer.Context,
    now: bool = typer.Option(False, "--now", help="Also retry failed alerts still waiting out their back-off."),
    as_json: bool = JsonOpt,
) -> None:
    """Send the pending alerts that are due. Exit 2 when some failed (they are retried later)."""
    st = state(ctx)
    st.config()  # the rules are read before the database is opened
    try:
        sent = st.archive().send_alerts(force=now)
    except ValueError as exc:
        fail(str(exc))
    _warn_alerts(sent)
    if as_json:
        jsonout.emit(sent.to_json())
    elif terminal.is_terminal() or sent.sent or not sent.ok:
        typer.echo(_alerts_line(sent))
    if not sent.ok:
        raise typer.Exit(2)


@alerts_app.command("test")
def alerts_test(
    ctx: typer.Context,
    name: str = typer.Argument(..., metavar="NAME", help="The rule's name."),
    as_json: bool = JsonOpt,
) -> None:
    """Send one message, built from the latest stored edit (or a built-in sample), to a rule's channels."""
    st = state(ctx)
    st.config()  # the rules are read before the database is opened
    try:
        tested = st.archive().test_alert(name)
    except (NotFound, ValueError) as exc:
        fail(str(exc))
    if as_json:
        jsonout.emit(tested.to_json())
    else:
        typer.echo(f"sent {tested.sent} to {', '.join(tested.to)}")


def _every(value: str) -> timedelta:
    """A cron period that cron can keep (ValueError naming --every otherwise)."""
    from .track.cron import crontab_schedule
    from .track.settings import parse_duration

    every = parse_duration(value, "--every")
    crontab_schedule(every)
    return every


def _check_every(value: str) -> str:
    _every(value)
    return value


@app.command()
def cron(
    ctx: typer.Context,
    every: str = typer.Option("15m", "--every", metavar="DURATION", callback=checked(_check_every),
                              help="How often to poll: 5m, 15m, 1h ..."),
) -> None:
    """Print a crontab line and a systemd service + timer that run `poll` for this database."""
    from .track.cron import cron_text

    st = state(ctx)
    st.config()  # a config the job could not read fails here, not every few minutes in cron
    # This very installation: the script being run, else the one beside this Python, else `python -m`.
    program = next((p for p in (Path(sys.argv[0]), Path(sys.executable).parent / "newsdiff")
                    if p.name == "newsdiff" and p.is_file()), None)
    command = [str(program.absolute())] if program else [sys.executable, "-m", "newsdiff"]
    # A server by its URL without the password, which the job reads from ~/.pgpass like any libpq client.
    command += ["--db", str(st.server) if st.server else str(st.db_path.resolve())]
    if st.config_path:
        command += ["--config", str(st.config_path.resolve())]
    typer.echo(cron_text(st.server or st.db_path, _every(every), command), nl=False)


# -- history: check, search, export, stats ---------------------------------------------------------


@app.command("check")
def check_cmd(ctx: typer.Context, as_json: bool = JsonOpt) -> None:
    """Rebuild every version and verify its hash, run SQLite's integrity check, report orphans.
    Exit 0 only when all is well; damage is listed (article, version), never repaired."""
    from .render import findings

    report = state(ctx).archive().check()
    if as_json:
        jsonout.emit(report.to_json())
    else:
        findings.print_check(report.lines(), report.summary(), report.ok)
    if not report.ok:
        raise typer.Exit(1)


@app.command("migrate")
def migrate_cmd(
    source: Path = typer.Option(..., "--from", metavar="PATH", help="The SQLite database to copy."),
    target: str = typer.Option(..., "--to", metavar="URL", help="An empty PostgreSQL database: postgresql://user@host/db."),
    as_json: bool = JsonOpt,
) -> None:
    """Copy a SQLite archive into an empty PostgreSQL database, in one transaction. The source is checked
    first (as by `check`), and every version copied is rebuilt on the server and verified against its hash.
    Exit 0 when both sides verify, 1 otherwise."""
    from .check import check
    from .store import Store, StoreError, copy_archive, open_server

    try:
        server = parse_db(target)
    except BadDatabaseUrl as exc:
        fail(str(exc))
    if not isinstance(server, ServerUrl):
        fail(f"--to {target}: not a PostgreSQL URL (postgresql://user@host/database)")
    if not source.is_file():
        fail(f"no database at {source}")
    try:
        store = Store.open(source, readonly=True)
    except Exception as exc:  # an unreadable or foreign file: one line, as for any command
        fail(f"cannot open database {source}: {exc}")
    before = check(store)
    if not before.ok:
        fail(f"{source} is damaged ({before.summary()}); `newsdiff --db {source} check` lists it. Nothing copied")
    try:
        with open_server(server) as conn:
            copied = copy_archive(store, conn)
    except StoreError as exc:
        fail(str(exc))
    except ValueError as exc:
        fail(f"{server}: {exc}")
    ok = not copied.problems and copied.verified == before.versions
    if as_json:
        jsonout.emit({"ok": ok, "from": str(source), "to": str(server), "rows": copied.rows,
                      "source_check": before.to_json(), "verified": copied.verified, "problems": copied.problems})
    else:
        for problem in copied.problems:
            warn(problem)
        typer.echo(f"copied {plural(copied.rows['articles'], 'article')}, "
                   f"{plural(copied.rows['versions'], 'version')}, "
                   f"{plural(copied.rows['raws'], 'raw input')} from {source} to {server}")
        typer.echo(f"{source}: {before.summary()}")
        typer.echo(f"{server}: {copied.verified} of {plural(copied.rows['versions'], 'version')} rebuilt and verified")
    if not ok:
        raise typer.Exit(1)


@app.command("search")
def search_cmd(
    ctx: typer.Context,
    query: str = typer.Argument(..., metavar="QUERY",
                                help='Words that must all appear in a version (text or headline); '
                                     '"a phrase"; prefix*.'),
    changed: bool = typer.Option(False, "--changed", help="Only edits that put a query word in or took one out."),
    fts: bool = typer.Option(False, "--fts", help="QUERY is SQLite FTS5 syntax (OR, NOT, NEAR, ...)."),
    limit: int = typer.Option(SEARCH_LIMIT, "--limit", min=1, callback=checked(_storable), metavar="N",
                              help="At most this many articles (edits, with --changed)."),
    as_json: bool = JsonOpt,
) -> None:
    """Which articles and versions contain some words; with --changed, which edits touched them."""
    from .render import findings
    from .search import SearchError

    archive = state(ctx).archive()
    try:
        found = archive.search(query, changed=changed, fts=fts, limit=limit)
    except SearchError as exc:
        fail(str(exc))
    if as_json:
        jsonout.emit(found.to_json())
    else:
        if changed:
            findings.print_edits(cast("list[EditHit]", found.hits))
        else:
            findings.print_hits(cast("list[ArticleHit]", found.hits))
        if found.more:
            findings.print_more("edits" if changed else "articles", limit)
    _report_damage(list(found.damaged), "the results")


@app.command("export")
def export_cmd(
    ctx: typer.Context,
    fmt: str = choice("jsonl", "--format", "-f", allowed=EXPORT_FORMATS, help="JSON lines or CSV."),
    since: Optional[str] = typer.Option(None, "--since", metavar="TIME", callback=checked(parse_time),
                                           help="Only versions captured at or after this date/time (ISO 8601)."),
    sentences: bool = typer.Option(False, "--sentences",
                                   help="One record per version pair with its sentence alignment "
                                        "(CSV: one row per sentence entry)."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", metavar="FILE",
                                          help="Write to this file instead of stdout."),
) -> None:
    """Every article with all its versions, streamed as JSON lines or CSV."""
    from .atomic import atomic_output

    archive = state(ctx).archive()
    try:
        with atomic_output(output, text=True) if output else nullcontext(sys.stdout) as out:  # whole or not at all
            exported = archive.export(out, fmt=fmt, since=since, sentences=sentences)
    except BrokenPipeError:
        raise  # `| head` stopped reading: end quietly, as every command does, not as a failed write
    except OSError as exc:
        fail(f"{output or 'stdout'}: {exc.strerror or exc}")
    _report_damage(list(exported.damaged), "the export")


@app.command("stats")
def stats_cmd(
    ctx: typer.Context,
    top: int = typer.Option(STATS_TOP, "--top", min=1, callback=checked(_storable), metavar="N",
                            help="How many of the most edited articles to list."),
    as_json: bool = JsonOpt,
) -> None:
    """Articles, versions, edits per source, the most edited articles and what the database costs."""
    from .render import findings

    document = state(ctx).archive().stats(top).to_json()
    if as_json:
        jsonout.emit(document)
    else:
        findings.print_stats(document)


@app.command("vacuum")
def vacuum_cmd(ctx: typer.Context, as_json: bool = JsonOpt) -> None:
    """Give back the space superseded versions left in the file (after any running poll)."""
    from .render import findings

    st = state(ctx)
    done = st.archive().vacuum()
    if as_json:
        jsonout.emit(done.to_json())
    else:
        typer.echo(f"{st.db_path}: {findings.size(done.bytes_before)} -> {findings.size(done.bytes_after)}")


class Interrupted(BaseException):
    """Ctrl-C. Not a KeyboardInterrupt, which the command-line parser turns into a silent exit, and not
    an Exception, which a command's own error handling could report as a failed input."""


def _interrupt(signum: int, frame: Any) -> None:
    raise Interrupted


_OUTPUT_ERRORS = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO)  # a full disk or quota, a file too big, a hangup


def main() -> None:
    """Console-script entry point."""
    os.environ.setdefault("PYTHONIOENCODING", "utf-8")
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:  # a job started with SIGINT ignored keeps that
        signal.signal(signal.SIGINT, _interrupt)
    try:
        app()
    except Interrupted:  # every write is one transaction: what was under way is rolled back
        sys.stderr.write("newsdiff: interrupted\n")
        sys.exit(130)
    except BrokenPipeError:  # `newsdiff log ... | head` is not an error
        sys.stderr.close()
    except DamagedHistory as exc:  # any command that reads a damaged version says so in one line
        sys.stderr.write(f"newsdiff: {exc}; `newsdiff check` lists all damage\n")
        sys.exit(1)
    except StoreBusy as exc:  # as for an overlapping poll: cron and systemd read it as "try again later"
        from .track.poll import EXIT_BUSY

        sys.stderr.write(f"newsdiff: {exc}\n")
        sys.exit(EXIT_BUSY)
    except ServerLost as exc:  # the server went away mid-command: rolled back, finished but not whole
        sys.stderr.write(f"newsdiff: {exc}\n")
        sys.exit(2)
    except STORE_ERRORS as exc:  # e.g. a corrupt page met halfway through a command
        hint = "; `newsdiff check` lists all damage" if is_damage(exc) else ""
        sys.stderr.write(f"newsdiff: database error: {exc}{hint}\n")
        sys.exit(1)
    except OSError as exc:  # what names no file: the output (`> page.html` on a full disk), as `export` says it
        if exc.filename is not None or exc.errno not in _OUTPUT_ERRORS:
            raise
        sys.stderr.write(f"newsdiff: cannot write the output: {exc.strerror}\n")
        sys.exit(1)
