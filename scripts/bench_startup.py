#!/usr/bin/env python
"""Start-up: how long `newsdiff --help`, `newsdiff list` and `newsdiff log ARTICLE` take as whole processes,
against `python -c "import sqlite3"` (the floor any Python command pays) timed in the same run.

`python -c "import typer"` is timed too, as the floor: the part of every command's start-up that is the
command-line library's own import, before newsdiff runs a line.

A database of ARTICLES short articles is built once through the library in a temporary folder; the
articles given to `log` have VERSIONS versions, each editing a sentence or two. `log` diffs a pair of
versions the first time it shows it and caches the report: "log ARTICLE" shows one article again and
again (the reports cached), "log, first time" a different article on each run (every pair diffed).
Each command runs REPEAT times, interleaved with the baseline so load on the machine hits all alike;
the report gives each command's median time and its ratio to the baseline's median. Target (issue 19):
every ratio <= 5.

Wall time is what a user waits; CPU time (user + system, from wait4) is what the process costs. On a
quiet machine they agree. On a loaded one the scheduler stretches a longer process's wall time more
than the baseline's, which often finishes within one time slice, so the CPU ratios are the steadier.

newsdiff's modules are compiled to bytecode first, as `pip install` does: a source tree run with
PYTHONDONTWRITEBYTECODE would otherwise compile them on every start and time the compiler.

An editable install's import hook loads at every interpreter start, the baseline's too: it imports
`pathlib`, `re`, `enum`, `urllib.parse`, `ipaddress` and more (the baseline takes 1.6-1.7 times its CPU
time without it), which every command imports anyway, so the baseline grows by more than any command
(17 ms against 5-11 ms in one run), and every ratio comes out lower than a user's. Same libraries, same
bytecode: only the hook differs. So the target is judged on a wheel install, never on an editable one: `--wheel VENV`
times this checkout as `pip install newsdiff` gives it, in the same run. A wheel is built and installed
into VENV (made, with the dependencies, if missing; otherwise reinstalled and its dependencies brought
to what pyproject.toml asks), and each command, the baselines included, runs there as well. The
versions of the command-line libraries each install loads are printed with its figures.

`--compare CHECKOUT VENV` adds a wheel of another checkout (e.g. `git worktree add ../before main`) installed
into a second VENV, timed in turns with the rest: a change's before and after under the same load.

    python scripts/bench_startup.py [--articles 1000] [--versions 5] [--repeat 15] [--wheel VENV]
                                    [--compare CHECKOUT VENV]
"""

from __future__ import annotations

import argparse
import compileall
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import newsdiff
from newsdiff.model import ArticleRecord
from newsdiff.store import Store

TARGET = 5.0
BASELINE = 'python -c "import sqlite3"'
FLOOR = 'python -c "import typer"'
FIRST_LOG = "newsdiff log, first time"
CHECKOUT = Path(__file__).resolve().parent.parent  # the one whose wheel `--wheel` times
LIBRARIES = ("typer", "click", "rich", "nupunkt", "fast-diff-match-patch")
WORDS = ("officials council budget report minister said week city river plan vote court police school "
         "hospital water price rate market strike union talks border bridge storm fire museum").split()


def sentence(rng: random.Random, number: int) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(8, 16))]
    return f"{words[0].capitalize()} {' '.join(words[1:])} {number}."


def build(path: Path, articles: int, versions: int, edited: int, seed: int = 1) -> list[str]:
    """ARTICLES articles, EDITED of them (spread out) with VERSIONS versions and the rest with one;
    returns the URLs of the edited ones."""
    rng = random.Random(seed)
    store = Store.open(path)
    urls = []
    for n in range(articles):
        url = f"https://news.example/{n % 7}/story-{n}"
        paragraphs = [" ".join(sentence(rng, p * 10 + s) for s in range(3)) for p in range(6)]
        count = versions if n % max(1, articles // edited) == 0 and len(urls) < edited else 1
        urls += [url] if count > 1 else []
        for v in range(count):
            if v:  # a sentence edited, now and then one added
                p = rng.randrange(len(paragraphs))
                paragraphs[p] += " " + sentence(rng, 100 + v)
                paragraphs[rng.randrange(len(paragraphs))] = sentence(rng, 200 + v) + " " + paragraphs[0]
            record = ArticleRecord(paragraphs=tuple(paragraphs), title=f"Story {n}", url=url, source=f"outlet{n % 7}",
                                   captured_at=f"2026-01-{1 + v:02d}T{n % 24:02d}:00:00Z")
            store.add_version(record, key=url)
    store.close()
    return urls


def newsdiff_command(python: Path) -> list[str]:
    """The installed `newsdiff` script beside `python`, else `python -m newsdiff`."""
    script = python.parent / "newsdiff"
    return [str(script)] if script.is_file() else [str(python), "-m", "newsdiff"]


def wheel_install(venv: Path, folder: Path, source: Path = CHECKOUT) -> Path:
    """A checkout (this one by default) built as a wheel in `folder` and installed into `venv` (made,
    dependencies and all, if missing); the venv's Python."""
    python = venv / "bin" / "python"
    quiet = {"stdout": subprocess.DEVNULL, "check": True}
    folder.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(folder), str(source)], **quiet)
    wheel = next(folder.glob("newsdiff-*.whl"))
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], **quiet)
        subprocess.run([str(python), "-m", "pip", "install", "-q", str(wheel)], **quiet)
    else:  # this checkout's code, then the dependencies it asks for now (an older venv may hold others)
        subprocess.run([str(python), "-m", "pip", "install", "-q", "--force-reinstall", "--no-deps", str(wheel)],
                       **quiet)
        subprocess.run([str(python), "-m", "pip", "install", "-q", str(wheel)], **quiet)
    return python


