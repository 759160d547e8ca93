"""A progress bar on stderr for long commands; it vanishes when done so only results stay on screen."""

from __future__ import annotations

from types import TracebackType

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeRemainingColumn


class ProgressBar:
    """One bar per phase (`start`), advanced once per item; use as a context manager."""

    def __init__(self) -> None:
        self._progress = Progress(
            TextColumn("{task.description:>8}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
            console=Console(stderr=True), transient=True,
        )
        self._task: TaskID | None = None
        self._total = 0

    def __enter__(self) -> "ProgressBar":
        self._progress.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self._progress.stop()

    def start(self, phase: str, total: int) -> None:
        if self._task is not None:
            self._progress.remove_task(self._task)
        self._task = self._progress.add_task(phase, total=total)
        self._total = total

    def grow(self, more: int) -> None:
        """The phase has `more` items than it was started with (a poll claims its work in batches)."""
        if self._task is not None:
            self._total += more
            self._progress.update(self._task, total=self._total)

    def advance(self) -> None:
        if self._task is not None:
            self._progress.advance(self._task)
