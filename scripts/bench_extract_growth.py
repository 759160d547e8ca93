#!/usr/bin/env python
"""How extraction time grows with a page's paragraphs: time per paragraph from 1k to 40k paragraphs.

Each page is one <article> of N short paragraphs ("<p>Line 123.</p>", the shape of the 650 KB page
that once took 38 s); the largest has 39,990 so that the page stays under the element cap. Each page
is extracted by `parse_bytes`, and the time spent inside trafilatura (its two passes) is taken apart
from the rest, newsdiff's own steps, within the same call. Each time is divided by N and reported as
a ratio to the same figure on the smallest page: flat (1.0x) is linear; a ratio that grows with N is
not. Times are CPU seconds of this process, so that other work on a busy machine slows the figures
less than it would wall-clock time. Small pages are extracted several times (the best run is kept),
so that each page gets a second or so of measuring.

    python scripts/bench_extract_growth.py [--sizes 1000 2000 5000 10000 20000 39990]
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from typing import Any

from newsdiff.sources import extraction, parse_bytes

SIZES = [1000, 2000, 5000, 10_000, 20_000, 39_990]


def page(paragraphs: int) -> bytes:
    body = "".join(f"<p>Line {n}.</p>" for n in range(paragraphs))
    return f"<html><head><title>A long list</title></head><body><article>{body}</article></body></html>".encode()


class Clock:
    """Wraps newsdiff's call into trafilatura to add up the seconds spent in it."""

    def __init__(self) -> None:
        self.inside = 0.0
        self._call = extraction._trafilatura

    def __call__(self, *args: Any, **kwargs: Any) -> list[str]:
        start = time.process_time()
        try:
            return self._call(*args, **kwargs)
        finally:
            self.inside += time.process_time() - start


def measure(data: bytes, clock: Clock) -> tuple[float, float]:
    """(total seconds, seconds inside trafilatura) of the best of a few runs."""
    runs: list[tuple[float, float]] = []
    spent = 0.0
    while not runs or (spent < 1.0 and len(runs) < 5):
        clock.inside = 0.0
        start = time.process_time()
        parse_bytes(data)
        total = time.process_time() - start
        runs.append((total, clock.inside))
        spent += total
    return min(runs)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=SIZES, help="paragraphs per page")
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    clock = Clock()
    extraction._trafilatura = clock  # type: ignore[assignment]  # timing only: the call itself is unchanged
    parse_bytes(page(100))  # imports, compiled patterns and site rules: not part of any page's time
    rows = []
    for size in args.sizes:
        total, inside = measure(page(size), clock)
        rows.append((size, total, inside, total - inside))
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")
    print(f"{'paragraphs':>10} | {'parse_bytes':>11} {'µs/para':>8} {'growth':>6} | {'trafilatura':>11} {'µs/para':>8} "
          f"{'growth':>6} | {'newsdiff own':>12} {'µs/para':>8} {'growth':>6}")
    first = rows[0]
    for size, *seconds in rows:
        cells = [f"{s:10.2f}s {s / size * 1e6:8.1f} {(s / size) / (base / first[0]):5.1f}x"
                 for s, base in zip(seconds, first[1:], strict=True)]
        print(f"{size:>10} | {cells[0]} | {cells[1]} | {' ' + cells[2]}")
    print("growth: time per paragraph against the smallest page (1.0x = linear); trafilatura: time inside its "
          "two passes; newsdiff own: the rest of parse_bytes (decoding, parsing, page metadata, trimming)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
