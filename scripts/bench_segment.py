"""How well and how fast sentence segmenters split news prose; the measurement behind newsdiff's choice.

Cases: pySBD's Golden Rules for English (fixtures/golden_rules_en.json) and news cases
(fixtures/sentences_news.json: abbreviations, clock times, quotes ending ?" and !", ellipses,
datelines, a multi-sentence quote). Speed: one ~5,600-word text built from the news cases, reported
relative to newsdiff's segmenter in the same run. Candidates that are not installed are skipped:

    pip install pysbd syntok sentencex blingfire numpy   # to compare them all
    python scripts/bench_segment.py
"""

from __future__ import annotations

import importlib
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from newsdiff.diff.sentences import SEGMENTER, split_sentences  # noqa: E402

Segmenter = Callable[[str], list[str]]


def _candidates() -> dict[str, Segmenter]:
    """Each installed segmenter as text -> stripped sentences."""
    found: dict[str, Segmenter] = {f"newsdiff ({SEGMENTER})": split_sentences}
    try:
        nupunkt = importlib.import_module("nupunkt")
        found["nupunkt alone"] = lambda t: [s.strip() for s in nupunkt.sent_tokenize(t) if s.strip()]
    except ImportError:
        pass
    try:
        pysbd = importlib.import_module("pysbd")
        seg = pysbd.Segmenter(language="en", clean=False)
        found["pysbd"] = lambda t: [s.strip() for s in seg.segment(t) if s.strip()]
    except ImportError:
        pass
    try:
        sentencex = importlib.import_module("sentencex")
        found["sentencex"] = lambda t: [s.strip() for s in sentencex.segment("en", t) if s.strip()]
    except ImportError:
        pass
    try:
        syntok = importlib.import_module("syntok.segmenter")

        def syntok_split(text: str) -> list[str]:
            return [text[s[0].offset:s[-1].offset + len(s[-1].value)] for para in syntok.analyze(text) for s in para]

        found["syntok"] = syntok_split
    except ImportError:
        pass
    try:
        blingfire = importlib.import_module("blingfire")
        found["blingfire"] = lambda t: [s for s in blingfire.text_to_sentences(t).split("\n") if s]
    except ImportError:
        pass
    return found


def main() -> None:
    golden = json.loads((ROOT / "fixtures/golden_rules_en.json").read_text())
    news = json.loads((ROOT / "fixtures/sentences_news.json").read_text())
    body = " ".join(case["text"] for case in news) * 15
    candidates = _candidates()
    timings: dict[str, float] = {}
    print(f"{'segmenter':<40} {'golden rules':>13} {'news cases':>11} {'time / newsdiff':>16}")
    for name, split in candidates.items():
        golden_ok = sum(split(c["text"]) == c["sentences"] for c in golden)
        news_ok = sum(split(c["text"]) == c["sentences"] for c in news)
        split(body)  # first call loads models
        runs = []
        for _ in range(5):
            start = time.perf_counter()
            split(body)
            runs.append(time.perf_counter() - start)
        timings[name] = statistics.median(runs)
        base = next(iter(timings.values()))
        print(f"{name:<40} {golden_ok:>6}/{len(golden):<6} {news_ok:>5}/{len(news):<5} {timings[name] / base:>15.2f}x")
    first = next(iter(timings))
    print(f"\n{first}: {timings[first] * 1000:.1f} ms for {len(body.split())} words")
    print("\nnewsdiff's misses:")
    for case in golden + news:
        got = split_sentences(case["text"])
        if got != case["sentences"]:
            print(f"  {case['text'][:70]!r} -> {len(got)} sentences, expected {len(case['sentences'])}")


if __name__ == "__main__":
    main()
