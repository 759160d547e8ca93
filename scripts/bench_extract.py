#!/usr/bin/env python
"""Article extraction quality and speed: newsdiff against trafilatura alone and readability-lxml alone.

On the real news pages in fixtures/readability-news/ (source.html.gz, the body a good extractor
keeps in expected.html.gz, the headline in expected-metadata.json) it reports, per page and on
average, the word-4-gram F1 of each extractor's body text against the expected text, whether its
headline matches exactly, how many of the expected text's paragraphs (its blocks and line breaks) it
gives word for word as paragraphs of its own, and pages per second on this one core, all in one run.

Words are lower-cased runs of letters and digits, so punctuation and spacing do not count; a
page an extractor refuses or fails on scores 0. `nytimes-5` is the NYT en Español front page,
which newsdiff refuses by design (a tracker must not store a front page as an article), so it
scores 0 there: the summary gives the mean over the article pages alone and over all pages.
newsdiff's body is the record's text, its paragraphs; the standfirst it keeps apart is not counted.
Under the table, newsdiff's headline misses are listed beside the expected title, to be judged:
the expected titles come from <title> or og:title and often keep a site name or author suffix.
Headlines are counted exactly, with such a suffix aside, and the same on the article pages whose
expected title is a headline (not the site's name the page declares and does not show).

Then, when the shared fixtures sit beside the clone (`../shared`, or `--shared DIR`), trafilatura's own
multilingual benchmark (fixtures/trafilatura-eval/eval.tar.gz: 923 archived pages and evaldata.json's
snippets each page's main text must contain, `with`, and must not, `without`), scored as trafilatura's
tests/eval_gate.py scores it: whitespace-folded substring matches, F1 = 2TP / (2TP + FP + FN), a page an
extractor refuses or fails on counting every `with` snippet missed. trafilatura runs as that gate's
"fallback" runner (its F1 floor there: 0.9253); newsdiff's text is its standfirst and paragraphs (a
reader sees both); readability-lxml's, its summary's text. The pages where newsdiff scores below
trafilatura are listed, worst first. The archive is read as it is, without unpacking it.

With `--save FILE`, newsdiff's text and score on every page are written to FILE (JSON); with `--compare
FILE`, a file saved so before a change, the pages whose newsdiff text the change altered are counted on
each set and listed with their scores before and after (a changed text is a new version of every
article already tracked from such a page). `--newsdiff-only` leaves the peers out, to measure a change.

    python scripts/bench_extract.py [--fixtures DIR] [--page NAME ...] [--shared DIR] [--eval-pages N]
                                    [--save FILE] [--compare FILE] [--newsdiff-only]
"""

from __future__ import annotations

import argparse
import gzip
import json
import logging
import re
import statistics
import sys
import tarfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import lxml.html
import trafilatura
from readability import Document

from newsdiff.model import InputError, clean_text
from newsdiff.sources.html import parse_html

NOT_ARTICLES = {"nytimes-5": "the NYT en Español front page"}
_BLOCKS = {"p", "div", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "figcaption", "td", "th", "tr",
           "pre", "section", "article", "ul", "ol", "dd", "dt", "figure", "br", "table"}

Extractor = Callable[[bytes], tuple[str, str | None]]  # page bytes -> (body text, headline)


def html_text(markup: str | bytes) -> str:
    """Visible text of an HTML fragment with block boundaries kept as line breaks."""
    root = lxml.html.fromstring(markup)
    for element in root.iter():
        if element.tag in _BLOCKS:
            element.text = "\n" + (element.text or "")
            element.tail = "\n" + (element.tail or "")
    return root.text_content()


def lines(text: str) -> list[str]:
    """A text's paragraphs as its lines, each with its spacing folded: what a reader compares one by one."""
    return [line for line in (" ".join(clean_text(raw).split()) for raw in text.split("\n")) if line]


def grams(text: str, n: int = 4) -> Counter[tuple[str, ...]]:
    words = re.findall(r"\w+", clean_text(text).lower())  # soft hyphens and other invisibles are not word breaks
    return Counter(tuple(words[i:i + n]) for i in range(len(words) - n + 1))


def f1(got: str, expected: str) -> float:
    ours, theirs = grams(got), grams(expected)
    overlap = sum((ours & theirs).values())
    if not overlap:
        return 0.0
    precision, recall = overlap / sum(ours.values()), overlap / sum(theirs.values())
    return 2 * precision * recall / (precision + recall)


