"""The `newsdiff` command: parses arguments and calls the library, nothing more.

No `from __future__ import annotations` here: typer reads every command's annotations at each start,
and evaluating them from strings cost a command 15-25 ms (scripts/bench_startup.py). Names imported only
for type checkers are quoted instead.
"""

import os
import signal
import sys
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, Optional

import typer
import typer.core

from .changes import HEADLINE_TAG, TAGS
from .model import InputError, NotFound, parse_time, plural
from .render import DIFF_FORMATS, EXPORT_FORMATS, FEED_FORMATS, jsonout, terminal
from .sources import ParseOptions, parse_bytes
from .store import STORE_ERRORS, DamagedHistory, StoreBusy, is_damage
from .track import registry

if TYPE_CHECKING:
    from .archive.warc import WarcResult
    from .config import Config
    from .importer import FileResult
    from .render.edits import Edit
    from .store import Store

class PlainHelpCommand(typer.core.TyperCommand):
    """Help that names arguments as a user types them (`PATH...`, `ARTICLE`), not as Python types
    (`<list[Path]>`); options carry their own plain metavars (`TEXT`, `N`, `[rss|atom]`)."""

    def _argument_name(self, param: Any) -> str:
        return param.metavar or param.name.upper() + ("..." if param.nargs != 1 else "")

    def collect_usage_pieces(self, ctx: typer.Context) -> list[str]:
        pieces = [self.options_metavar] if self.options_metavar else []
        for param in self.get_params(ctx):
            if param.param_type_name == "argument":
                name = self._argument_name(param)
                pieces.append(name if param.required else f"[{name}]")
        return pieces

    def format_options(self, ctx: typer.Context, formatter: Any) -> None:
        arguments, options = [], []
        for param in self.get_params(ctx):
            if param.param_type_name == "argument":
                arguments.append((self._argument_name(param), param.help or ""))
            elif (record := param.get_help_record(ctx)) is not None:
                options.append(record)
        for heading, records in (("Arguments", arguments), ("Options", options)):
            if records:
                with formatter.section(heading):
                    formatter.write_dl(records)


