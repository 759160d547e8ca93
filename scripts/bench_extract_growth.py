#!/usr/bin/env python
"""How extraction time grows with a page's paragraphs: time per paragraph from 1k to 40k paragraphs.

Each page is one <article> of N short paragraphs ("<p>Line 123.</p>", the shape of the 650 KB page
that once took 38 s); the largest has 39,990 so that the page stays under the element cap. For each
page the script times `parse_bytes` (all of newsdiff's extraction), then trafilatura's two passes
alone as newsdiff runs them (the precise pass and the balanced one, on a tree parsed beforehand),
and gives newsdiff's own share as the difference. Each time is divided by N and reported as a ratio
to the same figure on the smallest page: flat (1.0x) is linear, a ratio that grows with N is not.

    python scripts/bench_extract_growth.py [--sizes 1000 2000 5000 10000 20000 39990] [--repeat 1]
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from collections.abc import Callable

import lxml.html
import trafilatura

from newsdiff.sources import parse_bytes

SIZES = [1000, 2000, 5000, 10_000, 20_000, 39_990]


def page(paragraphs: int) -> bytes:
    body = "".join(f"<p>Line {n}.</p>" for n in range(paragraphs))
    return f"<html><head><title>A long list</title></head><body><article>{body}</article></body></html>".encode()


def newsdiff(data: bytes) -> None:
    parse_bytes(data)


def trafilatura_passes(data: bytes) -> Callable[[], None]:
    """trafilatura's two passes as newsdiff runs them, on a tree parsed before the clock starts."""
    root = lxml.html.document_fromstring(data)

    def run() -> None:
        for precision in (True, False):
            trafilatura.bare_extraction(root, fast=precision, favor_precision=precision, include_comments=False,
                                        include_tables=True, include_images=False, with_metadata=False,
                                        deduplicate=False)

    return run


def best(call: Callable[[], None], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=SIZES, help="paragraphs per page")
    parser.add_argument("--repeat", type=int, default=1, help="runs per page and tool (the best is kept)")
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    parse_bytes(page(100))  # imports, compiled patterns and site rules: not part of any page's time
    rows = []
    for size in args.sizes:  # page by page, each tool in turn, so a busy moment hits both alike
        data = page(size)
        total = best(lambda: newsdiff(data), args.repeat)
        passes = best(trafilatura_passes(data), args.repeat)
        rows.append((size, len(data), total, passes, total - passes))
    base = rows[0]
    print(f"{'paragraphs':>10} {'bytes':>9} | {'newsdiff':>9} {'µs/para':>8} {'growth':>6} | "
          f"{'trafilatura':>11} {'µs/para':>8} {'growth':>6} | {'own':>7} {'µs/para':>8} {'growth':>6}")
    for size, length, total, passes, own in rows:
        cells = []
        for seconds, first in ((total, base[2]), (passes, base[3]), (own, base[4])):
            per = seconds / size
            cells.append(f"{seconds:8.2f}s {per * 1e6:8.1f} {per / (first / base[0]):5.1f}x")
        print(f"{size:>10} {length:>9} | " + " | ".join(cells))
    print("growth: time per paragraph against the smallest page (1.0x = linear); "
          "trafilatura: its two passes alone; own: newsdiff's extraction minus them")
    return 0


if __name__ == "__main__":
    sys.exit(main())
