"""Speed of the diff engine, against a difflib baseline doing the same job in the same run.

The article is real news prose (the English pages of fixtures/readability-news, their expected
article bodies); longer articles repeat that corpus with each copy's sentences numbered, so no
sentence occurs twice. The new version has ~10% of its sentences edited, added, removed or moved.

Both sides start from the same cached sentence lists. The baseline is plain `difflib.ndiff` over them
(with its own character-level fancy replace), SequenceMatcher over words to pair deleted and added
sentences and to highlight words in each pair; the engine does more (cosmetic folding, split/merge,
tags, the JSON report), so the ratio flatters the baseline if anything.

    python scripts/bench_diff.py            # 5,000 words, then the growth table
    python scripts/bench_diff.py --quick    # fewer repetitions
    python scripts/bench_diff.py --bounds   # what caching could at best save: per-sentence steps memoised
"""

from __future__ import annotations

import argparse
import difflib
import functools
import gzip
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

from lxml import html

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from newsdiff.diff import diff_records, segment_bounds, segment_paragraphs, sentences_at  # noqa: E402
from newsdiff.diff.align import MOVED, SIMILAR  # noqa: E402
from newsdiff.model import ArticleRecord, clean_text  # noqa: E402

PAGES = ["ars-1", "bbc-1", "breitbart", "buzzfeed-1", "citylab-1", "guardian-1", "herald-sun-1", "msn",
         "nytimes-1", "nytimes-2", "nytimes-3", "nytimes-4", "seattletimes-1", "telegraph", "theverge",
         "yahoo-1", "yahoo-2", "yahoo-3"]


def corpus() -> list[str]:
    """Paragraphs of real articles, in order."""
    paragraphs = []
    for name in PAGES:
        data = gzip.decompress((ROOT / "fixtures/readability-news" / name / "expected.html.gz").read_bytes())
        page = html.fromstring(data.decode("utf-8"))  # bytes without a charset would be read as Latin-1
        for element in page.iter("p"):
            text = clean_text(element.text_content())
            if len(text.split()) >= 8:
                paragraphs.append(text)
    return paragraphs


def article(paragraphs: list[str], words: int) -> list[str]:
    """At least `words` words of distinct paragraphs."""
    out: list[str] = []
    total = copy = 0
    while total < words:
        for paragraph in paragraphs:
            text = paragraph if copy == 0 else " ".join(f"{s} ({copy})" for s in segment_paragraphs([paragraph])[0])
            out.append(text)
            total += len(text.split())
            if total >= words:
                break
        copy += 1
    return out


def edit(paragraphs: list[str], rate: float, rng: random.Random) -> list[str]:
    """A new version: each sentence edited, removed, moved or followed by a new one with chance `rate`."""
    sentences = [list(s) for s in segment_paragraphs(paragraphs)]
    moved: list[str] = []
    for para in sentences:
        for n in range(len(para)):
            if rng.random() >= rate:
                continue
            kind = rng.choice(["edit", "add", "remove", "move"])
            words = para[n].split()
            if kind == "edit" and len(words) > 3:
                words[rng.randrange(len(words))] = rng.choice(["21", "reportedly", "officials", "Tuesday"])
                para[n] = " ".join(words)
            elif kind == "add":
                para[n] += f" A new sentence number {rng.randrange(10**6)} was added here by the desk."
            elif kind == "remove":
                para[n] = ""
            elif kind == "move":
                moved.append(para[n])
                para[n] = ""
    for sentence in moved:
        sentences[rng.randrange(len(sentences))].append(sentence)
    return [" ".join(s for s in para if s) for para in sentences if any(para)]


def difflib_report(old: list[str], new: list[str]) -> list[tuple[str, str, str, list[tuple[str, int, int, int, int]]]]:
    """The baseline, doing the engine's job with difflib: ndiff over the sentence lists; in each
    changed stretch SequenceMatcher (over words) pairs deleted and added sentences at the engine's
    threshold; leftovers anywhere are paired as moves at the engine's move threshold; word
    highlights inside every pair."""
    report: list[tuple[str, str, str, list[tuple[str, int, int, int, int]]]] = []
    leftover_deleted: list[str] = []
    leftover_added: list[str] = []

    def best_pairs(deleted: list[str], added: list[str], threshold: float) -> None:
        added = list(added)
        for a in deleted:
            best, score = None, threshold
            for b in added:
                ratio = difflib.SequenceMatcher(None, a.split(), b.split()).ratio()
                if ratio >= score:
                    best, score = b, ratio
            if best is None:
                leftover_deleted.append(a)
                continue
            added.remove(best)
            report.append(("changed", a, best, difflib.SequenceMatcher(None, a.split(), best.split()).get_opcodes()))
        leftover_added.extend(added)

    deleted: list[str] = []
    added: list[str] = []
    for line in difflib.ndiff(old, new):
        tag, text = line[:1], line[2:]
        if tag == "-":
            deleted.append(text)
        elif tag == "+":
            added.append(text)
        elif tag == " ":
            best_pairs(deleted, added, SIMILAR)
            deleted, added = [], []
    best_pairs(deleted, added, SIMILAR)
    moves_from, moves_to = list(leftover_deleted), list(leftover_added)
    leftover_deleted.clear()
    leftover_added.clear()
    best_pairs(moves_from, moves_to, MOVED)
    report.extend(("removed", a, "", []) for a in leftover_deleted)
    report.extend(("added", "", b, []) for b in leftover_added)
    return report


def report_json(old: ArticleRecord, new: ArticleRecord, old_sentences: list[list[str]],
                new_sentences: list[list[str]]) -> dict:
    """The engine's whole job on already segmented versions: the report, as JSON."""
    return diff_records(old, new, old_sentences=old_sentences, new_sentences=new_sentences).to_json()