def run_newsdiff(data: bytes) -> tuple[str, str | None]:
    try:
        record = parse_html(data).versions[0]
    except InputError:
        return "", None
    return record.text, record.title


def newsdiff_with_standfirst(data: bytes) -> str | None:
    """What a reader of newsdiff's record sees of the article: standfirst, then paragraphs."""
    try:
        record = parse_html(data).versions[0]
    except InputError:
        return None
    return "\n".join(filter(None, (record.standfirst, record.text)))


def trafilatura_fallback(data: bytes) -> str | None:
    """trafilatura as its own benchmark gate runs it with fallbacks."""
    return trafilatura.extract(data, fast=False, include_comments=False, include_tables=True, include_formatting=False)


def readability_text(data: bytes) -> str | None:
    return html_text(Document(data).summary())


EVAL_EXTRACTORS: dict[str, Callable[[bytes], str | None]] = {
    "newsdiff": newsdiff_with_standfirst,
    "trafilatura": trafilatura_fallback,
    "readability-lxml": readability_text,
}


def _fold(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def snippet_counts(item: dict, text: str | None) -> tuple[int, int, int]:
    """(true positives, false positives, false negatives) of one page, as trafilatura's gate counts them."""
    folded = _fold(text) if text else None
    tp = sum(1 for w in item["with"] if folded is not None and _fold(w) in folded)
    fp = sum(1 for w in item["without"] if folded is not None and _fold(w) in folded)
    return tp, fp, len(item["with"]) - tp


def eval_pages(archive: Path, limit: int | None) -> tuple[dict[str, dict], list[tuple[str, bytes]]]:
    """evaldata.json's entries by file name, and the pages (name, bytes) that entries refer to, in
    archive order. Read straight from the .tar.gz, twice (it is read in order, not seeked)."""
    with tarfile.open(archive, "r:gz") as tar:
        for member in tar:
            if member.name.endswith("/evaldata.json"):
                entries = json.load(tar.extractfile(member))  # type: ignore[arg-type]
                break
        else:
            raise SystemExit(f"{archive}: no evaldata.json inside")
    by_file = {item["file"]: item for item in entries.values()}
    pages: list[tuple[str, bytes]] = []
    with tarfile.open(archive, "r:gz") as tar:
        for member in tar:
            name = member.name.rsplit("/", 1)[-1]
            if member.isfile() and "/eval/" in member.name and name in by_file:
                pages.append((name, tar.extractfile(member).read()))  # type: ignore[union-attr]
                if limit and len(pages) >= limit:
                    break
    return by_file, pages


def eval_f1(tp: int, fp: int, fn: int) -> float:
    return 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 0.0


def run_eval(archive: Path, limit: int | None, saved: dict[str, dict]) -> None:
    """The benchmark's table; newsdiff's text and counts on each page go into `saved`."""
    by_file, pages = eval_pages(archive, limit)
    print(f"\ntrafilatura's own benchmark: {len(pages)} pages with entries ({len(by_file)} entries in evaldata.json)")
    totals = {tool: [0, 0, 0] for tool in EVAL_EXTRACTORS}
    seconds = dict.fromkeys(EVAL_EXTRACTORS, 0.0)
    per_page: dict[str, dict[str, tuple[int, int, int]]] = {}
    for name, data in pages:
        item = by_file[name]
        per_page[name] = {}
        for tool, extract in EVAL_EXTRACTORS.items():
            start = time.perf_counter()
            try:
                text = extract(data)
            except Exception:  # noqa: BLE001 - a crash is a page missed, as in trafilatura's own gate
                text = None
            seconds[tool] += time.perf_counter() - start
            counts = snippet_counts(item, text)
            per_page[name][tool] = counts
            if tool == "newsdiff":
                saved[name] = {"text": text, "score": eval_f1(*counts), "counts": counts}
            for k in range(3):
                totals[tool][k] += counts[k]
    header = "".join(f"{tool:>18}" for tool in EVAL_EXTRACTORS)
    print(f"{'':<28}{header}")
    f1 = eval_f1
    rows: list[tuple[str, Callable[[str], str]]] = [
        ("F1 (2TP / (2TP+FP+FN))", lambda t: f"{f1(*totals[t]):.4f}"),
        ("precision", lambda t: f"{totals[t][0] / max(1, totals[t][0] + totals[t][1]):.4f}"),
        ("recall", lambda t: f"{totals[t][0] / max(1, totals[t][0] + totals[t][2]):.4f}"),
        ("TP / FP / FN", lambda t: "/".join(map(str, totals[t]))),
        ("pages per second", lambda t: f"{len(pages) / seconds[t]:.1f}"),
    ]
    for label, cell in rows:
        print(f"{label:<28}" + "".join(f"{cell(t):>18}" for t in EVAL_EXTRACTORS))
    if "trafilatura" not in EVAL_EXTRACTORS:
        return
    losses = sorted(((f1(*per_page[n]["trafilatura"]) - f1(*per_page[n]["newsdiff"]), n) for n in per_page),
                    reverse=True)
    losses = [(gap, name) for gap, name in losses if gap > 0]
    print(f"\npages where newsdiff scores below trafilatura: {len(losses)} "
          "(worst 25; TP/FP/FN newsdiff vs trafilatura)")
    for _gap, name in losses[:25]:
        print(f"  {name:<50} {'/'.join(map(str, per_page[name]['newsdiff'])):>8}  "
              f"{'/'.join(map(str, per_page[name]['trafilatura'])):>8}")


def run_trafilatura(data: bytes) -> tuple[str, str | None]:
    document = trafilatura.bare_extraction(data, with_metadata=True)
    return (document.text or "", document.title) if document is not None else ("", None)


def run_readability(data: bytes) -> tuple[str, str | None]:
    document = Document(data)
    return html_text(document.summary()), document.short_title()


EXTRACTORS: dict[str, Extractor] = {
    "newsdiff": run_newsdiff,
    "trafilatura": run_trafilatura,
    "readability-lxml": run_readability,
}


@dataclass
class Page:
    name: str
    source: bytes
    expected: str
    title: str
    headlines: frozenset[str] = frozenset()  # the title, and the title without a site-name or author suffix
    site_title: bool = False  # the expected title is the name the page gives its site, not a headline
    paragraphs: tuple[str, ...] = ()  # the expected text's paragraphs (its blocks and line breaks)


@dataclass
class Score:
    f1: dict[str, float] = field(default_factory=dict)
    title: dict[str, bool] = field(default_factory=dict)
    headline: dict[str, bool] = field(default_factory=dict)  # site-name or author suffix aside
    paragraphs: dict[str, int] = field(default_factory=dict)  # expected paragraphs given exactly


_SEPARATORS = (" - ", " | ", " – ", " — ", " · ", " :: ")


def headlines(metadata: dict) -> frozenset[str]:
    """The declared title, and the same without a trailing site name or author the metadata names (what
    the issue asks for: headlines exact without site-name suffixes)."""
    title = clean_text(metadata.get("title") or "")
    found = {title}
    for suffix in filter(None, (metadata.get("siteName"), metadata.get("byline"))):
        for separator in _SEPARATORS:
            if title.endswith(separator + clean_text(suffix)):
                found.add(title[: -len(separator + clean_text(suffix))])
    return frozenset(found)


def names_its_site(source: bytes, title: str) -> bool:
    """Is this title the name the page declares for its site (og:site_name, application-name), and
    neither its <title> nor an <h1> shows it? Then the page's metadata gives no headline to match (a
    Yahoo page whose og:title and application-name are 'Yahoo News - Latest News & Headlines', while its
    <title> and <h1> hold the story's headline). Some pages name their app after the article: those
    show it as their <title> or <h1>, and count."""
    root = lxml.html.fromstring(source)
    names = {clean_text(m.get("content") or "").casefold() for m in root.iter("meta")
             if (m.get("property") or m.get("name") or "").lower() in ("og:site_name", "application-name")}
    shown = {clean_text(e.text_content()).casefold() for e in (*root.iter("title"), *root.iter("h1"))}
    return title.casefold() in names and title.casefold() not in shown


def load(folder: Path, names: list[str]) -> list[Page]:
    pages = []
    for directory in sorted(p for p in folder.iterdir() if p.is_dir()):
        if names and directory.name not in names:
            continue
        expected = gzip.decompress((directory / "expected.html.gz").read_bytes()).decode("utf-8")
        metadata = json.loads((directory / "expected-metadata.json").read_text("utf-8"))
        source = gzip.decompress((directory / "source.html.gz").read_bytes())
        title = clean_text(metadata.get("title") or "")
        pages.append(Page(
            name=directory.name,
            source=source,
            expected=html_text(expected),
            title=title,
            headlines=headlines(metadata),
            site_title=names_its_site(source, title),
            paragraphs=tuple(lines(html_text(expected))),
        ))
    return pages


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fixtures", type=Path,
                        default=Path(__file__).resolve().parent.parent / "fixtures" / "readability-news")
    parser.add_argument("--page", action="append", default=[], help="only this page (repeatable)")
    root = Path(__file__).resolve().parent.parent
    parser.add_argument("--shared", type=Path, default=root.parent / "shared",
                        help="the shared fixtures folder beside the clone "
                             "(default: ../shared from the repository root)")
    parser.add_argument("--eval-pages", type=int, default=None,
                        help="score only the first N pages of trafilatura's benchmark")
    parser.add_argument("--no-readability-pages", action="store_true", help="skip the fixtures/readability-news pages")
    parser.add_argument("--save", type=Path, help="write newsdiff's text and score on every page to this JSON file")
    parser.add_argument("--compare", type=Path,
                        help="a file --save wrote before a change: list the pages whose newsdiff text changed")
    parser.add_argument("--newsdiff-only", action="store_true", help="leave trafilatura and readability-lxml out")
    args = parser.parse_args()
    before = json.loads(args.compare.read_text("utf-8")) if args.compare else None
    if args.newsdiff_only:
        for tools in (EXTRACTORS, EVAL_EXTRACTORS):
            for tool in [t for t in tools if t != "newsdiff"]:
                del tools[tool]
    saved: dict[str, dict[str, dict]] = {"news": {}, "eval": {}}
    logging.disable(logging.WARNING)  # trafilatura and readability narrate every page
    archive = args.shared / "fixtures" / "trafilatura-eval" / "eval.tar.gz"
    if args.no_readability_pages:
        pages = []
    else:
        pages = load(args.fixtures, args.page)
        if not pages:
            print(f"no pages in {args.fixtures}", file=sys.stderr)
            return 1
        readability_pages(pages, saved["news"])
    if archive.is_file():
        run_eval(archive, args.eval_pages, saved["eval"])
    else:
        print(f"\ntrafilatura's benchmark NOT RUN: {archive} is missing (the shared fixtures are expected beside "
              "the clone, at ../shared; or pass --shared DIR)", file=sys.stderr)
    if before is not None:
        compare(before, saved)
    if args.save:
        args.save.write_text(json.dumps(saved, ensure_ascii=False, indent=1), "utf-8")
    return 0


