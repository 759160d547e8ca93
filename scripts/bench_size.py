"""What a whole database costs on disk for a realistic history, against the raw bytes it was fed.

Two corpora are built from the 30 real article pages in fixtures/readability-news, each article given 20
versions, each version editing 3% of the previous one's sentences (scripts/bench_history.py's edits,
one seed, so every run builds the same files):

- text: each version written as a plain-text file (headline, blank line, paragraphs) and imported with
  `newsdiff import FILE --url URL --captured-at T`; raw bytes are the files' bytes.
- html: each version is the real page itself with the edited sentences replaced in its markup (only
  sentences that appear verbatim in the page are edited), imported the same way. An import of an HTML
  page keeps it as the version's raw input through the same code path as `poll` (Store.add_version
  with the page's bytes), so raws are stored as a poll stores them; raw bytes are the pages' bytes.

Each database is vacuumed (`newsdiff vacuum`) and measured by parts (versions, raws, index, reports,
other: `newsdiff stats`). With `--baseline REF` (default `7e477e9`, the last layout before m008), the same
files are also imported by
the code of that git ref (exported with `git archive` into a temporary folder and run from there in a
subprocess), and both layouts are measured with this checkout's stats, so the ratio is of one run;
150 searches drawn from the articles (words, word pairs, phrases, prefixes, `--changed`) are run on
both databases and their results (hits, versions, snippets, highlights, edits) compared.
Target (issue 19): the whole file at most 5% of the raw bytes for each corpus.

With `--reports`, this checkout's database is measured once more as `log`, `feed` and `publish` leave an
archive they have shown in full: every edit diffed once and its report cached (`Reports.edits`), then
vacuumed; beside it, the room those cache entries would take as the JSON text they were kept as before
they were compressed (the same entries, measured in the same run).

    python scripts/bench_size.py [--versions 20] [--rate 0.03] [--seed 1] [--baseline REF | --no-baseline]
        [--corpus text|html] [--btrees N] [--floor] [--reports]
"""

from __future__ import annotations

import argparse
import difflib
import functools
import gzip
import html
import json
import os
import random
import re
import shutil
import sqlite3
import subprocess
import sys
import tarfile
import tempfile
import time
import zlib
from io import BytesIO
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGES = ROOT / "fixtures" / "readability-news"
sys.path.insert(0, str(Path(__file__).resolve().parent))


def _article(folder: Path) -> tuple[str, list[list[str]]]:
    """The headline and sentences per paragraph of a fixture's expected article text."""
    from newsdiff.diff import split_sentences
    from newsdiff.model import clean_text

    expected = gzip.decompress((folder / "expected.html.gz").read_bytes()).decode("utf-8")
    paragraphs = [clean_text(html.unescape(re.sub(r"<[^>]+>", " ", p)))
                  for p in re.findall(r"<p[^>]*>(.*?)</p>", expected, re.S)]
    title = json.loads((folder / "expected-metadata.json").read_text("utf-8"))["title"]
    return clean_text(title), [split_sentences(p) for p in paragraphs if len(p.split()) >= 5]


def _page_text(data: bytes) -> str:
    return data.decode("utf-8", "surrogateescape")


def _in_page(page: str, sentence: str) -> str | None:
    """How `sentence` is spelled in the page's markup, when it appears there exactly once."""
    for spelling in (html.escape(sentence, quote=False), sentence):
        if page.count(spelling) == 1:
            return spelling
    return None


def _shown_in(page: str, sentence: str) -> bool:
    """Whether an edit to `sentence` can be made in the page's markup (see `_in_page`)."""
    return _in_page(page, sentence) is not None


def _edited_page(page: str, original: list[list[str]], version: list[list[str]]) -> str:
    """The page with each original sentence replaced by what the version made of it (sentences the
    version added ride along with the one before them)."""
    for before, after in zip(original, version, strict=True):
        matcher = difflib.SequenceMatcher(a=before, b=after, autojunk=False)
        for op, a1, a2, b1, b2 in matcher.get_opcodes():
            if op == "equal":
                continue
            anchor = a1 if a2 > a1 else a1 - 1
            if anchor < 0 or (spelling := _in_page(page, before[anchor])) is None:
                continue
            new = after[b1:b2] if a2 > a1 else [before[anchor], *after[b1:b2]]
            if a2 > a1 + 1:  # the rest of a replaced run goes
                for j in range(a1 + 1, a2):
                    if rest := _in_page(page, before[j]):
                        page = page.replace(rest, "", 1)
            page = page.replace(spelling, html.escape(" ".join(new), quote=False), 1)
    return page


