#!/usr/bin/env python
"""What newsdiff's extraction costs beyond trafilatura's: `parse_bytes` against `trafilatura.extract` alone.

On real pages, each page is extracted by both in turn (so that a busy moment on the machine slows
both alike), after one warm-up pass, in CPU seconds of this process (which other work on a busy
machine sways less than wall-clock time); the report gives, per set of pages, the seconds of each,
their ratio (the goal: at most 1.3x), and the same split by the path newsdiff took (an outlet's site
rule, which skips trafilatura, or the generic path, which runs it twice: a precise and a balanced pass).
newsdiff's time is also split, each part against trafilatura's time: its precise pass, its balanced
pass, and everything around them (decoding, parsing, the page's metadata, guards, site rules, trim),
which the goal wants under a third of trafilatura's.

Sets: the 30 news pages of fixtures/readability-news, and, when found, the pages of trafilatura's own
multilingual benchmark (shared/fixtures/trafilatura-eval/eval.tar.gz beside the checkout or one level
up, read without unpacking;
--eval-limit takes an evenly spread sample of them).

A change meant to make extraction cheaper must not change what it extracts: --save-outputs FILE
writes what parse_bytes gives for every page of both sets (paragraphs, title, byline, standfirst,
published, ... or the reason it refused the page), and --compare-outputs FILE extracts them again and
lists every page whose output is not the same, byte for byte (exit status 1 if any). Save with one
checkout (PYTHONPATH=that checkout), compare with the other.

    python scripts/bench_extract_overhead.py [--eval PATH] [--eval-limit 300]
    python scripts/bench_extract_overhead.py --save-outputs before.json   # then, changed: --compare-outputs
"""

from __future__ import annotations

import argparse
import dataclasses
import gzip
import json
import logging
import sys
import tarfile
import time
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import trafilatura

from newsdiff.model import InputError
from newsdiff.sources import extraction, parse_bytes

ROOT = Path(__file__).resolve().parent.parent
# The shared fixtures sit beside the project's checkout, or one level further up.
EVAL = next((folder / "shared" / "fixtures" / "trafilatura-eval" / "eval.tar.gz"
             for folder in (ROOT.parent, ROOT.parent.parent) if (folder / "shared" / "fixtures").is_dir()),
            ROOT.parent / "shared" / "fixtures" / "trafilatura-eval" / "eval.tar.gz")


def news_pages() -> dict[str, bytes]:
    return {folder.name: gzip.decompress((folder / "source.html.gz").read_bytes())
            for folder in sorted((ROOT / "fixtures" / "readability-news").iterdir())}


