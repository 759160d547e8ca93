"""Pages parsed in worker processes: extraction uses every core, and no page can stall the others.

Extraction is CPU work (tens of milliseconds a real page, seconds on a hostile one). Run where the
pages are fetched, it holds up every other fetch and leaves all cores but one idle. A ParsePool
keeps `workers` processes, started once (forked from the caller, which has already imported the
parsers, so a worker is ready in milliseconds) and given one page at a time. A page that runs
past the time limit costs that page alone: its worker is killed and replaced, the rest go on.
With no workers, pages are parsed in the caller's process, with no time limit.
"""

from __future__ import annotations

import asyncio
import ctypes
import gc
import multiprocessing
import os
import signal
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from multiprocessing.connection import Connection
from typing import Any, TypeVar

from ..model import InputError, ParsedInput
from . import ParseOptions, parse_bytes

__all__ = ["ParsePool", "cores", "in_order", "pool_size"]

_PR_SET_PDEATHSIG = 1  # linux/prctl.h
T = TypeVar("T")
R = TypeVar("R")


def cores() -> int:
    """The cores this process may run on (its affinity, where the system has one)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def pool_size(pages: int) -> int:
    """Workers for `pages` pages: one per core, never more than the pages (a forked worker starts in
    about 10 ms, so even one page is worth one: it gets the time limit and leaves the caller free)."""
    return max(1, min(cores(), pages))


def _context() -> Any:
    """fork on Linux: a worker starts in milliseconds with the parsers already imported, where spawn
    and forkserver start each one by importing the caller's main module again (the whole CLI).
    A worker only parses: it never touches the database or the threads it inherits. Elsewhere
    (macOS, Windows) fork is unsafe or missing, and spawn it is."""
    return multiprocessing.get_context("fork" if sys.platform.startswith("linux") else "spawn")


def _die_with(parent: int) -> None:
    """On Linux, have the kernel kill this worker when its parent dies, even by SIGKILL: a worker left
    behind would keep the parent's inherited files open (its poll lock, the pipes a caller reads)."""
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() != parent:  # it died before the line above
            os._exit(0)


def _serve(connection: Connection, options: ParseOptions, parent: int, inherited: list[int]) -> None:
    """A worker: parse each page received and send back the result or the exception, until EOF.

    `inherited` are the pool's ends of the pipes, its own and the other workers', which a forked worker
    holds copies of: closed, so that each worker sees the end of its pipe when the pool closes it.
    """
    from .sites import ruleset

    _die_with(parent)
    for descriptor in inherited:
        os.close(descriptor)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle; it closes the pipe
    gc.freeze()  # what a forked worker inherits is never collected here: no traversal, no copied pages
    ruleset(options.sites)  # compiled before the first page's time limit starts (inherited, where forked)
    connection.send((True, None))
    while True:
        try:
            data, url, content_type = connection.recv()
        except (EOFError, OSError):
            return
        try:
            answer: tuple[bool, Any] = (True, parse_bytes(data, url=url, content_type=content_type, options=options))
        except Exception as exc:  # sent back as it is, so a caller sees what the same parse in-process raises
            answer = (False, exc)
        try:
            connection.send(answer)
        except Exception as exc:  # an exception that cannot be pickled
            connection.send((False, RuntimeError(f"{type(answer[1]).__name__}: {answer[1]}: {exc}")))