def build_corpora(folder: Path, count: int, rate: float, seed: int) -> dict[str, dict[str, list[Path]]]:
    """Write both corpora's files: {corpus: {url: [file per version, oldest first]}}."""
    from bench_history import edit_versions

    corpora: dict[str, dict[str, list[Path]]] = {"text": {}, "html": {}}
    for n, fixture in enumerate(sorted(p for p in PAGES.iterdir() if p.is_dir())):
        title, paragraphs = _article(fixture)
        url = f"https://news.example.org/{fixture.name}"
        rng = random.Random(seed * 1000 + n)
        texts = edit_versions(paragraphs, count, rate, rng)
        data = gzip.decompress((fixture / "source.html.gz").read_bytes())
        page = _page_text(data)
        pages = edit_versions(paragraphs, count, rate, random.Random(seed * 1000 + n),
                              editable=functools.partial(_shown_in, page))
        for corpus in corpora:
            (folder / corpus / fixture.name).mkdir(parents=True)
            corpora[corpus][url] = []
        for v, (text, edited) in enumerate(zip(texts, pages, strict=True), start=1):
            body = "\n\n".join(" ".join(p) for p in text)
            path = folder / "text" / fixture.name / f"{v:02d}.txt"
            path.write_text(f"{title}\n\n{body}\n", "utf-8")
            corpora["text"][url].append(path)
            path = folder / "html" / fixture.name / f"{v:02d}.html"
            path.write_bytes(_edited_page(page, paragraphs, edited).encode("utf-8", "surrogateescape"))
            corpora["html"][url].append(path)
    return corpora


def queries(corpus: dict[str, list[Path]], seed: int) -> list[tuple[bool, str]]:
    """Search queries drawn from the articles' first versions, (changed, query): words, two words of one
    article, two-word phrases, prefixes; words only (a figure finds more since m008, by design)."""
    rng = random.Random(seed)
    found: list[tuple[bool, str]] = []
    for paths in corpus.values():
        words = re.findall(r"[^\W\d_]{5,}", paths[0].read_text("utf-8", "replace"))
        if len(words) < 2:
            continue
        i = rng.randrange(len(words) - 1)
        found += [(False, rng.choice(words)), (False, f"{rng.choice(words)} {rng.choice(words)}"),
                  (False, f'"{words[i]} {words[i + 1]}"'), (False, rng.choice(words)[:4] + "*"),
                  (True, rng.choice(words))]
    return found


def load(db_path: Path, corpus: dict[str, list[Path]], searches: list[tuple[bool, str]]) -> None:
    """Import every version file (version v captured at hour v), vacuum, and write what each search
    finds beside the database. Only uses calls that every layout's code has, so a baseline ref runs it too."""
    from newsdiff.importer import import_paths
    from newsdiff.search import search, search_changed
    from newsdiff.store import Store

    store = Store.open(db_path)
    for url, paths in corpus.items():
        for v, path in enumerate(paths, start=1):
            results = import_paths(store, [path], url=url, captured_at=f"2024-01-01T{v:02d}:00:00Z")
            if results[0].error:  # an edit the page or the text cleaner hides stores no version: that is fine
                raise SystemExit(f"bench_size: {path}: {results[0].error}")
    store.vacuum()
    store.close()
    copy = db_path.with_suffix(".search.db")  # searches cache diff reports: not in the measured file
    shutil.copyfile(db_path, copy)
    store = Store.open(copy)
    found = [[h.to_json() for h in (search_changed if changed else search)(store, query, limit=None)]
             for changed, query in searches]
    db_path.with_suffix(".search.json").write_text(json.dumps(found, ensure_ascii=False))
    store.close()


BASELINE = "7e477e9"  # the last commit before m008 compacted the store


def _baseline_tree(ref: str, folder: Path) -> Path:
    """The newsdiff package of git ref `ref`, exported into `folder`."""
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", ref, "newsdiff"], check=True,
                             capture_output=True).stdout
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(folder, filter="data")
    return folder


def measure(db_path: Path) -> dict[str, int]:
    """Bytes per part of a database file, read without opening it as a Store (which would migrate it)."""
    import sqlite_utils

    from newsdiff.store.usage import part_bytes

    db = sqlite_utils.Database(db_path)
    try:
        parts = part_bytes(db)
    finally:
        db.close()
    return {"file": db_path.stat().st_size, **parts}


