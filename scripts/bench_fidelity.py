#!/usr/bin/env python
"""Fidelity by kind of edit: sentence segmentation, sentence alignment and NewsSniffer dump splitting,
each on material generated from real article text with edits whose answer is known.

Real text: the paragraphs of the article bodies in fixtures/readability-news/*/expected.html.gz, and of
the same folder under ../shared/fixtures (beside the clone, when present; pages not already read).
Every set is drawn with a fixed seed, so two runs (two commits) score the same cases.

segmentation  (a) two real sentences joined after an ordinary lower-case word that nupunkt's learned
              list calls an abbreviation ("… came ashore. Rescuers …"), (b) after a single capital
              that is a label, not an initial ("… join Group B. Officials …"), (c) a paragraph opening
              with an ellipsis; each case passes when it comes out as exactly the sentences it was
              made of. Beside them, pySBD's Golden Rules, which must not regress.
alignment     version pairs of real articles (reference sentences: pySBD's, independent of the
              segmenter under test) with one known edit of each kind at a time, in the middle and at
              paragraph edges: changed, added, removed, moved (to another paragraph, and past a
              one-sentence paragraph), split, merged, merged across a removed sentence. An edit is
              found when the report holds exactly the expected entries (op and sentence texts);
              F1 over all expected entries against every entry reported that is not cosmetic.
accounts      the three seed stories (three outlets on one event) diffed pairwise: sentences paired
              as changed, and left removed and added.
dumps         NewsSniffer dumps rendered from real paragraphs (tests/newssniffer_render.py), scraped to
              text and parsed back: ordinary edits, a paragraph moved into a changed row, very short
              paragraphs edited, quote-wrapped and numbered paragraphs, and short capitalised titles
              with words appended. Rows right, dumps exactly rebuilt, and hard rows (sides sharing
              under half their words) right, per kind.

    pip install pysbd                    # the reference segmenter
    python scripts/bench_fidelity.py [--cases 300] [--shared ../shared]
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import re
import sys
from collections import Counter, defaultdict
from collections.abc import Callable
from pathlib import Path

import lxml.html
import nupunkt

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from newsdiff.diff import diff_records, split_sentences  # noqa: E402
from newsdiff.model import ArticleRecord, clean_text  # noqa: E402
from newsdiff.sources.newssniffer import parse_dump_text  # noqa: E402
from tests.newssniffer_render import Dump, align as dump_rows, render_html, scrape  # noqa: E402

Sentences = list[list[str]]  # sentences per paragraph


# -- real text -------------------------------------------------------------------------------------


def pages(shared: Path) -> list[list[str]]:
    """Paragraphs (of at least 5 words) per real article body, the repository's pages first."""
    found: dict[str, list[str]] = {}
    folders = [(ROOT / "fixtures/readability-news", "expected.html.gz"),
               (shared / "fixtures/readability-news", "expected.html")]
    for folder, name in folders:
        for path in sorted(folder.glob(f"*/{name}")):
            if path.parent.name in found:
                continue
            data = path.read_bytes()
            data = gzip.decompress(data) if name.endswith(".gz") else data
            doc = lxml.html.fromstring(data.decode("utf-8"))
            paragraphs = [clean_text(p.text_content()) for p in doc.iter("p")]
            found[path.parent.name] = [p for p in paragraphs if len(p.split()) >= 5]
    return [paragraphs for paragraphs in found.values() if len(paragraphs) >= 6]


def english(paragraphs: list[str]) -> bool:
    words = Counter(w.lower() for p in paragraphs for w in p.split())
    return sum(words[w] for w in ("the", "and", "of", "to")) > 0.06 * sum(words.values())


# -- segmentation ----------------------------------------------------------------------------------

_SENTENCE = re.compile(r"^[A-Z][^.!?]*[a-z]{2}\.$")  # a plain sentence: no inner stop, ends on a word
_LABELS = ("Group", "Plan", "Pool", "Class", "Section", "Category", "Type", "Grade", "Gate", "Terminal",
           "Wing", "Zone", "Phase", "Stage", "Level", "Block", "Option", "Proposition", "vitamin", "group")


def plain_sentences(corpus: list[list[str]]) -> list[str]:
    reference = _reference()
    return [s for paragraphs in corpus if english(paragraphs) for p in paragraphs for s in reference(p)
            if _SENTENCE.match(s) and 6 <= len(s.split()) <= 40]


