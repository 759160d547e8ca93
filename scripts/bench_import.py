#!/usr/bin/env python
"""`import` of a folder of HTML pages: parsing in worker processes (one per core) against in-process.

The folder holds FILES real news pages (the 30 of fixtures/readability-news, in turn); each run
imports it into a fresh database, once with the default workers and once with `workers=0` (parsed
in the importing process), in alternation, and the report gives files per second for each and
their ratio. Both store the same results in the same order (tests/test_pool.py checks it).

CPU seconds (this process and its workers) are given too: on a machine busy with other sessions'
work, Linux shares the cores between sessions (autogroups), so more processes in this one do not
get it more CPU; the CPU each mode spends, and the share of a core it got, show what the rates
would be on a quiet machine (cores x the in-process CPU / the workers' CPU, at best).

    python scripts/bench_import.py [--files 500] [--rounds 1]
"""

from __future__ import annotations

import argparse
import gzip
import resource
import os
import sys
import tempfile
import time
from pathlib import Path

from newsdiff.importer import import_paths
from newsdiff.sources.pool import cores, pool_size
from newsdiff.store import Store

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "readability-news"


def cpu_seconds() -> float:
    """CPU time of this process and of its ended children (the workers, once a run closes its pool)."""
    return sum(r.ru_utime + r.ru_stime for r in (resource.getrusage(resource.RUSAGE_SELF),
                                                  resource.getrusage(resource.RUSAGE_CHILDREN)))


def run(folder: Path, database: Path, workers: int | None) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one import into a fresh database."""
    store = Store.open(database)
    cpu, start = cpu_seconds(), time.perf_counter()
    import_paths(store, [folder], workers=workers)
    seconds, cpu = time.perf_counter() - start, cpu_seconds() - cpu
    store.close()
    return seconds, cpu


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=1, help="runs of each (the best is kept)")
    args = parser.parse_args()
    pages = [gzip.decompress((folder / "source.html.gz").read_bytes()) for folder in sorted(FIXTURES.iterdir())]
    with tempfile.TemporaryDirectory() as temp:
        folder = Path(temp) / "pages"
        folder.mkdir()
        for number in range(args.files):
            (folder / f"{number:05}.html").write_bytes(pages[number % len(pages)])
        times: dict[str, list[tuple[float, float]]] = {"workers": [], "in-process": []}
        for round_ in range(args.rounds):
            times["workers"].append(run(folder, Path(temp) / f"w{round_}.db", None))
            times["in-process"].append(run(folder, Path(temp) / f"i{round_}.db", 0))
    best = {name: min(runs) for name, runs in times.items()}
    rates = {name: args.files / wall for name, (wall, _) in best.items()}
    print(f"import of {args.files} real HTML pages, {cores()} cores, load average {os.getloadavg()[0]:.1f}")
    for name, label in (("workers", f"({pool_size(args.files)} worker processes)"), ("in-process", "")):
        wall, cpu = best[name]
        print(f"  {name:<10} {wall:7.2f} s  {rates[name]:7.1f} files/s  {cpu:7.2f} CPU s "
              f"({cpu / wall:.0%} of a core) {label}")
    ratio = rates["workers"] / rates["in-process"]
    quiet = cores() * best["in-process"][1] / best["workers"][1]
    print(f"  ratio       {ratio:.2f}x  (goal: at least 1.8x on 2 cores); on {cores()} idle cores at best "
          f"{quiet:.2f}x (the same work in {best['workers'][1] / best['in-process'][1]:.2f}x the CPU)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