def compare(before: dict[str, dict[str, dict]], after: dict[str, dict[str, dict]]) -> None:
    """The pages of each set whose newsdiff text differs from a saved run's, with their scores then and
    now (F1 on the news pages, the snippet F1 and TP/FP/FN on the benchmark's)."""
    for kind in ("news", "eval"):
        common = sorted(set(before.get(kind, {})) & set(after[kind]))
        changed = [name for name in common if before[kind][name]["text"] != after[kind][name]["text"]]
        if not common:
            continue
        delta = sum(after[kind][n]["score"] - before[kind][n]["score"] for n in changed)
        better = sum(after[kind][n]["score"] > before[kind][n]["score"] for n in changed)
        worse = sum(after[kind][n]["score"] < before[kind][n]["score"] for n in changed)
        print(f"\n{kind}: newsdiff's text changed on {len(changed)} of {len(common)} pages "
              f"(score up on {better}, down on {worse}, sum of changes {delta:+.4f}); those whose score changed:")
        for name in changed:
            if before[kind][name]["score"] == after[kind][name]["score"] and kind == "eval":
                continue
            old, new = before[kind][name], after[kind][name]
            extra = (f"  paragraphs exact {old['paragraphs']} -> {new['paragraphs']}" if "paragraphs" in new
                     else f"  TP/FP/FN {'/'.join(map(str, old['counts']))} -> {'/'.join(map(str, new['counts']))}")
            print(f"  {name:<50} {old['score']:.3f} -> {new['score']:.3f}{extra}")