def eval_pages(archive: Path, limit: int | None) -> dict[str, bytes]:
    with tarfile.open(archive) as tar:
        members = sorted((m for m in tar.getmembers() if m.isfile() and m.name.endswith(".html")), key=lambda m: m.name)
        if limit and limit < len(members):
            members = [members[i * len(members) // limit] for i in range(limit)]
        return {m.name: tar.extractfile(m).read() for m in members}  # type: ignore[union-attr]


def output_of(data: bytes) -> dict[str, object] | str:
    """What parse_bytes gives for a page, as JSON: its record's fields, or the reason it refused the page."""
    try:
        record = parse_bytes(data).versions[0]
    except InputError as exc:
        return f"refused: {exc}"
    return {name: value for name, value in dataclasses.asdict(record).items() if name != "meta"}


def compare_outputs(sets: dict[str, dict[str, bytes]], saved: dict[str, dict[str, object]]) -> int:
    """Pages whose output differs from the saved one, listed with the fields that differ; their count."""
    differing = 0
    for name, pages in sets.items():
        before = saved.get(name, {})
        changed = []
        for page, data in pages.items():
            now, then = output_of(data), before.get(page)
            if json.dumps(now, sort_keys=True) != json.dumps(then, sort_keys=True):
                fields = ([key for key in now if now.get(key) != then.get(key)]  # type: ignore[union-attr]
                          if isinstance(now, dict) and isinstance(then, dict) else ["refusal"])
                changed.append(f"  {page}: {', '.join(fields)}")
        print(f"{name}: {len(changed)} of {len(pages)} pages differ", *changed, sep="\n")
        differing += len(changed)
    return differing


def path_of(data: bytes) -> str:
    try:
        extractor = parse_bytes(data).versions[0].extractor or "?"
    except InputError:
        return "refused"
    return "generic" if extractor == "generic" else "site rule"


PASSES = [0.0, 0.0]  # CPU seconds spent so far in newsdiff's precise and its balanced trafilatura pass


def timed_passes() -> None:
    """Count the CPU time of each of the generic path's trafilatura passes into PASSES."""
    run_pass = extraction._trafilatura

    def timed(root: Any, precision: bool) -> list[str]:
        start = time.process_time()
        try:
            return run_pass(root, precision)
        finally:
            PASSES[0 if precision else 1] += time.process_time() - start

    extraction._trafilatura = timed


def measure(pages: Iterable[bytes]) -> dict[str, list[float]]:
    """{path: [newsdiff seconds, trafilatura seconds, pages, precise pass seconds, balanced pass seconds]}
    plus "all"."""
    totals: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0, 0.0, 0.0])
    for data in pages:
        path = path_of(data)  # also the warm-up: imports, compiled patterns, site rules
        trafilatura.extract(data)
        passes = PASSES.copy()
        start = time.process_time()
        try:
            parse_bytes(data)
        except InputError:
            pass
        ours = time.process_time() - start
        precise, balanced = PASSES[0] - passes[0], PASSES[1] - passes[1]
        start = time.process_time()
        trafilatura.extract(data)
        theirs = time.process_time() - start
        for key in (path, "all"):
            for i, value in enumerate((ours, theirs, 1, precise, balanced)):
                totals[key][i] += value
    return totals


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--eval", type=Path, default=EVAL, help="trafilatura's eval.tar.gz (skipped when missing)")
    parser.add_argument("--eval-limit", type=int, default=None, help="an evenly spread sample of that many pages")
    parser.add_argument("--save-outputs", type=Path, help="write every page's output to this JSON file, no timing")
    parser.add_argument("--compare-outputs", type=Path, help="compare every page's output with this saved file")
    args = parser.parse_args()
    logging.disable(logging.WARNING)  # trafilatura narrates every page
    sets = {"readability-news (30 news pages)": news_pages()}
    if args.eval.exists():
        pages = eval_pages(args.eval, args.eval_limit)
        sets[f"trafilatura-eval ({len(pages)} pages)"] = pages
    if args.save_outputs:
        outputs = {name: {page: output_of(data) for page, data in pages.items()} for name, pages in sets.items()}
        args.save_outputs.write_text(json.dumps(outputs, ensure_ascii=False, indent=1, sort_keys=True))
        print(f"{sum(map(len, outputs.values()))} pages' outputs written to {args.save_outputs}")
        return 0
    if args.compare_outputs:
        return 1 if compare_outputs(sets, json.loads(args.compare_outputs.read_text())) else 0
    timed_passes()
    print(f"{'pages':<36} {'path':<10} {'n':>4} {'newsdiff':>9} {'trafilatura':>12} {'ratio':>6}"
          f" {'precise':>8} {'balanced':>9} {'around':>7}")
    for name, pages in sets.items():
        totals = measure(pages.values())
        for path in ("all", "generic", "site rule", "refused"):
            if path in totals:
                ours, theirs, count, precise, balanced = totals[path]
                print(f"{name if path == 'all' else '':<36} {path:<10} {count:>4} {ours:8.2f}s {theirs:11.2f}s "
                      f"{ours / theirs:5.2f}x {precise / theirs:7.2f}x {balanced / theirs:8.2f}x "
                      f"{(ours - precise - balanced) / theirs:6.2f}x")
    print("ratio: newsdiff's parse_bytes time over trafilatura.extract's on the same pages (goal: at most 1.3x);\n"
          "precise, balanced: its two trafilatura passes, around: the rest of parse_bytes (goal: under 0.33x),\n"
          "each over trafilatura.extract's time")
    return 0


if __name__ == "__main__":
    sys.exit(main())
