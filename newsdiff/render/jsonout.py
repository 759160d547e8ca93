"""JSON output: one document on stdout, nothing else, stable key order."""

from __future__ import annotations

import json
import sys
from typing import Any

from ..model import ArticleRecord


def record_json(record: ArticleRecord) -> dict[str, Any]:
    """A record as scripts see it: metadata, paragraphs and the joined text."""
    return {
        "url": record.url,
        "title": record.title,
        "byline": record.byline,
        "standfirst": record.standfirst,
        "published": record.published,
        "source": record.source,
        "captured_at": record.captured_at,
        "format": record.format,
        "extractor": record.extractor,
        "extractor_version": record.extractor_version,
        "label": record.label,
        "meta": record.meta,
        "paragraphs": list(record.paragraphs),
        "text": record.text,
        "word_count": record.word_count,
        "content_hash": record.content_hash,
    }


def emit(document: Any) -> None:
    """Write one JSON document to stdout. Lone surrogates from hostile input are escaped, never fatal."""
    sys.stdout.write(json.dumps(document, ensure_ascii=False, indent=2, default=str)
                     .encode("utf-8", "backslashreplace").decode("utf-8") + "\n")