def median_ms(job: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        job()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def interleaved_medians_ms(jobs: dict[str, Callable[[], object]], repeat: int) -> dict[str, float]:
    """Each job's median, the jobs taking turns: on a shared machine a busy spell slows all of them."""
    times: dict[str, list[float]] = {name: [] for name in jobs}
    for _ in range(repeat):
        for name, job in jobs.items():
            start = time.perf_counter()
            job()
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(values) * 1000 for name, values in times.items()}


def memoised_bounds(job: Callable[[], object], baseline_ms: float, repeat: int) -> None:
    """How fast the report could get if work were cached: each step memoised in turn, in this process
    only. A per-version cache could at best remove the per-sentence steps; memoising each pair's word
    diff is memoising part of the report itself."""
    import newsdiff.diff as engine

    align, classify = sys.modules["newsdiff.diff.align"], sys.modules["newsdiff.diff.classify"]
    steps = [
        ("cosmetic keys", [(align, "cosmetic_key"), (classify, "cosmetic_key")]),
        ("+ word bags", [(align, "word_bag")]),
        ("+ quote spans and correction checks", [(classify, "quote_spans"), (classify, "is_correction")]),
        ("+ each pair's word diff (part of the report)", [(engine, "word_diff")]),
    ]
    memos: dict[Callable[..., object], Callable[..., object]] = {}
    print("\nbounds (the same pair, each step memoised on top of the ones above):")
    for name, targets in steps:
        for module, attribute in targets:
            original = getattr(module, attribute)
            setattr(module, attribute, memos.setdefault(original, functools.lru_cache(maxsize=None)(original)))
        ms = median_ms(job, repeat)
        print(f"  {name:46} {ms:6.2f} ms   {baseline_ms / ms:4.1f}x the difflib baseline")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    parser.add_argument("--bounds", action="store_true", help="what caching could at best save, then stop")
    args = parser.parse_args()
    repeat = 5 if args.quick else 21
    rng = random.Random(4)
    paragraphs = corpus()

    old_paras = article(paragraphs, 5000)
    new_paras = edit(old_paras, 0.10, rng)
    old, new = ArticleRecord(tuple(old_paras), title="A"), ArticleRecord(tuple(new_paras), title="B")
    old_s, new_s = segment_paragraphs(old.paragraphs), segment_paragraphs(new.paragraphs)
    old_flat = [s for p in old_s for s in p]
    new_flat = [s for p in new_s for s in p]
    old_b, new_b = segment_bounds(old.paragraphs), segment_bounds(new.paragraphs)

    def from_bounds() -> object:
        """What `newsdiff diff` does for stored versions: sentences sliced out again at cached bounds."""
        old_sentences = [sentences_at(p, b) for p, b in zip(old.paragraphs, old_b, strict=True)]
        new_sentences = [sentences_at(p, b) for p, b in zip(new.paragraphs, new_b, strict=True)]
        return report_json(old, new, old_sentences, new_sentences)

    ms = interleaved_medians_ms({
        "full": lambda: diff_records(old, new).to_json(),
        "cached": functools.partial(report_json, old, new, old_s, new_s),
        "bounds": from_bounds,
        "baseline": lambda: difflib_report(old_flat, new_flat),
    }, repeat)
    full, cached, bounds, baseline = ms["full"], ms["cached"], ms["bounds"], ms["baseline"]
    report = diff_records(old, new, old_sentences=old_s, new_sentences=new_s)
    print(f"article: {old.word_count} words, {len(old_flat)} -> {len(new_flat)} sentences; {report.summary_line()}")
    print(f"full report incl. segmentation: {full:7.2f} ms median   (target <= 50 ms: {full / 50:.2f} of it)")
    print(f"full report, cached sentences:  {cached:7.2f} ms median   (target <= 10 ms: {cached / 10:.2f} of it)")
    print(f"full report, cached bounds:     {bounds:7.2f} ms median   "
          "(sentences sliced out again, as for stored versions)")
    print(f"difflib baseline, same job:     {baseline:7.2f} ms median   (from the cached sentence lists)")
    print(f"speed-up over difflib: {baseline / cached:.1f}x (cached sentences, like the baseline), "
          f"{baseline / bounds:.1f}x (cached bounds), {baseline / full:.1f}x (incl. segmentation); target >= 10x")

    if args.bounds:
        memoised_bounds(functools.partial(report_json, old, new, old_s, new_s), baseline, repeat * 10)
        return

    print("\ngrowth (cached sentences; difflib baseline on the same pair; ~10% and ~1% of sentences touched):")
    print(f"{'words':>8} {'10% ms':>9} {'ms/1k w':>8} {'difflib':>9} {'ratio':>6} {'1% ms':>9} {'ms/1k w':>8} "
          f"{'difflib':>9} {'ratio':>6}")
    for words in (500, 1000, 2000, 5000, 10000, 20000, 50000):
        row = [f"{words:>8}"]
        base = article(paragraphs, words)
        for rate in (0.10, 0.01):
            changed = edit(base, rate, rng)
            a, b = segment_paragraphs(base), segment_paragraphs(changed)
            ms = median_ms(functools.partial(report_json, ArticleRecord(tuple(base)), ArticleRecord(tuple(changed)),
                                             a, b), max(3, repeat // 4))
            flat_a, flat_b = [s for p in a for s in p], [s for p in b for s in p]
            slow = median_ms(functools.partial(difflib_report, flat_a, flat_b), 1 if words > 5000 else 3)
            row.append(f"{ms:9.2f} {ms / words * 1000:8.3f} {slow:9.2f} {slow / ms:5.1f}x")
        print(" ".join(row))


if __name__ == "__main__":
    main()