class App(typer.Typer):
    """A Typer app whose commands all get plain help (`PlainHelpCommand`)."""

    def command(self, *args: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("cls", PlainHelpCommand)
        return super().command(*args, **kwargs)


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


def checked(convert: Callable[[str], Any]) -> Callable[[typer.CallbackParam, str | None], Any]:
    """An option callback: `convert`'s ValueError becomes a usage error (exit 2) naming the option."""
    def check(param: typer.CallbackParam, value: str | None) -> Any:
        if value is None:
            return None
        try:
            return convert(value)
        except ValueError as exc:
            raise typer.BadParameter(str(exc).removeprefix(f"{param.opts[0]}: ")) from None

    return check


JsonOpt = typer.Option(False, "--json", help="Print one JSON document instead of human output.")
SingleAsOpt = choice("added", "--single-as", allowed=("added", "removed"),
                     help="NewsSniffer rows seen once: treat as added (newer version) or removed.")
ArticleArg = typer.Argument(..., metavar="ARTICLE", help="Article id, key or URL.")


@dataclass
class State:
    """What the global options chose; the store and config are opened on first use."""

    db_path: Path
    config_path: Path | None
    creates_db: bool = True  # commands that only read never create a database: a mistyped --db is an error
    access: str = "write"  # "read": opened read-only, never changes the file; "cache": read-only when it must
    _store: "Store | None" = None
    _config: "Config | None" = None

    def store(self) -> "Store":
        from .store import SchemaError, Store

        if self._store is None:
            if not self.creates_db and not self.db_path.exists():
                fail(f"no database at {self.db_path} (import or poll first, or name one with --db or NEWSDIFF_DB)")
            try:
                try:
                    self._store = Store.open(self.db_path, readonly=self.access == "read")
                except StoreBusy:
                    raise
                except STORE_ERRORS as exc:
                    if self.access != "cache" or is_damage(exc):
                        raise
                    # A reader that caches its work (log, diff, search) still reads a file it cannot write.
                    self._store = Store.open(self.db_path, readonly=True)
            except SchemaError as exc:
                fail(str(exc))
            except StoreBusy:
                raise  # exits 75 like any write that waited too long (see main)
            except Exception as exc:  # an unreadable or foreign file must not print a traceback
                fail(f"cannot open database {self.db_path}: {exc}")
            if self.creates_db and self.config().alerts:  # every version a writer stores may alert
                from .alerts.queue import attach

                attach(self._store, self.config().alerts)
            if self.creates_db and self.config().archive.wayback:  # and be saved to the Wayback Machine
                from .archive import save

                save.attach(self._store)
        return self._store

    def config(self) -> "Config":
        from .config import load_config

        if self._config is None:
            try:
                self._config = load_config(self.config_path, self.db_path)
            except (OSError, ValueError) as exc:
                fail(str(exc))
        return self._config

    def parse_options(self, single_as: str = "added") -> ParseOptions:
        return ParseOptions(single_as=single_as, sites=self.config().sites)


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
    db: Path = typer.Option(
        Path("newsdiff.db"), "--db", metavar="PATH", envvar="NEWSDIFF_DB", help="SQLite database (created on first use)."
    ),
    config: Optional[Path] = typer.Option(
        None, "--config", metavar="FILE", help="TOML config (default: newsdiff.toml beside the database, if present)."
    ),
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Show the version."),
) -> None:
    if config is not None and (not config.exists() or config.is_dir()):  # every command, even one reading no setting
        fail(f"config file {config} {'is a folder' if config.is_dir() else 'does not exist'}")
    ctx.obj = State(db_path=db, config_path=config, creates_db=ctx.invoked_subcommand in WRITERS,
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
    title: Optional[str] = typer.Option(None, "--title", metavar="TEXT", help="Headline, when the file has none or a wrong one."),
    captured_at: Optional[str] = typer.Option(
        None, "--captured-at", metavar="TIME", callback=checked(parse_time), help="When this text was seen (ISO 8601)."),
    single_as: str = SingleAsOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Store article files (plain text, HTML pages, NewsSniffer dumps, WARC files) or an article's
    Wayback Machine captures as versions."""
    from .archive.warc import WarcResult
    from .importer import import_paths

    st = state(ctx)
    options = st.parse_options(single_as)
    if bool(paths) == bool(wayback):
        fail("give files or folders to import, or --wayback URL (not both)", 2)
    if (since or until) and not wayback:
        fail("--from and --to go with --wayback", 2)
    if wayback:
        _import_wayback(st, wayback, since, until, options, as_json)
        return
    try:
        results = import_paths(
            st.store(), paths, url=url, source=source, title=title, captured_at=captured_at,
            options=options, suspect_ratio=st.config().suspect_ratio,
            extract_timeout=st.config().track.fetch.extract_timeout,
        )
    except ValueError as exc:
        fail(str(exc))
    errors = [r for r in results if r.error]
    for r in errors:
        warn(f"{r.path}: {r.error}")
    damaged = [r for r in results if isinstance(r, WarcResult) and r.damaged]
    for r in damaged:
        for problem in r.damaged:
            warn(f"{r.path}: record at offset {problem['offset']}: {problem['reason']}")
    if as_json:
        jsonout.emit({
            "imported": [
                {"path": r.path, "format": r.format, "article_id": r.article_id, "key": r.key, "url": r.url,
                 "added": r.added, "versions": r.versions, "ambiguous": r.ambiguous,
                 **({"skipped": dict(r.skipped), "damaged": r.damaged} if isinstance(r, WarcResult) else {})}
                for r in results if not r.error
            ],
            "errors": [{"path": r.path, "error": r.error} for r in errors],
        })
    else:
        for r in results:
            if not r.error:
                typer.echo(_describe(r))
    if errors or damaged:
        raise typer.Exit(1 if len(errors) == len(results) else 2)


def _import_wayback(st: State, url: str, since: str | None, until: str | None, options: ParseOptions,
                    as_json: bool) -> None:
    from .archive.wayback import import_wayback

    def report(entry: dict[str, Any]) -> None:
        if not as_json:
            typer.echo(_describe_capture(entry))

    config = st.config()
    try:
        result = import_wayback(st.store(), url, archive=config.archive, fetch=config.track.fetch, options=options,
                                suspect_ratio=config.suspect_ratio, since=since, until=until, report=report)
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
    from .sources.files import read_bytes

    st = state(ctx)
    try:
        parsed = parse_bytes(read_bytes(path), url=url, options=st.parse_options(single_as))  # as `import` reads
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
        return st.store().resolve(ref)
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
        rows = state(ctx).store().articles(source)
    except NotFound as exc:
        fail(str(exc))
    if as_json:
        jsonout.emit({"articles": rows})
        return
    terminal.print_table(
        ["id", "source", "versions", "last captured", "title / url"],
        [[r["id"], r["source"] or "", r["versions"], r["last_captured_at"] or "", r["display_title"] or r["url"] or r["key"]]
         for r in rows],
    )


@app.command()
def log(ctx: typer.Context, article: str = ArticleArg, as_json: bool = JsonOpt) -> None:
    """An article's versions, oldest first, what each changed, and what else happened to it (gone, back,
    moved, reverts)."""
    st = state(ctx)
    row = _article(st, article)
    versions = st.store().versions(row["id"])
    events = st.store().events(row["id"])
    from .reports.cache import version_edits

    edits = version_edits(st.store(), row["id"])
    changes = {number: _edit_json(edit) for number, edit in edits.items()}
    from .archive.save import snapshots

    archived = snapshots(st.store(), row["id"])
    if as_json:
        jsonout.emit({"article": row, "versions": [
            {**v, "changes": changes.get(v["number"]), "archived": archived.get(v["id"])} for v in versions],
                      "events": events})
        _report_damage([e for e in edits.values() if isinstance(e, DamagedHistory)], "the changes listed")
        return
    terminal.print_table(
        ["version", "captured", "words", "hash", "changes", "title"],
        [[v["number"], v["captured_at"], v["word_count"], v["content_hash"][:12],
          _edit_line(changes[v["number"]]) if v["number"] in changes else "first version", v["title"] or ""]
         for v in versions],
        title=f"article {row['id']}: {row['url'] or row['key']}",
    )
    _report_damage([e for e in edits.values() if isinstance(e, DamagedHistory)], "the changes listed")
    if events:
        typer.echo()
        terminal.print_table(
            ["at", "event", "detail"],
            [[e["at"], e["kind"], ", ".join(f"{k}={v}" for k, v in sorted(e["detail"].items()))] for e in events],
        )


def _edit_json(edit: "Edit | DamagedHistory") -> dict[str, Any]:
    """What a version changed from the one before it, as `log --json` lists it."""
    if isinstance(edit, DamagedHistory):
        return {"damaged": str(edit)}
    tags = {tag for change in edit.report.edited for tag in change.get("tags", [])}
    return {"summary": edit.report.summary, "headline_changed": edit.headline_changed,
            "cosmetic_only": edit.cosmetic, "tags": [tag for tag in TAGS if tag in tags], "line": edit.summary_line}


def _edit_line(changes: dict[str, Any]) -> str:
    """"2 sentences changed, 1 added; headline changed (number, quote)", or why there is no such line."""
    if "damaged" in changes:
        return "cannot be rebuilt"
    tags = [t for t in changes["tags"] if t != "cosmetic"]
    return changes["line"] + (f" ({', '.join(tags)})" if tags and not changes["cosmetic_only"] else "")


def _write_raw(store: "Store", article_id: int, version: int | None) -> None:
    """A version's raw input to stdout, byte for byte (the text is not needed, so not rebuilt). Never
    to a terminal: a hostile page's escape sequences would reach it unfiltered."""
    where = f"article {article_id} version {version}" if version else f"the latest version of article {article_id}"
    if terminal.is_terminal():
        fail(f"--raw writes the page of {where} as captured, escape sequences and all: redirect it "
             "(`newsdiff show ARTICLE --raw > page.html`) or pipe it")
    try:
        kept = store.raw(article_id, version)
        if kept is None:
            fail(f"{where} was stored without its raw input")
        data = store.raw_bytes(kept.id)
    except NotFound as exc:
        fail(str(exc))
    except ValueError as exc:  # damaged in the store
        fail(f"{where}: {exc}")
    sys.stdout.buffer.write(data)
    sys.stdout.flush()


