"""JSON output: one document on stdout, nothing else, stable key order."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

from ..lazy import pattern_on_use

if TYPE_CHECKING:
    from ..records import ArticleRecord


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


# JSON escapes C0 controls itself but leaves DEL and the C1 block raw, which a terminal may obey.
_RAW_CONTROL = pattern_on_use("[\x7f-\x9f]")


def emit(document: Any) -> None:
    """Write one JSON document to stdout. Lone surrogates from hostile input are escaped, never fatal, and
    so is every control character: the same data, nothing a terminal would act on."""
    import json  # here: human output, which most runs give, does without it

    text = json.dumps(document, ensure_ascii=False, indent=2, default=str)
    text = _RAW_CONTROL().sub(lambda m: f"\\u{ord(m.group()):04x}", text)
    sys.stdout.write(text.encode("utf-8", "backslashreplace").decode("utf-8") + "\n")
