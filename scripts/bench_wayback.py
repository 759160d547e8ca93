"""Wayback import of `--captures` captures from the tests' fake Wayback Machine on 127.0.0.1, at its rate limit.

Each capture is a different version of one article (a paragraph rewritten each time). The import runs
with `[archive] interval` set to `--interval`: the figure is captures per second against the rate that
interval allows (a ratio near 1.00 means the limit, not newsdiff, is what bounds the run), and the time
a second run takes (the listing only: every capture was handled already).

    python scripts/bench_wayback.py [--captures 200] [--interval 0.05]
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from newsdiff.archive.settings import archive_settings  # noqa: E402
from newsdiff.archive.wayback import import_wayback  # noqa: E402
from newsdiff.store import Store  # noqa: E402
from newsdiff.track.settings import FetchSettings  # noqa: E402
from tests.warc_helpers import article_page  # noqa: E402
from tests.wayback_server import Wayback  # noqa: E402

URL = "https://news.example.com/2024/long-story"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--captures", type=int, default=200)
    parser.add_argument("--interval", type=float, default=0.05)
    args = parser.parse_args()
    rng = random.Random(1)
    words = ["".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(2, 9))) for _ in range(2000)]
    texts = [" ".join(rng.choice(words) for _ in range(40)).capitalize() + "." for _ in range(15)]
    server = Wayback()
    try:
        for n in range(args.captures):
            texts[rng.randrange(len(texts))] = " ".join(rng.choice(words) for _ in range(40)).capitalize() + "."
            stamp = time.strftime("%Y%m%d%H%M%S", time.gmtime(1_700_000_000 + n * 3600))
            server.captures[URL] = [*server.captures.get(URL, []), (stamp, f"D{n}", article_page("Long story", texts))]
        settings = archive_settings({"wayback_base": server.base, "interval": args.interval})
        with tempfile.TemporaryDirectory() as folder:
            store = Store.open(Path(folder) / "bench.db")
            started = time.perf_counter()
            result = import_wayback(store, URL, archive=settings, fetch=FetchSettings())
            first = time.perf_counter() - started
            started = time.perf_counter()
            again = import_wayback(store, URL, archive=settings, fetch=FetchSettings())
            second = time.perf_counter() - started
            store.close()
    finally:
        server.close()
    stored = sum(1 for c in result.captures if c["outcome"] == "stored")
    assert all(c["outcome"] == "done before" for c in again.captures)
    rate, limit = args.captures / first, 1 / args.interval
    print(f"{args.captures} captures ({stored} stored as versions) in {first:.1f} s: {rate:.1f} captures/s, "
          f"{rate / limit:.2f}x of the {limit:g}/s the interval allows")
    further = sum(server.hits.values()) - args.captures - 1
    print(f"second run (listing only, {further} further requests): {second:.2f} s")


if __name__ == "__main__":
    main()