@app.command()
def show(
    ctx: typer.Context,
    article: str = ArticleArg,
    version: Optional[int] = typer.Option(None, "--version", "-v", metavar="N", help="Version number (default: latest)."),
    raw: bool = typer.Option(False, "--raw", help="Write the page or file the version was read from, byte for byte."),
    as_json: bool = JsonOpt,
) -> None:
    """One version of an article: headline, byline, times and paragraphs (or, with --raw, its input as captured)."""
    st = state(ctx)
    row = _article(st, article)
    if raw and as_json:
        fail("--raw and --json cannot be combined: --json already names the raw input (sha256, size, type)")
    if raw:
        _write_raw(st.store(), row["id"], version)
        return
    try:
        stored = st.store().version_row(row["id"], version)  # rebuilt once, for the record and its number
        record, number = st.store().as_record(stored), stored["number"]
        kept = st.store().raw(row["id"], number)
    except NotFound as exc:
        fail(str(exc))
    if as_json:
        about = None if kept is None else {"sha256": kept.sha256, "size": kept.size, "content_type": kept.content_type}
        from .archive.save import snapshots

        jsonout.emit({"article": row, "version": number, **jsonout.record_json(record), "raw": about,
                      "archived": snapshots(st.store(), row["id"]).get(stored["id"])})
        return
    terminal.print_fields([("article", f"{row['id']} [{row['key']}]"), ("version", number), *_record_fields(record)])
    terminal.print_paragraphs(record.paragraphs)


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
    from .reports.compare import diff_files, diff_versions
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
            report = diff_files(files, st.parse_options(single_as))
        elif len(args) in (1, 3):
            numbers = [int(n) if n.isdigit() else fail(f"version numbers are whole numbers, not {n!r}", 2)
                       for n in args[1:]]
            report = diff_versions(st.store(), _article(st, args[0])["id"], *numbers)
        else:
            if len(args) == 2 and args[1].isdigit():
                fail("give two version numbers (ARTICLE A B), or none for previous -> latest", 2)
            if len(args) == 2:
                fail(f"no such file: {next(str(f) for f, ok in zip(files, readable) if not ok)}")
            fail("give ARTICLE [A B], OLD_FILE NEW_FILE or DUMP_FILE", 2)
    except (InputError, LookupError) as exc:
        fail(str(exc))
    if image is not None:
        from .publish import write_atomic
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
    from .publish import check_base_url

    return check_base_url(value)


