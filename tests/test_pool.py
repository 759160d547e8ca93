"""Extraction in worker processes: the same answers as in-process, a time limit per page, workers replaced."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
from pathlib import Path
from typing import Any


from newsdiff.importer import import_paths
from newsdiff.model import InputError
from newsdiff.sources import ParseOptions, parse_bytes
from newsdiff.sources.pool import ParsePool
from newsdiff.store import Store

from .conftest import SEED_DUMP, SEED_REUTERS
from .test_track_poll import PAGES as NAMES
from .test_track_poll import real_page, slow_page

PAGES = NAMES[:6]


def outcome(call: Any) -> Any:
    try:
        return call()
    except InputError as exc:
        return f"InputError: {exc}"


def test_a_page_over_the_time_limit_is_stopped_and_its_worker_replaced() -> None:
    async def run() -> list[Any]:
        async with ParsePool(ParseOptions(), workers=1, timeout=1) as pool:
            answers: list[Any] = []
            for data in (slow_page(), real_page(PAGES[0])):
                try:
                    answers.append((await pool.parse(data)).versions[0].title)
                except InputError as exc:
                    answers.append(str(exc))
            return answers

    stopped, title = asyncio.run(run())
    assert stopped == "extraction stopped after 1 s (extract_timeout)"
    assert title == parse_bytes(real_page(PAGES[0])).versions[0].title


def test_a_worker_that_dies_costs_its_page_alone() -> None:
    async def run() -> list[str]:
        async with ParsePool(ParseOptions(), workers=1, timeout=60) as pool:
            worker = next(iter(pool._all))
            slow = asyncio.ensure_future(pool.parse(slow_page()))
            await asyncio.sleep(1)
            os.kill(worker.process.pid, signal.SIGKILL)  # as the kernel's out-of-memory killer would
            answers = []
            try:
                await slow
            except InputError as exc:
                answers.append(str(exc))
            answers.append((await pool.parse(real_page(PAGES[1]))).versions[0].title or "")
            return answers

    died, title = asyncio.run(run())
    assert died == f"extraction failed: its worker process died (exit code {-signal.SIGKILL})"
    assert title == parse_bytes(real_page(PAGES[1])).versions[0].title


def test_workers_answer_what_the_process_itself_answers() -> None:
    inputs = [real_page(folder) for folder in PAGES] + [
        b"", b"<html><body><p>Too short.</p></body></html>", SEED_REUTERS.read_bytes(), SEED_DUMP.read_bytes()]

    async def run() -> list[Any]:
        async with ParsePool(ParseOptions(), workers=2) as pool:
            async def one(data: bytes) -> Any:
                try:
                    return await pool.parse(data, url="https://example.com/story")
                except InputError as exc:
                    return f"InputError: {exc}"
            return list(await asyncio.gather(*(one(data) for data in inputs)))

    expected = [outcome(lambda d=data: parse_bytes(d, url="https://example.com/story")) for data in inputs]
    assert asyncio.run(run()) == expected


def test_a_folder_imported_with_workers_is_stored_as_without_them(tmp_path: Path) -> None:
    """Same results in the same order, bad files included, and the same database rows."""
    folder = tmp_path / "pages"
    folder.mkdir()
    for number, page in enumerate(PAGES):
        (folder / f"{number:02}-{page}.html").write_bytes(real_page(page))
    (folder / "10-empty.html").write_bytes(b"")
    (folder / "11-short.html").write_bytes(b"<html><body><p>Too short.</p></body></html>")
    shutil.copy(SEED_DUMP, folder / "12-dump.txt")  # a NewsSniffer dump: two versions of one article
    shutil.copy(SEED_REUTERS, folder / "13-reuters.txt")
    results, rows = {}, {}
    for workers in (0, 2):
        store = Store.open(tmp_path / f"{workers}.db")
        results[workers] = [(r.path, r.error, r.format, r.key, [v["outcome"] for v in r.versions])
                            for r in import_paths(store, [folder], workers=workers, captured_at="2024-05-01T12:00:00Z")]
        rows[workers] = [(a["key"], [store.record(a["id"], v["number"]) for v in store.versions(a["id"])])
                         for a in store.articles()]
    assert results[0] == results[2]
    assert [path for path, *_ in results[2]] == [str(p) for p in sorted(folder.iterdir())]
    errors = [error for _, error, *_ in results[2]]
    assert errors[len(PAGES):len(PAGES) + 2] == ["empty file", "no article found (only 2 words of text)"]
    assert len(rows[2]) >= len(PAGES) + 1 and rows[0] == rows[2]
