"""`newsdiff export`: every article with all its versions, or one record per version pair with its
sentence alignment (a revision dataset in the NewsEdits style), written as it is read.

Articles come from a cursor and each history is rebuilt run by run (`Store.rebuilt_versions`), so
memory stays flat whatever the database size. The export reads one snapshot (a read transaction) and
writes nothing: a pair's report comes from the report cache when `publish` or `feed --cosmetic` left it
there (the export shows cosmetic changes), else from the engine, uncached; sentences are segmented on
the fly rather than cached, or a full export would store a second copy of every text in the cache.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator, Mapping
from typing import Any, TextIO

from .diff import diff_records, segment_paragraphs
from .model import ArticleRecord
from .reports import Report
from .reports.cache import Reports
from .render import EXPORT_FORMATS as FORMATS
from .store import DamagedHistory, Rebuilt, Store

_ROW_FIELDS = ["captured_at", "title", "byline", "standfirst", "published", "word_count", "content_hash", "format",
               "extractor", "label"]  # as the versions table has them
VERSION_FIELDS = ["article_id", "key", "url", "source", "version", *_ROW_FIELDS, "reader_change", "raw_sha256", "text"]
PAIR_FIELDS = ["article_id", "key", "url", "source", "from_version", "to_version", "from_captured_at", "to_captured_at",
               "reader_change"]
SENTENCE_FIELDS = [*PAIR_FIELDS, "op", "old_index", "new_index", "old", "new", "tags", "field"]
HEADER_FIELDS = ("title", "byline", "standfirst")  # compared on their own, outside the sentence alignment


def _sound(article_id: int, item: Rebuilt, damaged: list[DamagedHistory] | None) -> bool:
    """Whether a rebuilt version can be exported. An export never carries a damaged text: a damaged
    version is added to `damaged`, so one bad version need not keep every other article from the
    dataset, or raises when the caller keeps no such list (damage is never passed over silently)."""
    if item.problem or item.text is None:
        problem = DamagedHistory(article_id, item.number, item.problem or "cannot rebuild")
        if damaged is None:
            raise problem
        damaged.append(problem)
        return False
    return True


def version_records(store: Store, since: str | None = None,
                    damaged: list[DamagedHistory] | None = None) -> Iterator[dict[str, Any]]:
    """One flat record per version (article fields repeated), oldest version first within an article;
    versions that cannot be rebuilt are left out and added to `damaged` (without it, DamagedHistory)."""
    for article in store.article_summaries():
        pages = store.raw_digests(article["article_id"])  # the page or file each version was read from, for evidence
        for item in store.rebuilt_versions(article["article_id"], since):
            if not _sound(article["article_id"], item, damaged):
                continue
            row = item.row
            yield {**article, "version": row["number"], **{f: row[f] for f in _ROW_FIELDS},
                   "reader_change": bool(row["reader_change"]), "raw_sha256": pages.of(item), "text": item.text}


def pair_records(store: Store, since: str | None = None,
                 damaged: list[DamagedHistory] | None = None) -> Iterator[dict[str, Any]]:
    """One record per pair of consecutive versions whose newer one was captured at or after `since`:
    headline (and byline, standfirst when either version has one) compared on their own, then the full
    sentence alignment (every sentence of both versions in exactly one entry). Pairs with a version
    that cannot be rebuilt are left out, and the version added to `damaged` (without it, DamagedHistory)."""
    reports = Reports(store, cosmetic=True)
    for article in store.article_summaries():
        previous: tuple[Mapping[str, Any], ArticleRecord, list[list[str]]] | None = None
        for item in store.rebuilt_versions(article["article_id"]):
            if not _sound(article["article_id"], item, damaged):
                previous = None
                continue
            record = store.as_record(dict(item.row), item.text)
            sentences = segment_paragraphs(record.paragraphs)
            if previous is not None and (since is None or item.row["captured_at"] >= since):
                old_row, old_record, old_sentences = previous
                report = reports.peek(old_row["id"], item.row["id"], [s for p in sentences for s in p])
                if report is None:
                    report = Report.of(diff_records(old_record, record, old_sentences=old_sentences,
                                                    new_sentences=sentences), cosmetic=True)
                yield {
                    **article, "from_version": old_row["number"], "to_version": item.row["number"],
                    "from_captured_at": old_row["captured_at"], "to_captured_at": item.row["captured_at"],
                    "reader_change": bool(item.row["reader_change"]),
                    **{name: {key: field[key] for key in ("old", "new", "changed", "tags")}
                       for name, field in report.fields.items()},
                    "summary": report.summary,
                    "sentences": [{key: entry[key] for key in ("op", "old_index", "new_index", "old", "new", "tags")}
                                  for entry in report.changes],
                }
            previous = (item.row, record, sentences)


def _csv_rows(pairs: Iterator[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """CSV cannot nest: one row per changed headline, byline or standfirst (`field` names it; no
    indexes), then one per alignment entry (`field` is `text`); lists joined (indexes and tags by ';')."""
    for pair in pairs:
        keys = {f: pair[f] for f in PAIR_FIELDS}
        for name in HEADER_FIELDS:
            change = pair.get(name)
            if change and change["changed"]:
                op = "added" if not change["old"] else "removed" if not change["new"] else "changed"
                yield {**keys, "op": op, "old_index": "", "new_index": "", "old": change["old"] or "",
                       "new": change["new"] or "", "tags": ";".join(change["tags"]), "field": name}
        for entry in pair["sentences"]:
            yield {**keys, "op": entry["op"],
                   "old_index": ";".join(map(str, entry["old_index"])),
                   "new_index": ";".join(map(str, entry["new_index"])),
                   "old": " ".join(entry["old"]), "new": " ".join(entry["new"]), "tags": ";".join(entry["tags"]),
                   "field": "text"}


def export(store: Store, out: TextIO, *, fmt: str = "jsonl", since: str | None = None, sentences: bool = False,
           damaged: list[DamagedHistory] | None = None) -> int:
    """Write the export to `out` as it is read; returns how many records were written. Versions that
    cannot be rebuilt (and the pairs they belong to) are left out and added to `damaged`; without a
    `damaged` list the first one raises DamagedHistory."""
    if fmt not in FORMATS:
        raise ValueError(f"--format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    count = 0
    with store.snapshot():  # a poll writing meanwhile cannot tear the export
        records = (pair_records if sentences else version_records)(store, since, damaged)
        if fmt == "jsonl":
            for record in records:
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
                count += 1
        else:
            rows = _csv_rows(records) if sentences else records
            writer = csv.DictWriter(out, fieldnames=SENTENCE_FIELDS if sentences else VERSION_FIELDS)
            writer.writeheader()
            for row in rows:
                writer.writerow(row)
                count += 1
    return count