BaseUrlOpt = typer.Option(None, "--base-url", metavar="URL", callback=checked(_base_url),
                          help="Where the `publish` site is served; feed items link to its diff pages.")
CosmeticOpt = typer.Option(False, "--cosmetic", help="Include versions whose only changes are cosmetic.")
FeedLimitOpt = typer.Option(50, "--limit", min=1, metavar="N", help="Items per feed, newest first.")
TagsOpt = typer.Option(None, "--tags", metavar="TAGS", help="Only edits carrying one of these tags, comma-separated "
                                                           f"({', '.join((*TAGS, HEADLINE_TAG))}).")
MinChangedOpt = typer.Option(0, "--min-changed", min=0, metavar="N", help="Only edits changing at least this many "
                                                                         "sentences (a changed headline counts as one).")


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
    article: Optional[str] = typer.Option(None, "--article", metavar="ARTICLE", help="Only this article (id, key or URL)."),
    source: Optional[str] = typer.Option(None, "--source", metavar="NAME", help="Only this outlet."),
    limit: int = FeedLimitOpt,
    base_url: Optional[str] = BaseUrlOpt,
    cosmetic: bool = CosmeticOpt,
    tags: Optional[str] = TagsOpt,
    min_changed: int = MinChangedOpt,
    out: Optional[Path] = typer.Option(None, "--out", "-o", metavar="FILE", help="Write the feed to this file (atomically)."),
) -> None:
    """An RSS or Atom feed of edits: one item per new version, with the change itself inside."""
    from . import publish as publishing

    st = state(ctx)
    wanted = _tags(tags)
    ref = publishing.article_ref(_article(st, article)) if article else None
    try:
        data = publishing.feed(st.store(), fmt=fmt, article=ref, source=source, limit=limit, base_url=base_url,
                               cosmetic=cosmetic, tags=wanted, min_changed=min_changed)
        if out:
            publishing.write_atomic(out, data)
    except (ValueError, LookupError) as exc:
        fail(str(exc))
    except OSError as exc:
        fail(f"{out}: {exc.strerror or exc}")
    if not out:
        typer.echo(data, nl=False)