def readability_pages(pages: list[Page], saved: dict[str, dict]) -> None:
    """The fixtures/readability-news table and summary; newsdiff's text and scores on each page go
    into `saved`."""
    scores = {page.name: Score() for page in pages}
    titles: dict[str, str | None] = {}  # newsdiff's, to show beside the expected one when they differ
    seconds = dict.fromkeys(EXTRACTORS, 0.0)
    for page in pages:  # page by page, so that a busy moment on the machine slows every tool alike
        for tool, extract in EXTRACTORS.items():
            start = time.perf_counter()
            body, title = extract(page.source)
            seconds[tool] += time.perf_counter() - start
            scores[page.name].f1[tool] = f1(body, page.expected)
            scores[page.name].title[tool] = clean_text(title or "") == page.title
            scores[page.name].headline[tool] = clean_text(title or "") in page.headlines
            given = set(lines(body))
            scores[page.name].paragraphs[tool] = sum(paragraph in given for paragraph in page.paragraphs)
            if tool == "newsdiff":
                titles[page.name] = title
                saved[page.name] = {"text": body, "title": title, "score": scores[page.name].f1[tool],
                                    "paragraphs": scores[page.name].paragraphs[tool]}

    width = max(len(p.name) for p in pages) + 2
    header = "".join(f"{tool:>18}" for tool in EXTRACTORS)
    print(f"{'word-4-gram F1':<{width}}{header}")
    for page in pages:
        row = "".join(f"{scores[page.name].f1[t]:>17.3f}{'' if scores[page.name].title[t] else '*'}"
                      + ("" if not scores[page.name].title[t] else " ") for t in EXTRACTORS)
        note = f"  ({NOT_ARTICLES[page.name]})" if page.name in NOT_ARTICLES else ""
        print(f"{page.name:<{width}}{row}{note}")
    print("(* headline differs from expected-metadata.json)\n")
    articles = [p for p in pages if p.name not in NOT_ARTICLES]
    headlined = [p for p in articles if not p.site_title]  # pages whose metadata gives a headline to match
    refused = [p.name for p in pages if p.name in NOT_ARTICLES]
    rows: list[tuple[str, Callable[[str], str]]] = [
        (f"mean F1, {len(articles)} article pages",
         lambda t: f"{statistics.mean(scores[p.name].f1[t] for p in articles):.3f}" if articles else "-"),
        (f"mean F1, all {len(pages)} pages", lambda t: f"{statistics.mean(scores[p.name].f1[t] for p in pages):.3f}"),
        ("median F1, all pages", lambda t: f"{statistics.median(scores[p.name].f1[t] for p in pages):.3f}"),
        ("pages with F1 >= 0.9", lambda t: f"{sum(scores[p.name].f1[t] >= 0.9 for p in pages)}/{len(pages)}"),
        ("headline exact", lambda t: f"{sum(scores[p.name].title[t] for p in pages)}/{len(pages)}"),
        ("headline exact, suffix aside", lambda t: f"{sum(scores[p.name].headline[t] for p in pages)}/{len(pages)}"),
        (f"  same, {len(headlined)} articles titled",
         lambda t: f"{sum(scores[p.name].headline[t] for p in headlined)}/{len(headlined)}"),
        ("paragraphs exact", lambda t: f"{sum(scores[p.name].paragraphs[t] for p in pages)}"
                                       f"/{sum(len(p.paragraphs) for p in pages)}"),
        ("pages per second", lambda t: f"{len(pages) / seconds[t]:.1f}"),
        ("speed vs newsdiff", lambda t: f"{seconds['newsdiff'] / seconds[t]:.2f}x"),
    ]
    label_width = max(width, max(len(label) for label, _ in rows) + 2)
    print(f"{'':<{label_width}}{header}")
    for label, cell in rows:
        print(f"{label:<{label_width}}" + "".join(f"{cell(t):>18}" for t in EXTRACTORS))
    for name in refused:
        print(f"\n{name} is {NOT_ARTICLES[name]}: newsdiff refuses it (no article found), which scores 0 there.")
    untitled = [p.name for p in articles if p.site_title]
    print(f"\n'articles titled': the article pages but {', '.join(untitled) or 'none'}, whose expected title is "
          "the name the page gives its site (og:site_name or application-name, shown in no <title> or <h1>), "
          "not a headline.")
    misses = [p for p in pages if not scores[p.name].title["newsdiff"]]
    if misses:
        print("\nnewsdiff headline misses (expected / newsdiff):")
        for page in misses:
            print(f"  {page.name:<{width}}{page.title!r}\n  {'':<{width}}{titles[page.name]!r}")


if __name__ == "__main__":
    sys.exit(main())
