#!/usr/bin/env python
"""Start-up: how long `newsdiff --help`, `newsdiff list` and `newsdiff log ARTICLE` take as whole processes,
against `python -c "import sqlite3"` (the floor any Python command pays) timed in the same run.

A database of ARTICLES short articles is built once through the library in a temporary folder; the
article given to `log` has VERSIONS versions, each editing a sentence or two, so `log` diffs them as a
user's `log` would. Each command then runs REPEAT times, interleaved with the baseline so load on the
machine hits all alike; the report gives each command's median wall time and its ratio to the
baseline's median. Target (issue 19): every ratio <= 5.

    python scripts/bench_startup.py [--articles 1000] [--versions 5] [--repeat 15]
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from newsdiff.model import ArticleRecord
from newsdiff.store import Store

TARGET = 5.0
WORDS = ("officials council budget report minister said week city river plan vote court police school "
         "hospital water price rate market strike union talks border bridge storm fire museum").split()


def sentence(rng: random.Random, number: int) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(8, 16))]
    return f"{words[0].capitalize()} {' '.join(words[1:])} {number}."


def build(path: Path, articles: int, versions: int, seed: int = 1) -> str:
    """ARTICLES single-version articles and one of VERSIONS versions; returns that one's URL."""
    rng = random.Random(seed)
    store = Store.open(path)
    for n in range(articles):
        url = f"https://news.example/{n % 7}/story-{n}"
        paragraphs = [" ".join(sentence(rng, p * 10 + s) for s in range(3)) for p in range(6)]
        count = versions if n == articles // 2 else 1
        for v in range(count):
            if v:  # a sentence edited, now and then one added
                p = rng.randrange(len(paragraphs))
                paragraphs[p] += " " + sentence(rng, 100 + v)
                paragraphs[rng.randrange(len(paragraphs))] = sentence(rng, 200 + v) + " " + paragraphs[0]
            record = ArticleRecord(paragraphs=tuple(paragraphs), title=f"Story {n}", url=url, source=f"outlet{n % 7}",
                                   captured_at=f"2026-01-{1 + v:02d}T{n % 24:02d}:00:00Z")
            store.add_version(record, key=url)
    store.close()
    return f"https://news.example/{(articles // 2) % 7}/story-{articles // 2}"


def newsdiff_command() -> list[str]:
    """The installed `newsdiff` script beside this Python, else `python -m newsdiff`."""
    script = Path(sys.executable).parent / "newsdiff"
    return [str(script)] if script.is_file() else [sys.executable, "-m", "newsdiff"]


def run_once(command: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"{' '.join(command)} failed ({done.returncode}): {done.stderr.decode(errors='replace')}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--versions", type=int, default=5, help="versions of the article `log` shows")
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="newsdiff-startup-"))
    try:
        db = folder / "bench.db"
        started = time.perf_counter()
        url = build(db, args.articles, args.versions)
        print(f"database: {args.articles} articles, {db.stat().st_size / 1e6:.1f} MB, "
              f"built in {time.perf_counter() - started:.1f} s")
        env = {**os.environ, "NEWSDIFF_DB": str(db)}
        newsdiff = newsdiff_command()
        commands = {
            'python -c "import sqlite3"': [sys.executable, "-c", "import sqlite3"],
            "newsdiff --help": [*newsdiff, "--help"],
            "newsdiff list": [*newsdiff, "list"],
            "newsdiff log ARTICLE": [*newsdiff, "log", url],
        }
        times: dict[str, list[float]] = {name: [] for name in commands}
        for command in commands.values():  # warm the file cache and the bytecode
            run_once(command, env)
        for _ in range(args.repeat):
            for name, command in commands.items():
                times[name].append(run_once(command, env))
    finally:
        shutil.rmtree(folder, ignore_errors=True)

    medians = {name: statistics.median(values) for name, values in times.items()}
    baseline = medians['python -c "import sqlite3"']
    print(f"{'command':<28} {'median ms':>10} {'min ms':>8} {'ratio':>7}")
    for name, median in medians.items():
        print(f"{name:<28} {median * 1000:>10.1f} {min(times[name]) * 1000:>8.1f} {median / baseline:>6.1f}x")
    worst = max(median / baseline for name, median in medians.items())
    print(f"target: each <= {TARGET:.0f}x the baseline: {'met' if worst <= TARGET else 'missed'} (worst {worst:.1f}x)")


if __name__ == "__main__":
    main()