def segmentation_cases(corpus: list[list[str]], count: int) -> dict[str, list[tuple[str, list[str]]]]:
    """(paragraph, expected sentences) per kind, built from real sentences."""
    rng = random.Random(17)
    plain = plain_sentences(corpus)
    model = nupunkt._get_default_model()
    learned = sorted(w for w in model._params.abbrev_types if w.isalpha() and w.islower() and len(w) >= 3)
    corpus_words = Counter(w for s in plain for w in re.findall(r"\b[a-z]{3,}\b", s))
    # Ordinary words (used in real sentences here, not as "word.") that the learned list holds.
    ordinary = [w for w in learned if corpus_words[w] >= 2]
    cases: dict[str, list[tuple[str, list[str]]]] = defaultdict(list)
    for _ in range(count):
        first, second = rng.sample(plain, 2)
        head = first[:-1].rsplit(" ", 1)[0]
        word = rng.choice(ordinary)
        one = f"{head} {word}."
        cases["a. learned 'abbreviation'"].append((f"{one} {second}", [one, second]))
        label = f"{head} {rng.choice(_LABELS)} {rng.choice('ABCDEFGHJKLMNPRSTUVWXYZ')}."
        cases["b. single capital label"].append((f"{label} {second}", [label, second]))
        cases["c. paragraph opens '...'"].append((f"... {first} {second}", [f"... {first}", second]))
    return cases


def golden() -> tuple[int, int]:
    rules = json.loads((ROOT / "fixtures/golden_rules_en.json").read_text())
    return sum(split_sentences(c["text"]) == c["sentences"] for c in rules), len(rules)


def report_segmentation(corpus: list[list[str]], count: int) -> None:
    print("segmentation (paragraphs made of known sentences)")
    for kind, cases in segmentation_cases(corpus, count).items():
        right = sum(split_sentences(text) == expected for text, expected in cases)
        print(f"  {kind:<34} {right:>4}/{len(cases):<4} {right / len(cases):6.1%}")
    ok, total = golden()
    print(f"  {'pySBD golden rules':<34} {ok:>4}/{total:<4}")
    plain = [p for paragraphs in corpus if english(paragraphs) for p in paragraphs]
    reference = _reference()
    agree = sum(split_sentences(p) == reference(p) for p in plain)
    print(f"  {'real paragraphs as pySBD splits':<34} {agree:>4}/{len(plain):<4} {agree / len(plain):6.1%}"
          "  (agreement, not truth: pySBD errs too)")


# -- alignment -------------------------------------------------------------------------------------


def _reference() -> Callable[[str], list[str]]:
    import pysbd

    segmenter = pysbd.Segmenter(language="en", clean=False)
    return lambda text: [s.strip() for s in segmenter.segment(text) if s.strip()]


_PLAIN_PARAGRAPH = re.compile(r"^[^\"“”‘’«»]*[.!?]$")
_STARTERS = frozenset("The He She It They This That These Those But And We I In On At A An His Her Its Their".split())


def _lower_first(sentence: str) -> str:
    word = sentence.split(" ", 1)[0]
    return sentence[0].lower() + sentence[1:] if word in _STARTERS and word != "I" else sentence


def _join(a: str, b: str) -> str:
    return f"{a[:-1]}, and {_lower_first(b)}"


Entry = tuple[str, tuple[str, ...], tuple[str, ...]]


def _word_swap(sentence: str, rng: random.Random, pool: list[str]) -> str:
    words = sentence.split(" ")
    at = rng.randrange(1, len(words) - 1)
    replacement = rng.choice(pool)
    while replacement == words[at]:
        replacement = rng.choice(pool)
    words[at] = replacement
    return " ".join(words)