def print_btrees(db_path: Path, count: int, raw: int) -> None:
    """The `count` biggest tables and indexes of a database file, where its bytes go."""
    import sqlite_utils

    from newsdiff.store.usage import btree_bytes

    db = sqlite_utils.Database(db_path)
    try:
        biggest = list(btree_bytes(db).items())[:count]
    finally:
        db.close()
    for name, (size, unused) in biggest:
        print(f"    {name:40} {size:9,} {size / raw:6.2%} of raw ({unused:,} unused inside its pages)")


def _index_bytes(documents: list[str], options: str) -> int:
    """Bytes of pages an FTS5 table with the store's tokenizer and `options` takes for `documents`, merged."""
    from newsdiff.store.passage_index import TOKENIZE

    with tempfile.TemporaryDirectory() as tmp:
        db = sqlite3.connect(Path(tmp) / "index.db", isolation_level=None)
        db.execute("PRAGMA page_size = 1024")
        db.execute(f"CREATE VIRTUAL TABLE t USING fts5(text, content='', tokenize='{TOKENIZE}'{options})")
        db.execute("BEGIN")
        db.executemany("INSERT INTO t(rowid, text) VALUES (?, ?)", enumerate(documents, start=1))
        db.execute("INSERT INTO t(t) VALUES ('optimize')")
        db.execute("COMMIT")
        db.execute("VACUUM")
        size = db.execute("SELECT sum(pgsize) FROM dbstat WHERE name LIKE 't\\_%' ESCAPE '\\'").fetchone()[0]
        db.close()
    return size


def print_floor(db_path: Path, raw: int) -> None:
    """What the two biggest parts could shrink to, measured on a database's own history: its version
    texts (each article's latest text compressed by zstd at level 19, plus its deltas as stored) and a
    search index of its distinct passages as now, without positions (FTS5 detail=none: no phrase or NEAR
    search, another bm25), and as one document per article (each distinct word of an article once)."""
    import zstandard

    from newsdiff.store import Store
    from newsdiff.store.compact_history import DELTA
    from newsdiff.store.passage_index import indexed_text, texts

    store = Store.open(db_path, readonly=True)
    latest = deltas = 0
    passages: list[str] = []
    articles: list[str] = []
    try:
        history = store.stats()["history"]
        for article_id in store.article_keys():
            known: dict[tuple[str, int], str] = {}
            text = ""
            for item in store.rebuilt_versions(article_id):
                known.update(texts(item.row["title"], item.text or ""))
                text = item.text or ""
                if item.row["storage"] == DELTA:
                    deltas += len(item.row["data"])
            latest += len(zstandard.ZstdCompressor(level=19).compress(text.encode("utf-8")))
            passages += [indexed_text(value) for value in known.values()]
            articles.append(" ".join(passages[-len(known):]))
    finally:
        store.close()
    figures = [
        ("version texts as stored", history["stored_bytes"]),
        ("  latest texts by zstd -19, plus deltas as stored", latest + deltas),
        (f"search index of {len(passages):,} passages ({sum(map(len, passages)):,} chars), positions",
         _index_bytes(passages, "")),
        ("  the same without positions (detail=none)", _index_bytes(passages, ", detail=none")),
        ("  one document per article, no positions, no sizes", _index_bytes(articles, ", detail=none, columnsize=0")),
    ]
    for label, size in figures:
        print(f"    {label:72} {size:9,} {size / raw:6.2%} of raw")