def versions(python: Path) -> str:
    """The versions of the libraries every command loads, as `python` finds them."""
    code = "from importlib.metadata import version; print(', '.join(f'{n} {version(n)}' for n in LIBRARIES))"
    return subprocess.run([str(python), "-c", code.replace("LIBRARIES", repr(LIBRARIES))], capture_output=True,
                          text=True, check=True).stdout.strip()


def commands_of(python: Path) -> dict[str, list[str]]:
    """The timed commands, run by `python` (the baselines too: each environment against its own)."""
    program = newsdiff_command(python)
    return {
        BASELINE: [str(python), "-c", "import sqlite3"],
        FLOOR: [str(python), "-c", "import typer"],
        "newsdiff --help": [*program, "--help"],
        "newsdiff list": [*program, "list"],
        "newsdiff log ARTICLE": [*program, "log"],
        FIRST_LOG: [*program, "log"],  # a new article each run
    }


def report(title: str, runs: dict[str, list[tuple[float, float]]], judged: bool = True) -> None:
    """Each command's median wall and CPU time and its ratios to the baseline's, and whether the target is met
    (unless not `judged`: an editable install's baseline pays its import hook)."""
    wall = {name: statistics.median(w for w, _ in values) for name, values in runs.items()}
    cpu = {name: statistics.median(c for _, c in values) for name, values in runs.items()}
    base = BASELINE
    print(f"\n{title}")
    print(f"{'command':<28} {'wall ms':>8} {'ratio':>6} {'CPU ms':>8} {'ratio':>6}")
    for name in runs:
        print(f"{name:<28} {wall[name] * 1000:>8.1f} {wall[name] / wall[base]:>5.1f}x "
              f"{cpu[name] * 1000:>8.1f} {cpu[name] / cpu[base]:>5.1f}x")
    for label, figures in (("wall", wall), ("CPU", cpu)):
        worst = max(value / figures[base] for name, value in figures.items() if name.startswith("newsdiff"))
        verdict = ("met" if worst <= TARGET else "missed") if judged else "not judged here (see above)"
        print(f"target, {label} time: each <= {TARGET:.0f}x the baseline: {verdict} (worst {worst:.1f}x)")


def run_once(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one whole process, output to a pipe as in a script or cron job."""
    start = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    assert process.stderr is not None
    errors = process.stderr.read()
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        sys.exit(f"{' '.join(command)} failed ({process.returncode}): {errors.decode(errors='replace')}")
    return elapsed, usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--versions", type=int, default=5, help="versions of the article `log` shows")
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--compare", type=Path, nargs=2, metavar=("CHECKOUT", "VENV"),
                        help="also time a wheel of another checkout installed into a second VENV")
    parser.add_argument("--wheel", type=Path, metavar="VENV",
                        help="also time a wheel of this checkout installed into VENV")
    args = parser.parse_args()

    compileall.compile_dir(Path(newsdiff.__file__).parent, quiet=1)
    folder = Path(tempfile.mkdtemp(prefix="newsdiff-startup-"))
    try:
        installs = {"this environment": Path(sys.executable)}
        if args.wheel:
            installs["wheel install"] = wheel_install(args.wheel.resolve(), folder)
        if args.compare:
            checkout, venv = (path.resolve() for path in args.compare)
            installs[f"wheel install of {checkout}"] = wheel_install(venv, folder / "compared", checkout)
        db = folder / "bench.db"
        started = time.perf_counter()
        # each install's first log reads its own articles: a report cached by one is not the other's first diff
        urls = build(db, args.articles, args.versions, edited=len(installs) * (args.repeat + 1) + 1)
        print(f"database: {args.articles} articles, {db.stat().st_size / 1e6:.1f} MB, "
              f"built in {time.perf_counter() - started:.1f} s")
        env = {**os.environ, "NEWSDIFF_DB": str(db)}
        commands = {install: commands_of(python) for install, python in installs.items()}
        runs = {install: {name: [] for name in commands[install]} for install in installs}
        fresh = iter(urls[1:])
        for run in range(args.repeat + 1):  # the first round warms the file cache and is not counted
            for install, named in commands.items():
                for name, command in named.items():
                    shown = name.startswith("newsdiff log")
                    article = [next(fresh)] if name == FIRST_LOG else [urls[0]] if shown else []
                    timed = run_once(command + article, env)
                    if run:
                        runs[install][name].append(timed)
    finally:
        shutil.rmtree(folder, ignore_errors=True)

    print(f"median of {args.repeat} runs each; CPU is the process's user + system time")
    editable = any(name.startswith("__editable__") for name in sys.modules)
    for install, timed in runs.items():
        hooked = editable and install == "this environment"
        hook = (" (editable: its import hook loads at every start, the baseline's too, and lowers every ratio; "
                "the target is judged on a wheel install, --wheel VENV)")
        report(f"{install}: {versions(installs[install])}{hook if hooked else ''}", timed, judged=not hooked)


if __name__ == "__main__":
    main()