def edit_article(article: Sentences, kind: str, where: str, rng: random.Random, pool: list[str],
                 extra: list[str]) -> tuple[Sentences, list[Entry]] | None:
    """One known edit of `kind` on a copy of the article: the new version and the expected entries.
    `where`: in the middle of a paragraph, or at its first or last sentence."""
    new = [list(p) for p in article]
    multi = [i for i, p in enumerate(new) if len(p) >= 3]
    if kind == "moved past a one-sentence paragraph":
        spots = [i for i in range(len(new) - 2) if len(new[i + 1]) == 1 and len(new[i + 2]) == 1]
        if not spots:
            return None
        i = rng.choice(spots)
        moved = new[i + 2][0]
        new[i].append(moved)
        del new[i + 2]
        return new, [("moved", (moved,), (moved,))]
    if not multi:
        return None
    i = rng.choice(multi)
    para = new[i]
    at = {"start": 0, "end": len(para) - 1, "middle": rng.randrange(1, len(para) - 1)}[where]
    sentence = para[at]
    if kind == "changed":
        if len(sentence.split()) < 8:
            return None
        para[at] = _word_swap(sentence, rng, pool)
        return new, [("changed", (sentence,), (para[at],))]
    if kind == "added":
        added = rng.choice(extra)
        para.insert(at + (where == "end"), added)
        return new, [("added", (), (added,))]
    if kind == "removed":
        del para[at]
        return new, [("removed", (sentence,), ())]
    if kind == "moved":
        others = [k for k in range(len(new)) if abs(k - i) > 1]
        if not others:
            return None
        del para[at]
        target = new[rng.choice(others)]
        target.insert(rng.choice((0, len(target))), sentence)
        return new, [("moved", (sentence,), (sentence,))]
    if kind == "split":
        cuts = [m for m in re.finditer(r", (?:and |but )?(?=[a-z])", sentence)
                if len(sentence[:m.start()].split()) >= 5 and len(sentence[m.end():].split()) >= 5]
        if not cuts or not sentence.endswith("."):
            return None
        m = rng.choice(cuts)
        first, rest = sentence[:m.start()] + ".", sentence[m.end():]
        second = rest[0].upper() + rest[1:]
        para[at:at + 1] = [first, second]
        return new, [("split", (sentence,), (first, second))]
    if kind in ("merged", "merged across a removed sentence"):
        span = 2 if kind == "merged" else 3
        start = {"start": 0, "end": len(para) - span, "middle": max(0, min(at, len(para) - span))}[where]
        group = para[start:start + span]
        if len(group) < span or not all(s.endswith(".") for s in group) or len(" ".join(group).split()) > 70:
            return None
        merged = _join(group[0], group[-1])
        para[start:start + span] = [merged]
        entries: list[Entry] = [("merged", (group[0], group[-1]), (merged,))]
        if span == 3:
            entries.append(("removed", (group[1],), ()))
        return new, entries
    raise ValueError(kind)


ALIGN_KINDS = ("changed", "added", "removed", "moved", "moved past a one-sentence paragraph", "split", "merged",
               "merged across a removed sentence")


def report_alignment(corpus: list[list[str]], count: int) -> None:
    reference = _reference()
    # Paragraphs of plain sentences: quotations are left out (newsdiff splits inside them by design,
    # pySBD does not), and so are lines that end in no sentence mark (headings, bylines, captions).
    articles = [[reference(p) for p in paragraphs if _PLAIN_PARAGRAPH.match(p)]
                for paragraphs in corpus if english(paragraphs)]
    articles = [[p for p in a if all(len(s.split()) >= 4 for s in p)] for a in articles]
    articles = [a for a in articles if len(a) >= 4]
    pool = sorted({w for a in articles for p in a for s in p for w in s.split(" ") if w.isalpha() and w.islower()})
    extra = [s for s in plain_sentences(corpus)]
    rng = random.Random(5)
    found: Counter[str] = Counter()
    tried: Counter[str] = Counter()
    expected_total = reported_total = matched_total = 0
    for kind in ALIGN_KINDS:
        for n in range(count):
            article = rng.choice(articles)
            edited = edit_article(article, kind, ("middle", "start", "end")[n % 3], rng, pool, extra)
            if edited is None:
                continue
            new, expected = edited
            old_record = ArticleRecord(tuple(" ".join(p) for p in article))
            new_record = ArticleRecord(tuple(" ".join(p) for p in new if p))
            report = diff_records(old_record, new_record)
            got = {(c.op, c.old, c.new) for c in report.alignment
                   if not hasattr(c, "sentences") and not c.cosmetic}
            hit = set(expected) <= got
            tried[kind] += 1
            found[kind] += hit
            expected_total += len(expected)
            reported_total += len(got)
            matched_total += len(set(expected) & got)
    print("\nalignment (version pairs of real articles, one known edit each)")
    for kind in ALIGN_KINDS:
        print(f"  {kind:<38} {found[kind]:>4}/{tried[kind]:<4} {found[kind] / max(1, tried[kind]):6.1%}")
    precision, recall = matched_total / max(1, reported_total), matched_total / max(1, expected_total)
    f1 = 2 * precision * recall / max(1e-9, precision + recall)
    print(f"  {'entries: precision / recall / F1':<38} {precision:.3f} / {recall:.3f} / {f1:.3f}")


