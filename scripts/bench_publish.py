"""Cost of publishing the static site, and of refreshing it after a poll stored a few new versions.

Builds a database of real news prose (the corpus `bench_diff.py` uses): `--versions` versions spread
over articles of `--per-article` versions each, every version a few edits (figures, words, sentences
added and removed) away from the one before. Then, in one run:

1. a full publish into an empty directory (every edit diffed, every page written);
2. a full publish into a second empty directory: every report now comes from the store's cache (the
   case of a new site directory, or of a new --title or --base-url, which re-render every page);
3. a refresh with nothing new (what a forced refresh costs: `poll --publish` skips publishing when the
   site's manifest matches the database, and step 3's second line times that check);
4. a refresh after `--new` new versions, the case `poll --publish` exists for.

Each step reports wall-clock and CPU seconds; the ratios against the full publish use CPU time, which
other work on a shared machine disturbs far less than the clock.

    python scripts/bench_publish.py                      # 10,000 versions, then 10 new ones
    python scripts/bench_publish.py --versions 1000      # a quick run
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from bench_diff import corpus  # noqa: E402

from newsdiff import ArticleRecord, Store  # noqa: E402
from newsdiff.model import format_time  # noqa: E402
from newsdiff.publish import publish, stale  # noqa: E402

START = datetime(2024, 5, 1, tzinfo=timezone.utc)
SOURCES = ["wire", "daily", "herald", "post", "times"]


def edit(paragraphs: list[str], pool: list[str], rng: random.Random) -> list[str]:
    """One newsroom update: one to three of a changed figure, a reworded phrase, a new or dropped paragraph."""
    paragraphs = list(paragraphs)
    for _ in range(rng.randint(1, 3)):
        kind = rng.choice(["figure", "word", "add", "drop"])
        i = rng.randrange(len(paragraphs))
        if kind == "figure":
            paragraphs[i] = re.sub(r"\d+", lambda m: str(int(m.group()) + rng.randint(1, 9)), paragraphs[i], count=1) \
                if re.search(r"\d", paragraphs[i]) else paragraphs[i] + f" At least {rng.randint(2, 99)} were hurt."
        elif kind == "word":
            words = paragraphs[i].split()
            words[rng.randrange(len(words))] = rng.choice(["reportedly", "officials", "later", "again", "sharply"])
            paragraphs[i] = " ".join(words)
        elif kind == "add":
            paragraphs.insert(i, rng.choice(pool))
        elif len(paragraphs) > 3:
            del paragraphs[i]
    return paragraphs


def build(store: Store, versions: int, per_article: int, rng: random.Random) -> list[tuple[str, list[str], str]]:
    """Store the versions; returns each article's key, latest paragraphs and source, for later edits."""
    pool = corpus()
    articles = []
    moment = START
    for n in range(max(1, versions // per_article)):
        start = rng.randrange(len(pool))
        paragraphs = [f"{p} (Report {n}.)" if j == 0 else p
                      for j, p in enumerate((pool * 2)[start:start + rng.randint(6, 14)])]
        key, source = f"https://news.example.org/{n}", SOURCES[n % len(SOURCES)]
        v = 0
        while v < per_article:  # an edit that changes nothing (a drop from a short article) is tried again
            if v:
                paragraphs = edit(paragraphs, pool, rng)
            moment += timedelta(seconds=rng.randint(10, 120))
            title = f"Story {n}: " + (" ".join(paragraphs[0].split()[:6]) if v < per_article - 1 else "updated")
            record = ArticleRecord(paragraphs=tuple(paragraphs), title=title, url=key, source=source,
                                   captured_at=format_time(moment))
            v += store.add_version(record, key=key).outcome == "new"
        articles.append((key, paragraphs, source))
    return articles


def timed(label: str, run) -> float:
    """Run one publish; print its wall-clock and CPU time, return the CPU time."""
    started, cpu = time.perf_counter(), time.process_time()
    result = run()
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    print(f"{label:<40} {seconds:7.2f} s ({cpu:6.2f} s CPU)  {result.pages:6d} pages, {len(result.written):6d} written")
    return cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--versions", type=int, default=10_000)
    parser.add_argument("--per-article", type=int, default=5)
    parser.add_argument("--new", type=int, default=10, help="new versions before the refresh")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        store = Store.open(Path(tmp) / "bench.db")
        started = time.perf_counter()
        articles = build(store, args.versions, args.per_article, rng)
        stored = store.db.execute("SELECT count(*) FROM versions").fetchone()[0]
        print(f"database: {stored} versions of {len(articles)} articles "
              f"({time.perf_counter() - started:.1f} s to store)")
        site, other = Path(tmp) / "site", Path(tmp) / "again"
        base = "https://edits.example.org/"
        full = timed("full publish (every edit diffed)", lambda: publish(store, site, base_url=base))
        warm = timed("full publish into a second directory", lambda: publish(store, other, base_url=base))
        noop = timed("refresh, nothing new", lambda: publish(store, site, base_url=base))
        started = time.perf_counter()
        assert not stale(store, site, base_url=base)
        print(f"{'up-to-date check (poll, nothing new)':<40} {time.perf_counter() - started:7.2f} s")
        moment = datetime.fromisoformat(store.db.execute("SELECT max(captured_at) FROM versions").fetchone()[0]
                                        .replace("Z", "+00:00"))
        pool = corpus()
        for key, paragraphs, source in rng.sample(articles, args.new):
            moment += timedelta(minutes=1)
            store.add_version(ArticleRecord(paragraphs=tuple(edit(paragraphs, pool, rng)), title="Late update",
                                            url=key, source=source, captured_at=format_time(moment)), key=key)
        refresh = timed(f"refresh after {args.new} new versions", lambda: publish(store, site, base_url=base))
        store.close()
    print()
    print("CPU time ratios")
    print(f"second full / first full     {warm / full:7.3f}")
    print(f"refresh (nothing new) / full {noop / full:7.3f}")
    print(f"refresh ({args.new} new) / full     {refresh / full:7.3f}   "
          f"({full / refresh:.0f}x faster than publishing again)")


if __name__ == "__main__":
    main()
