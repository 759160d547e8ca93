"""WARC files written with warcio for the import tests and the benchmark: article pages, requests, metadata."""

from __future__ import annotations

import io
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter


def article_page(title: str, sentences: list[str]) -> bytes:
    paragraphs = "".join(f"<p>{s}</p>" for s in sentences)
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{title}</title></head>"
            f"<body><article><h1>{title}</h1>{paragraphs}</article></body></html>").encode()


def write_warc(path: Path, records: list[dict], *, gzip: bool = True) -> list[int]:
    """Write `records` ({"url", "date", "body", "status", "content_type", "type"}) and return each one's offset."""
    offsets = []
    with open(path, "wb") as out:
        writer = WARCWriter(out, gzip=gzip)
        for spec in records:
            offsets.append(out.tell())
            kind = spec.get("type", "response")
            if kind == "response":
                status = spec.get("status", 200)
                http = StatusAndHeaders(f"{status} {'OK' if status == 200 else 'Other'}", [
                    ("Content-Type", spec.get("content_type", "text/html; charset=utf-8")),
                    ("Content-Length", str(len(spec["body"])))], protocol="HTTP/1.1")
                record = writer.create_warc_record(spec["url"], "response", payload=io.BytesIO(spec["body"]),
                                                   http_headers=http, warc_headers_dict={"WARC-Date": spec["date"]})
            elif kind == "request":
                http = StatusAndHeaders("GET / HTTP/1.1", [("Host", "example.com")], is_http_request=True)
                record = writer.create_warc_record(spec["url"], "request", payload=io.BytesIO(b""),
                                                   http_headers=http, warc_headers_dict={"WARC-Date": spec["date"]})
            else:
                record = writer.create_warc_record(spec["url"], kind, payload=io.BytesIO(b"software: test\r\n"),
                                                   warc_content_type="application/warc-fields",
                                                   warc_headers_dict={"WARC-Date": spec["date"]})
            writer.write_record(record)
    return offsets
