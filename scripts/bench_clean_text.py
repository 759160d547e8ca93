"""Speed of `clean_text`, which every stored string goes through, against its regex definition.

Workloads: the raw text content of the 30 real article bodies in fixtures/readability-news (with
the page's newlines and indentation, as the HTML extractor hands it over), and the four seeds as
read from disk. The baseline in the same run is the obvious implementation (NFC, two character
class substitutions, `\\s+` folded by a regex); the outputs are compared before timing.

    python scripts/bench_clean_text.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import gzip
import re
import sys
import timeit
import unicodedata
from collections.abc import Callable
from pathlib import Path

import lxml.html

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from newsdiff.model import clean_text  # noqa: E402

_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e]")
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_SPACES = re.compile(r"\s+")


def by_regex(text: str) -> str:
    """Baseline: the definition of the stored form, one regex pass per rule."""
    text = unicodedata.normalize("NFC", text)
    text = _INVISIBLE.sub("", text)
    text = _CONTROL.sub(" ", text)
    return _SPACES.sub(" ", text).strip()


def workloads() -> dict[str, list[str]]:
    bodies = [
        lxml.html.fromstring(gzip.decompress(path.read_bytes()).decode("utf-8")).text_content()
        for path in sorted((ROOT / "fixtures/readability-news").glob("*/expected.html.gz"))
    ]
    seeds = [path.read_text(encoding="utf-8") for path in sorted((ROOT / "seeds").glob("*.txt"))]
    return {"bodies": bodies, "seeds": seeds}


def rate(job: Callable[[str], str], inputs: list[str], repeat: int) -> float:
    """Megabytes of text per second, from the best of `repeat` timed runs over all `inputs`."""
    timer = timeit.Timer(lambda: [job(text) for text in inputs])
    number, _ = timer.autorange()
    best = min(timer.repeat(repeat=repeat, number=number)) / number
    return sum(len(t.encode("utf-8")) for t in inputs) / 1e6 / best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=5, help="timed runs per measurement; the best counts")
    args = ap.parse_args()
    print(f"{'workload':<8} {'texts':>5} {'avg KB':>6} {'MB/s':>7} {'regex MB/s':>10} {'speed-up':>8}")
    for name, inputs in workloads().items():
        assert all(clean_text(t) == by_regex(t) for t in inputs), f"{name}: outputs differ"
        ours = rate(clean_text, inputs, args.repeat)
        base = rate(by_regex, inputs, args.repeat)
        size = sum(len(t.encode("utf-8")) for t in inputs) / len(inputs) / 1024
        print(f"{name:<8} {len(inputs):>5} {size:>6.1f} {ours:>7.1f} {base:>10.1f} {ours / base:>7.1f}x")


if __name__ == "__main__":
    main()