def print_reports(db_path: Path, raw: int) -> None:
    """The whole file with every report cached (see the module's docstring), on a copy of the database."""
    from newsdiff.reports.cache import Reports
    from newsdiff.store import Store

    shown = db_path.with_suffix(".reports.db")
    shutil.copyfile(db_path, shown)
    store = Store.open(shown)
    try:
        edits = sum(1 for _ in Reports(store).edits())
        store.vacuum()
    finally:
        store.close()
    sizes = measure(shown)
    with sqlite3.connect(shown) as db:
        entries = [data for (data,) in db.execute("SELECT data FROM derived")]
    stored = sum(len(d) for d in entries)
    as_text = sum(len(zlib.decompress(d)) if isinstance(d, bytes) else len(d.encode("utf-8")) for d in entries)
    print(f"    with all {edits} edits' reports cached: {sizes['file']:,} ({sizes['file'] / raw:.2%} of raw), "
          f"reports part {sizes['reports']:,}; the {len(entries)} cache entries hold {stored:,} bytes, "
          f"{as_text:,} as JSON text ({stored / as_text:.1%})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--versions", type=int, default=20)
    parser.add_argument("--rate", type=float, default=0.03, help="share of sentences edited per version")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--baseline", default=BASELINE, help="git ref whose code builds the baseline databases")
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument("--btrees", type=int, default=0, metavar="N",
                        help="also print each layout's N biggest tables and indexes (sqlite3 dbstat)")
    parser.add_argument("--floor", action="store_true",
                        help="also measure what version texts and the search index could shrink to")
    parser.add_argument("--reports", action="store_true",
                        help="also measure the file with every edit's report cached, as log, feed and publish leave it")
    parser.add_argument("--corpus", choices=["text", "html"], action="append", help="only this corpus (repeatable)")
    parser.add_argument("--load", nargs=3, metavar=("DB", "CORPUS_JSON", "NAME"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.load:  # the baseline subprocess: import one corpus with whatever newsdiff is on the path
        listed = json.loads(Path(args.load[1]).read_text())
        load(Path(args.load[0]), {url: [Path(p) for p in paths] for url, paths in listed[args.load[2]].items()},
             [tuple(q) for q in listed["queries"]])
        return

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        corpora = build_corpora(folder / "corpus", args.versions, args.rate, args.seed)
        searches = queries(corpora["text"], args.seed)
        listing = folder / "corpus.json"
        listing.write_text(json.dumps({"queries": searches, **{name: {url: [str(p) for p in paths] for url, paths
                                                                      in c.items()} for name, c in corpora.items()}}))
        layouts = ["this checkout"] if args.no_baseline else [f"{args.baseline} (baseline)", "this checkout"]
        tree = None if args.no_baseline else _baseline_tree(args.baseline, folder / "baseline")
        print(f"{len(corpora['text'])} articles x {args.versions} versions, {args.rate:.0%} of sentences edited "
              f"per version (seed {args.seed}); sizes after vacuum\n")
        for name, corpus in corpora.items():
            if args.corpus and name not in args.corpus:
                continue
            raw = sum(p.stat().st_size for paths in corpus.values() for p in paths)
            print(f"{name} corpus: {raw:,} raw bytes")
            print(f"  {'layout':22} {'file':>10} {'of raw':>7}  {'versions':>9} {'raws':>9} {'index':>9} "
                  f"{'reports':>8} {'other':>8}  import s")
            results = {}
            for layout in layouts:
                db_path = folder / f"{name}-{len(results)}.db"
                start = time.perf_counter()
                if layout.endswith("(baseline)"):
                    env = {**os.environ, "PYTHONPATH": f"{tree}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
                    subprocess.run([sys.executable, __file__, "--load", str(db_path), str(listing), name],
                                   check=True, env=env, cwd=folder)
                else:
                    load(db_path, corpus, searches)
                seconds = time.perf_counter() - start
                sizes = results[layout] = measure(db_path)
                print(f"  {layout:22} {sizes['file']:10,} {sizes['file'] / raw:7.2%}  {sizes['versions']:9,} "
                      f"{sizes['raws']:9,} {sizes['index']:9,} {sizes['reports']:8,} {sizes['other']:8,}  "
                      f"{seconds:8.1f}")
                print_btrees(db_path, args.btrees, raw)
                if args.floor and layout == "this checkout":
                    print_floor(db_path, raw)
                if args.reports and layout == "this checkout":
                    print_reports(db_path, raw)
            ours = results["this checkout"]["file"]
            if len(results) == 2:
                base = results[layouts[0]]["file"]
                print(f"  this checkout / baseline: {ours / base:.3f}")
                hits = [json.loads((folder / f"{name}-{n}.search.json").read_text()) for n in range(2)]
                unordered = [[sorted(json.dumps(_unordered(h), sort_keys=True) for h in found) for found in db]
                             for db in hits]
                differ = [q for q, a, b in zip(searches, *hits, strict=True) if a != b]
                print(f"  search: {len(searches)} queries ({sum(c for c, _ in searches)} --changed), "
                      f"{sum(len(a) for a in hits[0])} hits; the same hits, versions, snippets and edits as the "
                      f"baseline's: {'yes' if unordered[0] == unordered[1] else 'NO'}; in the same order: "
                      + ("yes" if not differ else f"all but {len(differ)} ({', '.join(q for _, q in differ[:5])})"))
            met = "met" if ours <= 0.05 * raw else "NOT met"
            print(f"  target whole file <= 5% of raw: {met} ({ours / raw:.2%})\n")


def _unordered(hit: dict) -> dict:
    """A hit with its matching paragraphs in a fixed order: which it shows, not in what order, is compared
    first, then the order on its own."""
    if "matches" not in hit:
        return hit
    return {**hit, "matches": sorted(hit["matches"], key=lambda m: json.dumps(m, sort_keys=True))}


if __name__ == "__main__":
    main()
