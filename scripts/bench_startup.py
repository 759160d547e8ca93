#!/usr/bin/env python
"""Start-up: how long `newsdiff --help`, `newsdiff list` and `newsdiff log ARTICLE` take as whole processes,
against `python -c "import sqlite3"` (the floor any Python command pays) timed in the same run.

`python -c "import typer"` is timed too, as the floor: the part of every command's start-up that is the
command-line library's own import, before newsdiff runs a line.

A database of ARTICLES short articles is built once through the library in a temporary folder; the
articles given to `log` have VERSIONS versions, each editing a sentence or two. `log` diffs a pair of
versions the first time it shows it and caches the report: "log ARTICLE" shows one article again and
again (the reports cached), "log, first time" a different article on each run (every pair diffed).
Each command runs REPEAT times, interleaved with the baseline so load on the machine hits all alike;
the report gives each command's median time and its ratio to the baseline's median. Target (issue 19):
every ratio <= 5.

Wall time is what a user waits; CPU time (user + system, from wait4) is what the process costs. On a
quiet machine they agree. On a loaded one the scheduler stretches a longer process's wall time more
than the baseline's, which often finishes within one time slice, so the CPU ratios are the steadier.

newsdiff's modules are compiled to bytecode first, as `pip install` does: a source tree run with
PYTHONDONTWRITEBYTECODE would otherwise compile them on every start and time the compiler.

    python scripts/bench_startup.py [--articles 1000] [--versions 5] [--repeat 15]
"""

from __future__ import annotations

import argparse
import compileall
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import newsdiff
from newsdiff.model import ArticleRecord
from newsdiff.store import Store

TARGET = 5.0
BASELINE = 'python -c "import sqlite3"'
FLOOR = 'python -c "import typer"'
FIRST_LOG = "newsdiff log, first time"
WORDS = ("officials council budget report minister said week city river plan vote court police school "
         "hospital water price rate market strike union talks border bridge storm fire museum").split()


def sentence(rng: random.Random, number: int) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(8, 16))]
    return f"{words[0].capitalize()} {' '.join(words[1:])} {number}."


def build(path: Path, articles: int, versions: int, edited: int, seed: int = 1) -> list[str]:
    """ARTICLES articles, EDITED of them (spread out) with VERSIONS versions and the rest with one;
    returns the URLs of the edited ones."""
    rng = random.Random(seed)
    store = Store.open(path)
    urls = []
    for n in range(articles):
        url = f"https://news.example/{n % 7}/story-{n}"
        paragraphs = [" ".join(sentence(rng, p * 10 + s) for s in range(3)) for p in range(6)]
        count = versions if n % max(1, articles // edited) == 0 and len(urls) < edited else 1
        urls += [url] if count > 1 else []
        for v in range(count):
            if v:  # a sentence edited, now and then one added
                p = rng.randrange(len(paragraphs))
                paragraphs[p] += " " + sentence(rng, 100 + v)
                paragraphs[rng.randrange(len(paragraphs))] = sentence(rng, 200 + v) + " " + paragraphs[0]
            record = ArticleRecord(paragraphs=tuple(paragraphs), title=f"Story {n}", url=url, source=f"outlet{n % 7}",
                                   captured_at=f"2026-01-{1 + v:02d}T{n % 24:02d}:00:00Z")
            store.add_version(record, key=url)
    store.close()
    return urls


def newsdiff_command() -> list[str]:
    """The installed `newsdiff` script beside this Python, else `python -m newsdiff`."""
    script = Path(sys.executable).parent / "newsdiff"
    return [str(script)] if script.is_file() else [sys.executable, "-m", "newsdiff"]


def run_once(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one whole process, output to a pipe as in a script or cron job."""
    start = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    assert process.stderr is not None
    errors = process.stderr.read()
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        sys.exit(f"{' '.join(command)} failed ({process.returncode}): {errors.decode(errors='replace')}")
    return elapsed, usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--versions", type=int, default=5, help="versions of the article `log` shows")
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()

    compileall.compile_dir(Path(newsdiff.__file__).parent, quiet=1)
    folder = Path(tempfile.mkdtemp(prefix="newsdiff-startup-"))
    try:
        db = folder / "bench.db"
        started = time.perf_counter()
        urls = build(db, args.articles, args.versions, edited=args.repeat + 2)
        print(f"database: {args.articles} articles, {db.stat().st_size / 1e6:.1f} MB, "
              f"built in {time.perf_counter() - started:.1f} s")
        env = {**os.environ, "NEWSDIFF_DB": str(db)}
        program = newsdiff_command()
        commands = {
            BASELINE: [sys.executable, "-c", "import sqlite3"],
            FLOOR: [sys.executable, "-c", "import typer"],
            "newsdiff --help": [*program, "--help"],
            "newsdiff list": [*program, "list"],
            "newsdiff log ARTICLE": [*program, "log", urls[0]],
            FIRST_LOG: [*program, "log"],  # a new article each run
        }
        runs: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
        for run in range(args.repeat + 1):  # the first round warms the file cache and is not counted
            for name, command in commands.items():
                timed = run_once(command + [urls[1 + run]] if name == FIRST_LOG else command, env)
                if run:
                    runs[name].append(timed)
    finally:
        shutil.rmtree(folder, ignore_errors=True)

    wall = {name: statistics.median(w for w, _ in values) for name, values in runs.items()}
    cpu = {name: statistics.median(c for _, c in values) for name, values in runs.items()}
    base = BASELINE
    if any(name.startswith("__editable__") for name in sys.modules):
        print("newsdiff is an editable install: its import hook loads at every interpreter start, the "
              "baseline's too, which lowers every ratio (a wheel install shows the plain figures)")
    print(f"median of {args.repeat} runs each; CPU is the process's user + system time")
    print(f"{'command':<28} {'wall ms':>8} {'ratio':>6} {'CPU ms':>8} {'ratio':>6}")
    for name in runs:
        print(f"{name:<28} {wall[name] * 1000:>8.1f} {wall[name] / wall[base]:>5.1f}x "
              f"{cpu[name] * 1000:>8.1f} {cpu[name] / cpu[base]:>5.1f}x")
    for label, figures in (("wall", wall), ("CPU", cpu)):
        worst = max(value / figures[base] for name, value in figures.items() if name.startswith("newsdiff"))
        print(f"target, {label} time: each <= {TARGET:.0f}x the baseline: "
              f"{'met' if worst <= TARGET else 'missed'} (worst {worst:.1f}x)")


if __name__ == "__main__":
    main()
