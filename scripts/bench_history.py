"""How much a long history of small edits costs, and how fast any version comes back.

A 5,000-word article (three real news articles from fixtures/history/, one after the other) gets 20
versions, each editing about 3% of its sentences (a word changed, inserted or dropped, a figure
changed, now and then a sentence added or removed). Each version is stored three ways in SQLite in the
same run: plain text per version and zlib per version (the baselines), and newsdiff's store. A fourth
layout, zlib with the next newer version as preset dictionary, was the other candidate; only its size
is shown. Targets (issue 8): stored bytes <= 5% of the raw bytes of all 20 versions, any version
rebuilt in <= 5 ms.

The target counts version texts. Each version also arrives as an article page (a real page's markup
around the text), kept as a raw input; raw inputs are reported on their own line, as is the search
index (in payload bytes, what it adds per article in a database of many).

    python scripts/bench_history.py [--versions 20] [--rate 0.03] [--seed 1]
"""

from __future__ import annotations

import argparse
import gzip
import html
import random
import re
import sqlite3
import statistics
import sys
import tempfile
import time
import zlib
from collections.abc import Callable
from itertools import pairwise
from pathlib import Path

from bs4 import BeautifulSoup

from newsdiff.store import compact_history as history
from newsdiff.diff import split_sentences
from newsdiff.model import ArticleRecord, clean_text
from newsdiff.store import Store

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ["nytimes-3", "nytimes-4", "seattletimes-1"]
PAGE = "nytimes-3"  # whose real page markup surrounds each version's text in its raw input
WORDS = 5000
REPEAT = 15


def article(words: int = WORDS) -> list[list[str]]:
    """Sentences per paragraph of a real article of about `words` words."""
    paragraphs: list[list[str]] = []
    count = 0
    for name in SOURCES:
        html = gzip.decompress((ROOT / "fixtures" / "history" / f"{name}.expected.html.gz").read_bytes())
        for p in BeautifulSoup(html, "html.parser").find_all("p"):
            text = clean_text(p.get_text(" "))
            if len(text.split()) < 5:
                continue
            paragraphs.append(split_sentences(text))
            count += len(text.split())
            if count >= words:
                return paragraphs
    return paragraphs


def _edit(sentence: str, rng: random.Random, vocabulary: list[str]) -> str:
    words = sentence.split()
    i = rng.randrange(len(words))
    kind = rng.random()
    if kind < 0.2:
        numbers = [j for j, w in enumerate(words) if re.search(r"\d", w)] or [i]
        words[rng.choice(numbers)] = str(rng.randint(2, 999))
    elif kind < 0.6:
        words[i] = rng.choice(vocabulary)
    elif kind < 0.85:
        words.insert(i, rng.choice(vocabulary))
    elif len(words) > 4:
        del words[i]
    return " ".join(words)


def edit_versions(paragraphs: list[list[str]], count: int, rate: float, rng: random.Random,
                  editable: Callable[[str], bool] = lambda sentence: True) -> list[list[list[str]]]:
    """`count` versions of an article (sentences per paragraph), each editing `rate` of the previous
    one's sentences: a word changed, inserted or dropped, a figure changed, now and then a sentence added
    or removed. Only sentences `editable` accepts are picked (all of them by default)."""
    vocabulary = " ".join(s for p in paragraphs for s in p).split()
    paragraphs = [list(p) for p in paragraphs]
    result = [[list(p) for p in paragraphs]]
    for _ in range(count - 1):
        places = [(i, j) for i, p in enumerate(paragraphs) for j in range(len(p))]
        candidates = [(i, j) for i, j in places if editable(paragraphs[i][j])]
        for i, j in rng.sample(candidates, min(len(candidates), max(1, round(rate * len(places))))):
            roll = rng.random()
            if roll < 0.08:  # a new sentence after this one
                donor = rng.choice(places)
                paragraphs[i].insert(j + 1, _edit(paragraphs[donor[0]][donor[1]], rng, vocabulary))
            elif roll < 0.12 and len(paragraphs[i]) > 1:
                paragraphs[i][j] = ""
            else:
                paragraphs[i][j] = _edit(paragraphs[i][j], rng, vocabulary)
        paragraphs = [[s for s in p if s] for p in paragraphs]
        result.append([list(p) for p in paragraphs])
    return result


def versions(count: int, rate: float, seed: int) -> tuple[list[str], int]:
    """`count` texts, each editing `rate` of the previous one's sentences; and the sentence count."""
    paragraphs = article()
    edited = edit_versions(paragraphs, count, rate, random.Random(seed))
    return ["\n\n".join(" ".join(p) for p in version) for version in edited], sum(map(len, paragraphs))


def _timed(rebuild: Callable[[int], str], texts: list[str]) -> tuple[float, float]:
    """Median and worst of each version's median rebuild time, in ms; checks every result."""
    medians = []
    for number, text in enumerate(texts, start=1):
        runs = []
        for _ in range(REPEAT):
            start = time.perf_counter()
            got = rebuild(number)
            runs.append(time.perf_counter() - start)
            assert got == text, f"version {number} did not rebuild"
        medians.append(statistics.median(runs) * 1000)
    return statistics.median(medians), max(medians)


def baseline(texts: list[str], compress: bool) -> tuple[int, tuple[float, float]]:
    db = sqlite3.connect(":memory:")
    db.execute("CREATE TABLE v (number INTEGER PRIMARY KEY, body BLOB)")
    encode = (lambda t: zlib.compress(t.encode(), 9)) if compress else (lambda t: t)
    db.executemany("INSERT INTO v VALUES (?, ?)", [(n, encode(t)) for n, t in enumerate(texts, start=1)])
    size = db.execute("SELECT sum(length(CAST(body AS BLOB))) FROM v").fetchone()[0]

    def read(number: int) -> str:
        body = db.execute("SELECT body FROM v WHERE number = ?", [number]).fetchone()[0]
        return zlib.decompress(body).decode() if compress else body

    return size, _timed(read, texts)