@app.command("publish")
def publish_cmd(
    ctx: typer.Context,
    directory: Path = typer.Argument(..., metavar="DIR", help="Site directory; created, and only newsdiff's own pages change."),
    base_url: str = typer.Option(..., "--base-url", metavar="URL", callback=checked(_base_url),
                                 help="The public URL of DIR (feeds need absolute links)."),
    all_pairs: bool = typer.Option(False, "--all", help="Also write a page for every pair of versions."),
    cosmetic: bool = CosmeticOpt,
    limit: int = FeedLimitOpt,
    title: str = typer.Option("newsdiff", "--title", metavar="TEXT", help="Site name, shown on every page and feed."),
    tags: Optional[str] = TagsOpt,
    min_changed: int = MinChangedOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Write or refresh a static site: latest edits, article pages, side-by-side diff pages, feeds."""
    from . import publish as publishing

    wanted = _tags(tags)
    try:
        result = publishing.publish(state(ctx).store(), directory, base_url=base_url, all_pairs=all_pairs,
                                    cosmetic=cosmetic, limit=limit, title=title, tags=wanted, min_changed=min_changed)
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
    source: Optional[str] = typer.Option(None, "--source", metavar="NAME", help="Outlet name (default: the feed's host)."),
    no_check: bool = typer.Option(False, "--no-check", help="Add it without fetching it first (a feed down right now)."),
) -> None:
    """Track a feed: every poll reads it and starts tracking the articles it lists. The URL is fetched
    once first, and refused unless it is an RSS or Atom feed."""
    from .track.feeds import check_feed
    from .urls import feed_url

    st = state(ctx)
    try:
        url = feed_url(url)
    except ValueError as exc:
        fail(str(exc))
    found = None if no_check else check_feed(url, st.config().track.fetch)
    if found and found.problem:
        offer = ", ".join(f"“{title}” {link}" if title else link for title, link in found.alternates)
        fail(f"{url} is not a feed: {found.problem}" + (f"; the page links {offer}" if offer else "")
             + " (--no-check adds it anyway)")
    registry.sync_config_feeds(st.store(), st.config().track.feeds)  # so a feed the config lists is known
    added = registry.add_feed(st.store(), url, source)
    about = f" ({found.title or 'untitled'}, {plural(found.entries, 'entry', 'entries')})" if found else ""
    typer.echo(terminal.safe(f"added feed {url}{about}" if added else f"feed {url} is already tracked"))


@feeds_app.command("list")
def feeds_list(ctx: typer.Context, as_json: bool = JsonOpt) -> None:
    """Tracked feeds (added ones and those in the config file) and how their last check went."""
    st = state(ctx)
    registry.sync_config_feeds(st.store(), st.config().track.feeds)
    rows = st.store().feeds()
    if as_json:
        jsonout.emit({"feeds": rows})
        return
    terminal.print_table(
        ["url", "source", "title", "last checked", "status", "error"],
        [[r["url"], r["source"] or "", r["title"] or "", r["last_checked_at"] or "never", r["last_status"] or "",
          r["last_error"] or ""] for r in rows],
    )


@feeds_app.command("remove")
def feeds_remove(ctx: typer.Context, url: str = typer.Argument(..., metavar="URL", help="Feed URL as listed.")) -> None:
    """Stop reading a feed; the articles it brought stay tracked until they retire."""
    st = state(ctx)
    try:
        registry.remove_feed(st.store(), url, st.config().track.feeds)
    except (ValueError, NotFound) as exc:
        fail(str(exc))
    typer.echo(terminal.safe(f"removed feed {url.strip()}"))


@app.command()
def track(
    ctx: typer.Context,
    url: str = typer.Argument(..., metavar="URL", help="Article URL."),
    source: Optional[str] = typer.Option(None, "--source", metavar="NAME", help="Outlet name (default: the host)."),
) -> None:
    """Track one article without a feed; the next poll fetches it."""
    try:
        article_id, created = registry.track(state(ctx).store(), url, source)
    except ValueError as exc:
        fail(str(exc))
    typer.echo(terminal.safe(f"{'tracking' if created else 'tracking again'} article {article_id}: {url.strip()}"))


@app.command()
def untrack(ctx: typer.Context, article: str = ArticleArg) -> None:
    """Stop checking an article; its versions stay."""
    try:
        row = registry.untrack(state(ctx).store(), article)
    except NotFound as exc:
        fail(str(exc))
    typer.echo(terminal.safe(f"no longer tracking article {row['id']}: {row['url'] or row['key']}"))


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
        removed = st.store().forget(row["id"])
    except ValueError as exc:
        fail(str(exc))
    if as_json:
        jsonout.emit({"article": row, "removed": removed})
    else:
        typer.echo(f"forgot {name}: {plural(removed['versions'], 'version')}, "
                   f"{plural(removed['raws'], 'raw input')}, {plural(removed.get('events', 0), 'event')}")


@app.command()
def poll(
    ctx: typer.Context,
    jobs: Optional[int] = typer.Option(None, "--jobs", "-j", min=1, metavar="N", help="Requests at once (default: config or 16)."),
    limit: Optional[int] = typer.Option(None, "--limit", min=0, metavar="N", help="Check at most this many articles."),
    now: bool = typer.Option(False, "--now", help="Check every tracked article now, whatever its schedule."),
    wait: bool = typer.Option(False, "--wait", help="Wait for a running poll to finish instead of exiting 75."),
    quiet: bool = typer.Option(False, "--quiet", "-q",
                               help="No progress bar and no summary: only errors, suspect pages and pages gone."),
    config: Optional[Path] = typer.Option(None, "--config", metavar="FILE", help="TOML config (same as the global --config)."),
    publish_dir: Optional[Path] = typer.Option(None, "--publish", metavar="DIR", help="Refresh the `publish` site in this "
                                               "directory, with its own settings, when it is out of date."),
    base_url: Optional[str] = BaseUrlOpt,
    no_alerts: bool = typer.Option(False, "--no-alerts", help="Queue alerts but do not send them now."),
    as_json: bool = JsonOpt,
) -> None:
    """Read the feeds, re-check the articles that are due, store each new version (the cron job), then
    send the alerts that are due.

    Exit 0 when all went well, 2 when some fetches or alerts failed, 1 when it could not run, 75 when
    another poll is running on this database.
    """
    from dataclasses import replace

    from .render import polling
    from .render.progress import ProgressBar
    from .track.poll import EXIT_BUSY, PollBusy, poll_lock
    from .track.poll import poll as run_poll

    st = state(ctx)
    if publish_dir is not None:
        from . import publish as publishing

        # The site keeps the settings it was published with; an explicit --base-url wins.
        site = {**publishing.recorded_settings(publish_dir), **({"base_url": base_url} if base_url else {})}
        try:
            publishing.check_base_url(site.get("base_url") or fail("--publish needs --base-url, the site's public URL"))
        except ValueError as exc:
            fail(str(exc))
    st.config_path = config or st.config_path
    settings = st.config().track
    if jobs:
        settings = replace(settings, fetch=replace(settings.fetch, jobs=jobs))
    store, options = st.store(), st.parse_options()
    show_progress = not quiet and sys.stderr.isatty()
    try:
        with poll_lock(st.db_path, wait=wait):
            with ProgressBar() if show_progress else nullcontext() as bar:
                summary = run_poll(store, settings, options=options, check_all=now, limit=limit,
                                   suspect_ratio=st.config().suspect_ratio, progress=bar)
            # Still under the lock, so two runs never write the site at once.
            if publish_dir is not None:
                summary.published = {"directory": str(publish_dir), "url": site["base_url"], "refreshed": False,
                                     "written": 0, "removed": 0}
                if publishing.stale(store, publish_dir, **site):
                    try:
                        result = publishing.publish(store, publish_dir, **site)
                        summary.published.update(refreshed=True, written=len(result.written),
                                                 removed=len(result.removed))
                    except OSError as exc:
                        summary.errors.append({"url": str(exc.filename or publish_dir),
                                               "error": f"publish failed: {exc.strerror or exc}"})
            deliveries = st.config().alerts or st.config().archive.wayback
            sent = None if no_alerts or not deliveries else _send_alerts(st, force=False)
    except PollBusy as exc:
        fail(str(exc), EXIT_BUSY)
    except OSError as exc:
        fail(f"cannot lock {st.db_path}: {exc.strerror or exc}")
    for error in summary.errors:
        warn(f"{error['url']}: {error['error']}")
    for suspect in summary.suspect:  # reported, yet not a failure: the stored version stands
        warn(f"{suspect['url']}: suspect extraction, not stored ({suspect['reason']})")
    for gone in summary.gone_articles:  # said even in cron mode: a tracked page that vanished is news
        warn(polling.gone_line(gone))
    if as_json:
        jsonout.emit({**summary.as_json(), **({"alerts": sent.to_json()} if sent else {})})
    elif not quiet and terminal.is_terminal():
        line = polling.summary_line(summary.as_json(), datetime.now(timezone.utc))
        typer.echo(line + (f"; {_alerts_line(sent)}" if sent else ""))
    if summary.errors or (sent and not sent.ok):
        raise typer.Exit(2)


# -- alerts --------------------------------------------------------------------------------------

alerts_app = App(help="Alerts: each meaningful edit pushed to the channels of the config's [[alerts]] "
                 "rules.", no_args_is_help=True, rich_markup_mode=None)
app.add_typer(alerts_app, name="alerts")

if TYPE_CHECKING:
    from .alerts.deliver import SendSummary
    from .alerts.rules import AlertRule


def _rules(st: State) -> "tuple[AlertRule, ...]":
    """The config's rules, registered (when each first appeared) in the database; an error without any."""
    from .alerts.queue import register

    rules = st.config().alerts
    if not rules:
        fail("no [[alerts]] rules in the config file (see README, Alerts)")
    register(st.store(), rules)
    return rules


def _send_alerts(st: State, force: bool) -> "SendSummary":
    """Deliver what is due (alerts, and saves to the Wayback Machine); each that failed is one line on
    stderr (its URL redacted)."""
    from .alerts.deliver import SendSummary, send_pending

    config = st.config()
    wayback_only = config.archive.wayback and not config.alerts  # else no rules is an error, as ever
    summary = SendSummary() if wayback_only else send_pending(st.store(), _rules(st), force=force)
    if config.archive.wayback:
        from .archive.save import send_saves

        send_saves(st.store(), config.archive, summary, force=force)
    for line in summary.retrying:
        warn(f"alert {line['id']} ({line['rule']}, article {line['article_id']} version {line['version']}): "
             f"{line['error']}; will retry")
    for line in summary.failed:
        warn(f"alert {line['id']} ({line['rule']}, article {line['article_id']} version {line['version']}): "
             f"{line['error']}; given up")
    return summary


def _alerts_line(sent: "SendSummary") -> str:
    return (f"alerts: {sent.sent} sent, {sent.skipped} skipped, {len(sent.retrying)} to retry, "
            f"{len(sent.failed)} given up")


@alerts_app.command("list")
def alerts_list(ctx: typer.Context, as_json: bool = JsonOpt) -> None:
    """The rules (URLs redacted) and the queue: counts, and each alert pending or failed."""
    from .alerts.queue import listing

    st = state(ctx)
    rules = _rules(st)
    queued = listing(st.store())
    if as_json:
        jsonout.emit({"rules": [r.to_json() for r in rules], **queued})
        return
    terminal.print_table(
        ["rule", "urls", "filters", "pending", "sent", "skipped", "failed"],
        [[r.name, " ".join(t.shown for t in r.targets),
          "; ".join(f"{k}={v}" for k, v in r.to_json().items() if k in ("sources", "tags") and v),
          *(queued["counts"].get(r.name, {}).get(status, 0) for status in ("pending", "sent", "skipped", "failed"))]
         for r in rules])
    if queued["alerts"]:
        typer.echo("")
        terminal.print_table(
            ["id", "rule", "article", "version", "status", "attempts", "next attempt", "last error"],
            [[a["id"], a["rule"], f"{a['article_id']} [{a['key']}]", a["version"], a["status"], a["attempts"],
              a["next_attempt_at"] or "", a["last_error"] or ""] for a in queued["alerts"]])


@alerts_app.command("send")
def alerts_send(
    ctx: typer.Context,
    now: bool = typer.Option(False, "--now", help="Also retry failed alerts still waiting out their back-off."),
    as_json: bool = JsonOpt,
) -> None:
    """Send the pending alerts that are due. Exit 2 when some failed (they are retried later)."""
    from .track.poll import poll_lock

    st = state(ctx)
    with poll_lock(st.db_path, wait=True):  # never beside a poll that delivers the same alerts
        sent = _send_alerts(st, force=now)
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
    from .alerts.deliver import send_test

    st = state(ctx)
    rule = next((r for r in _rules(st) if r.name == name), None)
    if rule is None:
        fail(f"no alert rule {name!r} (rules: {', '.join(r.name for r in st.config().alerts)})")
    outcome, described = send_test(st.store(), rule)
    if outcome.error:
        fail(f"alert rule {name!r}: {outcome.error}")
    targets = [t.shown for t in rule.targets]
    if as_json:
        jsonout.emit({"rule": rule.name, "sent": described, "to": targets})
    else:
        typer.echo(f"sent {described} to {', '.join(targets)}")


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
    command += ["--db", str(st.db_path.resolve())]
    if st.config_path:
        command += ["--config", str(st.config_path.resolve())]
    typer.echo(cron_text(st.db_path, _every(every), command), nl=False)


# -- history: check, search, export, stats ---------------------------------------------------------


@app.command("check")
def check_cmd(ctx: typer.Context, as_json: bool = JsonOpt) -> None:
    """Rebuild every version and verify its hash, run SQLite's integrity check, report orphans.
    Exit 0 only when all is well; damage is listed (article, version), never repaired."""
    from .check import check
    from .render import findings

    report = check(state(ctx).store())
    if as_json:
        jsonout.emit(report.to_json())
    else:
        findings.print_check(report.lines(), report.summary(), report.ok)
    if not report.ok:
        raise typer.Exit(1)


@app.command("search")
def search_cmd(
    ctx: typer.Context,
    query: str = typer.Argument(..., metavar="QUERY", help='Words that must all appear in a version (text or headline); "a phrase"; prefix*.'),
    changed: bool = typer.Option(False, "--changed", help="Only edits that put a query word in or took one out."),
    fts: bool = typer.Option(False, "--fts", help="QUERY is SQLite FTS5 syntax (OR, NOT, NEAR, ...)."),
    limit: int = typer.Option(20, "--limit", min=1, metavar="N", help="At most this many articles (edits, with --changed)."),
    as_json: bool = JsonOpt,
) -> None:
    """Which articles and versions contain some words; with --changed, which edits touched them."""
    from .render import findings
    from .search import SearchError, fts_query, search, search_changed

    store = state(ctx).store()
    damaged: list[DamagedHistory] = []
    try:  # one more than --limit says whether the limit cut the list
        found = (search_changed if changed else search)(store, query, raw=fts, limit=limit + 1, damaged=damaged)
    except SearchError as exc:
        fail(str(exc))
    more, found = len(found) > limit, found[:limit]
    if as_json:
        jsonout.emit({"query": query, "fts": fts_query(query, fts), "changed": changed, "more": more,
                      "edits" if changed else "articles": [hit.to_json() for hit in found],
                      "damaged": [str(problem) for problem in damaged]})
    else:
        (findings.print_edits if changed else findings.print_hits)(found)
        if more:
            findings.print_more("edits" if changed else "articles", limit)
    _report_damage(damaged, "the results")


@app.command("export")
def export_cmd(
    ctx: typer.Context,
    fmt: str = choice("jsonl", "--format", "-f", allowed=EXPORT_FORMATS, help="JSON lines or CSV."),
    since: Optional[str] = typer.Option(None, "--since", metavar="TIME", callback=checked(parse_time),
                                           help="Only versions captured at or after this date/time (ISO 8601)."),
    sentences: bool = typer.Option(False, "--sentences",
                                   help="One record per version pair with its sentence alignment (CSV: one row per sentence entry)."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", metavar="FILE", help="Write to this file instead of stdout."),
) -> None:
    """Every article with all its versions, streamed as JSON lines or CSV."""
    from .atomic import atomic_output
    from .export import export

    store = state(ctx).store()
    damaged: list[DamagedHistory] = []
    try:
        with atomic_output(output, text=True) if output else nullcontext(sys.stdout) as out:  # whole or not at all
            export(store, out, fmt=fmt, since=since, sentences=sentences, damaged=damaged)
    except BrokenPipeError:
        raise  # `| head` stopped reading: end quietly, as every command does, not as a failed write
    except OSError as exc:
        fail(f"{output or 'stdout'}: {exc.strerror or exc}")
    _report_damage(damaged, "the export")


@app.command("stats")
def stats_cmd(
    ctx: typer.Context,
    top: int = typer.Option(10, "--top", min=1, metavar="N", help="How many of the most edited articles to list."),
    as_json: bool = JsonOpt,
) -> None:
    """Articles, versions, edits per source, the most edited articles and what the database costs."""
    from .render import findings

    document = state(ctx).store().stats(top)
    if as_json:
        jsonout.emit(document)
    else:
        findings.print_stats(document)


@app.command("vacuum")
def vacuum_cmd(ctx: typer.Context, as_json: bool = JsonOpt) -> None:
    """Give back the space superseded versions left in the file (after any running poll)."""
    from .render import findings
    from .track.poll import poll_lock

    st = state(ctx)
    store = st.store()
    with poll_lock(st.db_path, wait=True):  # never while a poll writes: VACUUM rewrites the whole file
        before, after = store.vacuum()
    if as_json:
        jsonout.emit({"bytes_before": before, "bytes_after": after})
    else:
        typer.echo(f"{st.db_path}: {findings.size(before)} -> {findings.size(after)}")


class Interrupted(BaseException):
    """Ctrl-C. Not a KeyboardInterrupt, which the command-line parser turns into a silent exit, and not
    an Exception, which a command's own error handling could report as a failed input."""


def _interrupt(signum: int, frame: Any) -> None:
    raise Interrupted


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
    except STORE_ERRORS as exc:  # e.g. a corrupt page met halfway through a command
        hint = "; `newsdiff check` lists all damage" if is_damage(exc) else ""
        sys.stderr.write(f"newsdiff: database error: {exc}{hint}\n")
        sys.exit(1)