class _Worker:
    def __init__(self, context: Any, options: ParseOptions, others: list["_Worker"]) -> None:
        self.connection, theirs = context.Pipe()
        inherited = ([w.connection.fileno() for w in (*others, self)] if context.get_start_method() == "fork"
                     else [])
        self.process = context.Process(target=_serve, args=(theirs, options, os.getpid(), inherited), daemon=True,
                                       name="newsdiff-extract")
        self.process.start()
        theirs.close()
        self.ready = False  # until the worker says so, once it has compiled the site rules

    def stop(self) -> None:
        """Wait briefly for a worker whose pipe was closed to end on its own; kill it otherwise."""
        self.process.join(timeout=1)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()

    def kill(self) -> None:
        self.process.kill()
        self.process.join()
        self.connection.close()

    async def _receive(self, timeout: float | None) -> tuple[bool, Any]:
        """The worker's next message, awaited without blocking the event loop."""
        loop = asyncio.get_running_loop()
        ready = asyncio.Event()
        loop.add_reader(self.connection.fileno(), ready.set)
        try:
            async with asyncio.timeout(timeout):
                await ready.wait()
        finally:
            loop.remove_reader(self.connection.fileno())
        answer: tuple[bool, Any] = self.connection.recv()  # written whole by the worker once it is done
        return answer

    async def parse(self, job: tuple[bytes, str | None, str | None], timeout: float | None) -> tuple[bool, Any]:
        """Parse one page; the time limit starts once the worker is ready, not while it starts."""
        if not self.ready:
            await self._receive(None)
            self.ready = True
        self.connection.send(job)
        return await self._receive(timeout)


class ParsePool:
    """`async with ParsePool(options, workers=2, timeout=30) as pool: await pool.parse(data, url=...)`.

    `parse` raises what parse_bytes raises for the page, and InputError for a page that takes longer
    than `timeout` seconds or kills its worker. At most `workers` pages are parsed at once; callers
    beyond that wait for a free worker, so pages in memory stay bounded by the callers in flight.
    """

    def __init__(self, options: ParseOptions, *, workers: int, timeout: float | None = None) -> None:
        self.options, self.workers, self.timeout = options, workers, timeout
        self._context = _context() if workers else None
        self._idle: asyncio.Queue[_Worker] = asyncio.Queue()
        self._all: set[_Worker] = set()

    def _start(self) -> _Worker:
        worker = _Worker(self._context, self.options, list(self._all))
        self._all.add(worker)
        return worker

    async def __aenter__(self) -> "ParsePool":
        if self.workers:  # the parsers imported and the site rules compiled once here, inherited by forked workers
            from . import html  # noqa: F401
            from .sites import ruleset

            ruleset(self.options.sites)
        for _ in range(self.workers):
            self._idle.put_nowait(self._start())
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        for worker in self._all:  # every pipe closed first, so that the workers end together
            worker.connection.close()
        for worker in self._all:
            worker.stop()
        self._all.clear()

    async def parse(self, data: bytes, *, url: str | None = None, content_type: str | None = None) -> ParsedInput:
        if not self.workers:
            return parse_bytes(data, url=url, content_type=content_type, options=self.options)
        worker = await self._idle.get()
        try:
            ok, answer = await worker.parse((data, url, content_type), self.timeout)
        except BaseException as exc:  # cancelled too: a worker left mid-page could answer the next caller
            self._all.discard(worker)
            worker.kill()  # a dead worker keeps the exit status it died with
            if not isinstance(exc, (TimeoutError, EOFError, OSError)):
                raise
            self._idle.put_nowait(self._start())
            if isinstance(exc, TimeoutError):
                raise InputError(f"extraction stopped after {self.timeout:g} s (extract_timeout)") from None
            code = worker.process.exitcode
            raise InputError(f"extraction failed: its worker process died (exit code {code})") from None
        self._idle.put_nowait(worker)
        if not ok:
            raise answer
        assert isinstance(answer, ParsedInput)
        return answer


async def in_order(items: Iterable[T], work: Callable[[T], Awaitable[R]], window: int) -> AsyncIterator[R]:
    """Results of `work` on each item, in the items' order, with at most `window` started ahead."""
    pending: list[asyncio.Task[R]] = []
    for item in items:
        pending.append(asyncio.ensure_future(work(item)))
        if len(pending) >= window:
            yield await pending.pop(0)
    for task in pending:
        yield await task