def report_accounts() -> None:
    """Two outlets' stories on one event (the seed articles): what `diff FILE FILE` pairs."""
    from newsdiff.sources import parse_bytes

    print("\ntwo outlets' accounts (seeds 000-002: three stories on one event)")
    seeds = sorted((ROOT / "seeds").glob("00[012]_*.txt"))
    records = [parse_bytes(path.read_bytes()).versions[0] for path in seeds]
    for i, j in ((0, 1), (0, 2), (1, 2)):
        report = diff_records(records[i], records[j])
        ops = Counter(c.op for c in report.alignment if not hasattr(c, "sentences"))
        kept = sum(len(c.sentences) for c in report.alignment if hasattr(c, "sentences"))
        print(f"  {seeds[i].name[:3]} -> {seeds[j].name[:3]}: changed {ops['changed']}, removed {ops['removed']}, "
              f"added {ops['added']}, kept {kept}")


# -- NewsSniffer dumps -----------------------------------------------------------------------------


def _quoted(paragraph: str) -> str:
    return f"“{paragraph}”"


def dump_cases(corpus: list[list[str]], count: int) -> dict[str, list[Dump]]:
    """Dumps per kind; each is a run of real paragraphs with the kind's edit in it (at an edge of
    the table as often as inside)."""
    rng = random.Random(9)
    paragraphs = [p for article in corpus for p in article if 8 <= len(p.split()) <= 120]
    phrases = [" ".join(p.split()[:rng.randint(2, 4)]).rstrip(".,;:") for p in paragraphs]
    phrases = [p for p in phrases if p and p[0].isupper()]
    cases: dict[str, list[Dump]] = defaultdict(list)

    def around(edited: tuple[list[str], list[str]]) -> tuple[list[str], list[str]]:
        before, after = rng.sample(paragraphs, rng.randint(0, 3)), rng.sample(paragraphs, rng.randint(0, 3))
        return before + edited[0] + after, before + edited[1] + after

    for _ in range(count):
        p, q, x, a, b = rng.sample(paragraphs, 5)
        words = p.split(" ")
        w = rng.randrange(len(words))
        cases["ordinary edit"].append(Dump(*around(([p], [" ".join(words[:w] + [str(rng.randrange(2, 999))]
                                                                    + words[w + 1:])]))))
        cases["ordinary edit"].append(Dump(*around(([p], [f"{p} {q.split('. ')[0].rstrip('.')}."]))))
        cases["moved paragraph in a changed row"].append(Dump([a, p, q, x, b], [a, q, p, b]))
        cases["moved paragraph in a changed row"].append(Dump([a, x, q, p, b], [a, p, q, b]))
        cases["unrelated paragraphs in one row"].append(Dump(*around(([x], [p]))))
        phrase = rng.choice(phrases)
        url = f"https://www.example.org/{'-'.join(phrase.lower().split())}"
        cases["very short paragraph edited"].append(Dump(*around(([phrase], [_quoted(phrase)]))))
        cases["very short paragraph edited"].append(Dump(*around(([url], [url + "?page=2"]))))
        numbered = [phrase + " " + str(rng.randrange(10, 99)) for _ in range(2)]
        cases["quote-wrapped, no end mark"].append(Dump(*around(([numbered[0]], [_quoted(numbered[1])]))))
        n = rng.randrange(1, 9)
        item = " ".join(p.split()[:rng.randint(3, 6)]).rstrip(".,;:")
        cases["numbered item renumbered"].append(Dump(*around(([f"{n}. {item}"], [f"{n + 1}. {item}"]))))
        title = " ".join(p.split()[:rng.randint(1, 3)]).upper().rstrip(".,;:")
        tail = " ".join(q.split()[1:rng.randint(3, 6)]).rstrip(".,;:").lower()
        cases["capitalised title, words appended"].append(Dump(*around(([p], [p])), old_title=title,
                                                               new_title=f"{title} {tail}"))
    return cases