def with_dictionary(texts: list[str]) -> int:
    """Each older version zlib-compressed with the next newer one as preset dictionary (size only)."""
    size = len(zlib.compress(texts[-1].encode(), 9))
    for older, newer in pairwise(texts):
        packer = zlib.compressobj(9, zdict=newer.encode())
        size += len(packer.compress(older.encode()) + packer.flush())
    return size


def pages(texts: list[str]) -> list[bytes]:
    """The article page each version was read from: a real page's markup with the text as its body."""
    source = gzip.decompress((ROOT / "fixtures" / "readability-news" / PAGE / "source.html.gz").read_bytes()).decode()
    body = source.index(">", source.index("<body")) + 1
    return [(source[:body] + "".join(f"<p>{html.escape(p)}</p>\n" for p in text.split("\n\n")) + source[body:]).encode()
            for text in texts]


def newsdiff_store(texts: list[str], folder: Path) -> tuple[dict[str, int], tuple[float, float]]:
    store = Store.open(folder / "bench.db")
    for n, (text, page) in enumerate(zip(texts, pages(texts), strict=True), start=1):
        record = ArticleRecord(paragraphs=tuple(text.split("\n\n")), title="Bench article",
                               captured_at=f"2024-01-01T{n:02d}:00:00Z")
        assert store.add_version(record, key="bench", raw=page, content_type="text/html").outcome == "new"
    rows = list(store.db.query(
        "SELECT storage, number, length(CAST(text AS BLOB)) AS plain, coalesce(length(data), 0) AS packed "
        "FROM versions ORDER BY number"))
    index = "name LIKE 'passages%' OR name LIKE 'idx_passages%'"
    sizes = {
        "plain": sum(r["plain"] for r in rows),
        "latest": rows[-1]["plain"] + rows[-1]["packed"],
        "deltas": sum(r["packed"] for r in rows if r["storage"] == history.DELTA),
        "keyframes": sum(r["packed"] for r in rows if r["storage"] == history.KEYFRAME),
        "index": store.db.execute(f"SELECT sum(payload) FROM dbstat WHERE {index}").fetchone()[0],
        "index_pages": store.db.execute(f"SELECT sum(pgsize) FROM dbstat WHERE {index}").fetchone()[0],
    }
    raw_sums = store.db.execute("SELECT sum(size), sum(length(data)) FROM raws").fetchone()
    sizes["raw_bytes"], sizes["raw_stored"] = raw_sums
    timing = _timed(lambda number: store.version_row(1, number)["text"], texts)
    store.close()
    return sizes, timing


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--versions", type=int, default=20)
    parser.add_argument("--rate", type=float, default=0.03, help="share of sentences edited per version")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    texts, sentences = versions(args.versions, args.rate, args.seed)
    raw = sum(len(t.encode()) for t in texts)
    plain_size, plain_time = baseline(texts, compress=False)
    zlib_size, zlib_time = baseline(texts, compress=True)
    with tempfile.TemporaryDirectory() as folder:
        sizes, ours_time = newsdiff_store(texts, Path(folder))
    ours = sizes["plain"] + sizes["deltas"] + sizes["keyframes"]

    print(f"{args.versions} versions of a {len(texts[0].split()):,}-word article ({sentences} sentences), "
          f"{round(args.rate * sentences)} sentences edited per version")
    print(f"raw text of all versions: {raw:,} bytes\n")
    print(f"{'layout':44} {'bytes':>9} {'of raw':>7} {'vs zlib':>8}   rebuild ms median / worst")

    def row(name: str, size: int, timing: tuple[float, float] | None = None) -> None:
        times = f"{timing[0]:.3f} / {timing[1]:.3f}" if timing else "-"
        print(f"{name:44} {size:9,} {size / raw:7.2%} {size / zlib_size:8.3f}   {times}")

    row("plain text per version (baseline)", plain_size, plain_time)
    row("zlib per version (baseline)", zlib_size, zlib_time)
    row("zlib, next version as dictionary (candidate)", with_dictionary(texts))
    row("newsdiff: latest zlib + reverse dmp deltas", ours, ours_time)
    row(f"  {args.versions - 1} older versions (deltas, keyframes)",
        ours - sizes["latest"])
    print(f"\nrebuild vs zlib per version: {ours_time[0] / zlib_time[0]:.1f}x median, "
          f"{ours_time[1] / zlib_time[1]:.1f}x worst")
    size_ok, time_ok = ours <= 0.05 * raw, ours_time[1] <= 5.0
    print(f"target stored <= 5% of raw: {'met' if size_ok else 'NOT met'} ({ours / raw:.2%}: the latest alone "
          f"is {sizes['latest'] / raw:.2%}, the {args.versions - 1} older versions "
          f"{(ours - sizes['latest']) / raw:.2%})")
    print(f"target rebuild <= 5 ms: {'met' if time_ok else 'NOT met'} (worst {ours_time[1]:.2f} ms)")

    print("\nnot counted in the target:")
    print(f"  search index (distinct paragraphs once, contentless FTS5): {sizes['index']:,} bytes of payload, "
          f"{sizes['index'] / raw:.2%} of raw\n"
          f"    ({sizes['index_pages']:,} bytes of pages in this one-article database)")
    print(f"  raw inputs ({args.versions} article pages, each zstd-packed against the first): "
          f"{sizes['raw_bytes']:,} bytes stored in {sizes['raw_stored']:,}, "
          f"{sizes['raw_stored'] / sizes['raw_bytes']:.2%}")
    sys.exit(0)


if __name__ == "__main__":
    main()
