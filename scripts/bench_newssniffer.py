"""Speed of the NewsSniffer dump parser: dumps per second on one core, against plain line splitting.

Workloads, all seed-sized (15 paragraphs of real news prose, about 8 KB):
  seed    seed 003 itself (every row unchanged), read as `newsdiff import` reads a file;
  edited  dumps rendered from real paragraphs (fixtures/readability-news) with some paragraphs
          edited (a word, a number, a sentence added or dropped), deleted or inserted, as text;
  html    the same edited dumps as the HTML page.
Each line also gives the rows of each kind the parser found. The baseline in the same run only
splits the text into lines and checks each for an exact repeat (the HTML baseline only parses
the page with lxml): the ratio says what reconstructing the versions costs on top of that.

    python scripts/bench_newssniffer.py [--seconds 2]
"""

from __future__ import annotations

import argparse
import gzip
import random
import re
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import lxml.html

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from newsdiff.model import clean_text  # noqa: E402
from newsdiff.sources import parse_bytes  # noqa: E402
from tests.newssniffer_render import Dump, render_html, scrape  # noqa: E402

SEED = ROOT / "seeds" / "003_2a9cfbafb26fb99c.txt"
TARGET = 1000  # seed-sized dumps per second


def paragraphs() -> list[str]:
    """Real paragraphs of at least 12 words, in page order."""
    found = []
    for path in sorted((ROOT / "fixtures/readability-news").glob("*/expected.html.gz")):
        page = lxml.html.fromstring(gzip.decompress(path.read_bytes()).decode("utf-8"))
        found += [t for t in (clean_text(p.text_content()) for p in page.iter("p")) if len(t.split()) >= 12]
    return found


def edit(paragraph: str, pool: list[str], rng: random.Random) -> str:
    words = paragraph.split(" ")
    kind = rng.choice(("word", "number", "append", "drop"))
    if kind == "word":
        words[rng.randrange(len(words))] = rng.choice(rng.choice(pool).split(" "))
    elif kind == "number":
        words[rng.randrange(len(words))] = str(rng.randrange(2, 2000))
    elif kind == "append":
        words += rng.choice(pool).split(" ")[:12]
    else:
        sentences = re.split(r"(?<=[.!?])\s+(?=[A-Z])", paragraph)
        words = " ".join(sentences[:-1] or sentences[:1]).split(" ")
    return " ".join(words)


def edited_dumps(count: int) -> list[Dump]:
    """Seed-sized dumps: 15 real paragraphs, of which about a quarter are edited, deleted or inserted."""
    pool = paragraphs()
    rng = random.Random(3)
    dumps = []
    for _ in range(count):
        old = rng.sample(pool, 15)
        new: list[str] = []
        for p in old:
            roll = rng.random()
            if roll < 0.16:
                new.append(edit(p, pool, rng))
            elif roll < 0.20:
                continue
            else:
                new.append(p)
            if roll > 0.96:
                new.append(rng.choice(pool))
        dumps.append(Dump(old, new))
    return dumps


def rate(job: Callable[[bytes], object], inputs: list[bytes], seconds: float) -> float:
    """Inputs handled per second, best of repeated passes over `inputs` lasting about `seconds`."""
    best = 0.0
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline or best == 0.0:
        start = time.perf_counter()
        for data in inputs:
            job(data)
        best = max(best, len(inputs) / (time.perf_counter() - start))
    return best


def split_lines(data: bytes) -> int:
    """Baseline: lines, and which of them are a paragraph written twice."""
    repeats = 0
    for line in data.decode("utf-8").splitlines():
        half = len(line) // 2
        repeats += line[:half] == line[half:]
    return repeats


def parse_page(data: bytes) -> object:
    """HTML baseline: the page parsed into a tree, nothing read from it."""
    return lxml.html.document_fromstring(data.decode("utf-8"))


def kinds(inputs: list[bytes]) -> str:
    counts: Counter[str] = Counter()
    for data in inputs:
        counts.update(row["kind"] for row in parse_bytes(data).details["rows"])
    return ", ".join(f"{kind} {n}" for kind, n in sorted(counts.items()))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=float, default=2.0, help="time per measurement")
    args = ap.parse_args()

    dumps = edited_dumps(100)
    pages = [render_html(d) for d in dumps]
    workloads = {
        "seed": ([SEED.read_bytes()], split_lines),
        "edited": ([scrape(p, heading=d.titles[1]).encode("utf-8") for p, d in zip(pages, dumps, strict=True)],
                   split_lines),
        "html": ([p.encode("utf-8") for p in pages], parse_page),
    }
    print(f"{'workload':<8} {'dumps':>5} {'avg KB':>6} {'dumps/s':>8} {'baseline/s':>10} {'ratio':>6}  rows by kind")
    for name, (inputs, baseline) in workloads.items():
        ours = rate(parse_bytes, inputs, args.seconds)
        base = rate(baseline, inputs, args.seconds / 2)
        size = sum(map(len, inputs)) / len(inputs) / 1024
        print(f"{name:<8} {len(inputs):>5} {size:>6.1f} {ours:>8,.0f} {base:>10,.0f} {base / ours:>5.1f}x  "
              f"{kinds(inputs)}")
        if name != "html":
            verdict = "met" if ours >= TARGET else "NOT met"
            print(f"{'':<8} target {TARGET:,} seed-sized dumps/s on one core: {verdict}")


if __name__ == "__main__":
    main()
