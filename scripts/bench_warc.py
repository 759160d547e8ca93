"""How fast newsdiff reads a WARC file, against warcio alone reading the same file, and whether memory stays flat.

A gzip WARC of `--pages` responses (each with its request record; every tenth an image, the rest news
pages of about 700 words from a fixed vocabulary, each URL captured twice with one paragraph rewritten
in between) is written with warcio. In
the same run:

- warcio alone: ArchiveIterator over the file, every response body read (the baseline);
- newsdiff's reader (sources/warc.py): the same records classified, HTML bodies read and capped;
- the whole import (archive/warc.py) into a new database: extraction and storage included.

Each is timed `--repeat` times, alternating, best time kept; figures are records per second (all
records, request and image records included) and the ratio to the baseline. Then the file is
concatenated to about `--large-mb` MB and newsdiff's reader runs over the small and the large file in
fresh processes: peak resident memory (ru_maxrss) of each, which should be about the same.

    python scripts/bench_warc.py [--pages 1000] [--repeat 3] [--large-mb 200]
"""

from __future__ import annotations

import argparse
import io
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from newsdiff.archive.warc import import_warc
from newsdiff.sources.files import MAX_FILE_BYTES
from newsdiff.sources.warc import read_warc
from newsdiff.store import Store


def page(words: list[str], story: int, edited: bool) -> bytes:
    """Story `story`'s page, about 700 words; its second capture has one paragraph rewritten."""
    rng = random.Random(story)
    texts = [" ".join(rng.choice(words) for _ in range(60)).capitalize() + "." for _ in range(12)]
    if edited:
        texts[5] = " ".join(random.Random(-story).choice(words) for _ in range(60)).capitalize() + "."
    paragraphs = "".join(f"<p>{text}</p>" for text in texts)
    title = f"Story {story}"
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{title}</title></head><body>"
            f"<nav>Home | World | Sport</nav><article><h1>{title}</h1>{paragraphs}</article>"
            f"<footer>Copyright</footer></body></html>").encode()


def write_crawl(path: Path, pages: int, seed: int = 1) -> int:
    """A gzip WARC like a news crawl; returns how many records it holds."""
    rng = random.Random(seed)
    words = ["".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(2, 9))) for _ in range(3000)]
    records = 0
    with open(path, "wb") as out:
        writer = WARCWriter(out, gzip=True)
        for n in range(pages):
            url = f"https://news.example.com/story/{n // 2}"
            date = f"2024-03-{1 + n // 100 % 28:02d}T{n % 24:02d}:{n % 60:02d}:00Z"
            request = StatusAndHeaders("GET / HTTP/1.1", [("Host", "news.example.com")], is_http_request=True)
            writer.write_record(writer.create_warc_record(
                url, "request", payload=io.BytesIO(b""), http_headers=request, warc_headers_dict={"WARC-Date": date}))
            image = n % 10 == 9
            body = b"\x89PNG" + rng.randbytes(20000) if image else page(words, n // 2, edited=n % 2 == 1)
            kind = "image/png" if image else "text/html; charset=utf-8"
            http = StatusAndHeaders("200 OK", [("Content-Type", kind), ("Content-Length", str(len(body)))],
                                    protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(
                url, "response", payload=io.BytesIO(body), http_headers=http, warc_headers_dict={"WARC-Date": date}))
            records += 2
    return records


def warcio_alone(path: Path) -> int:
    count = 0
    with open(path, "rb") as fh:
        for record in ArchiveIterator(fh):
            if record.rec_type == "response":
                record.content_stream().read()
            count += 1
    return count


def newsdiff_reader(path: Path) -> int:
    return sum(1 for _ in read_warc(path, max_body=MAX_FILE_BYTES))


def newsdiff_import(path: Path) -> int:
    with tempfile.TemporaryDirectory() as folder:
        store = Store.open(Path(folder) / "bench.db")
        result = import_warc(store, path)
        store.close()
    return len(result.versions) + sum(result.skipped.values())


def best(job: Callable[[Path], int], path: Path, times: list[float]) -> int:
    started = time.perf_counter()
    count = job(path)
    times.append(time.perf_counter() - started)
    return count


def peak_memory(path: Path) -> tuple[int, float]:
    """Peak resident MB of a fresh process running newsdiff's reader over `path`, and the records it read."""
    code = ("import resource, sys; from pathlib import Path; from newsdiff.sources.warc import read_warc; "
            "n = sum(1 for _ in read_warc(Path(sys.argv[1]), max_body=50 * 1024 * 1024)); "
            "print(n, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)")
    out = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, check=True).stdout
    records, kib = out.split()
    return int(records), int(kib) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--large-mb", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        small = Path(folder) / "crawl.warc.gz"
        records = write_crawl(small, args.pages)
        size = small.stat().st_size
        print(f"{small.name}: {records:,} records, {size / 1e6:.1f} MB")
        jobs = {"warcio alone": warcio_alone, "newsdiff reader": newsdiff_reader, "newsdiff import": newsdiff_import}
        times: dict[str, list[float]] = {name: [] for name in jobs}
        for _ in range(args.repeat):
            for name, job in jobs.items():
                counted = best(job, small, times[name])
                assert counted == records, (name, counted, records)
        base = min(times["warcio alone"])
        for name in jobs:
            rate = records / min(times[name])
            print(f"{name:16} {rate:10,.0f} records/s  {base / min(times[name]):5.2f}x of warcio alone")

        large = Path(folder) / "large.warc.gz"
        data = small.read_bytes()
        with open(large, "wb") as out:
            for _ in range(max(1, args.large_mb * 1_000_000 // size)):
                out.write(data)  # a concatenation of gzip WARCs is one valid gzip WARC
        for path in (small, large):
            count, mb = peak_memory(path)
            print(f"peak memory reading {path.stat().st_size / 1e6:7.1f} MB ({count:,} records): {mb:6.1f} MB resident")
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print(f"(this process: {usage.ru_utime + usage.ru_stime:.1f} s CPU)")


if __name__ == "__main__":
    main()