def _words(text: str | None) -> set[str]:
    return set((text or "").split())


def score_dump(dump: Dump) -> tuple[int, int, int, int, bool]:
    """Rows right, rows, hard rows right, hard rows, and whether every row and both titles came back
    right (a row seen once cannot say its side, so "exact" is as exact as the text allows)."""
    text = scrape(render_html(dump), heading=None)
    try:
        parsed = parse_dump_text(text)
    except Exception:  # noqa: BLE001 - a refused dump scores nothing
        return 0, 1, 0, 0, False
    truth = [(kind, old, new) for kind, old, new in dump_rows(dump.old, dump.new)]
    rows = parsed.details["rows"]
    right = hard = hard_right = 0
    seen = Counter(dump.old + dump.new)
    for (kind, old, new), row in zip(truth, rows, strict=False):  # a parse may find more or fewer rows
        if kind in ("added", "removed"):
            ok = row["kind"] == "single" and (row["old"] or row["new"]) == (old or new)
        else:
            ok = (row["old"], row["new"]) == (old, new)
            # A deleted and an added paragraph in one row, neither seen elsewhere: nothing tells where
            # one ends, so keeping the row whole is right.
            undecidable = (kind == "changed"
                           and len(_words(old) & _words(new)) * 2 < len(_words(old) | _words(new)) // 2
                           and seen[old] == seen[new] == 1)
            ok = ok or (undecidable and row["kind"] == "single" and (row["old"] or row["new"]) == f"{old} {new}")
        right += ok
        if kind == "changed" and len(_words(old) & _words(new)) * 2 < min(len(_words(old)), len(_words(new))):
            hard += 1
            hard_right += ok
    titles = (parsed.versions[0].title, parsed.versions[1].title) == dump.titles
    exact = len(rows) == len(truth) and right == len(truth) and titles
    return right, len(truth), hard_right, hard, exact


def report_dumps(corpus: list[list[str]], count: int) -> None:
    print("\nNewsSniffer dumps (rendered from real paragraphs, scraped to text, parsed back)")
    print(f"  {'kind':<36} {'rows right':>14} {'hard rows':>12} {'dumps exact':>14}")
    totals = [0, 0, 0, 0, 0, 0]
    for kind, dumps in dump_cases(corpus, count).items():
        scores = [score_dump(d) for d in dumps]
        right, rows, hard_right, hard = (sum(s[k] for s in scores) for k in range(4))
        exact = sum(s[4] for s in scores)
        for k, value in enumerate((right, rows, hard_right, hard, exact, len(dumps))):
            totals[k] += value
        hard_cell = f"{hard_right}/{hard}" if hard else "-"
        print(f"  {kind:<36} {right:>6}/{rows:<7} {hard_cell:>12} {exact:>6}/{len(dumps):<7}")
    right, rows, hard_right, hard, exact, dumps = totals
    print(f"  {'all':<36} {right / rows:>13.1%} {hard_right / max(1, hard):>12.1%} {exact / dumps:>13.1%}")
    print("  (a paragraph seen once counts as right when the row keeps it whole: its side is unknowable)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=300, help="cases per kind")
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared",
                        help="the shared fixtures folder beside the clone (default: ../shared)")
    parser.add_argument("--only", choices=("segmentation", "alignment", "accounts", "dumps"), action="append")
    args = parser.parse_args()
    try:
        import pysbd  # noqa: F401
    except ImportError:
        print("bench_fidelity: the reference segmenter is missing: pip install pysbd", file=sys.stderr)
        return 1
    if not (args.shared / "fixtures").is_dir():
        print(f"note: {args.shared / 'fixtures'} not found: using the repository's pages alone", file=sys.stderr)
    corpus = pages(args.shared)
    print(f"{len(corpus)} real articles, {sum(map(len, corpus))} paragraphs\n")
    only = set(args.only or ("segmentation", "alignment", "accounts", "dumps"))
    if "segmentation" in only:
        report_segmentation(corpus, args.cases)
    if "alignment" in only:
        report_alignment(corpus, args.cases)
    if "accounts" in only:
        report_accounts()
    if "dumps" in only:
        report_dumps(corpus, args.cases)
    return 0


if __name__ == "__main__":
    sys.exit(main())
