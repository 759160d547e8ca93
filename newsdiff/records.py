"""The records that flow down the pipeline: sources make them, the store keeps them, `import` reports them.

Apart from the functions of newsdiff.model, which loads this module the first time one of these names is
asked for: building a dataclass compiles its methods, about 1.5 ms each for these three, which `--help`,
`list` and a cached `log` never use (scripts/bench_startup.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .model import _STRAY, clean_text, content_hash

_LINE_FIELDS = ("title", "byline", "standfirst", "source", "label")


@dataclass(frozen=True)
class ArticleRecord:
    """One version of one article as a source understood it, before it is stored."""

    paragraphs: tuple[str, ...]
    title: str | None = None
    url: str | None = None
    byline: str | None = None
    standfirst: str | None = None
    published: str | None = None
    source: str | None = None
    captured_at: str | None = None
    format: str = "text"
    extractor: str | None = None
    extractor_version: str | None = None
    label: str | None = None
    meta: dict[str, Any] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        """One-line fields come from outside (a page, a feed, a flag): stored and shown without control
        characters, so no escape sequence reaches a terminal, a page or a feed."""
        for name in _LINE_FIELDS:
            value = getattr(self, name)
            if value is not None and (_STRAY().search(value) or value != value.strip()):
                object.__setattr__(self, name, clean_text(value) or None)

    @property
    def text(self) -> str:
        """The body as stored: paragraphs separated by blank lines."""
        return "\n\n".join(self.paragraphs)

    @property
    def word_count(self) -> int:
        return sum(len(p.split()) for p in self.paragraphs)

    @property
    def content_hash(self) -> str:
        return content_hash(self.title, self.text)


@dataclass
class ParsedInput:
    """What one input (a file, a fetched page) yields: one version, or two for a NewsSniffer dump."""

    format: str
    versions: list[ArticleRecord]
    details: dict[str, Any] = field(default_factory=dict)


@dataclass
class FileResult:
    """What importing one file did: versions stored or recognised, or the error that stopped it."""

    path: str
    format: str | None = None
    article_id: int | None = None
    key: str | None = None
    url: str | None = None
    versions: list[dict[str, Any]] = field(default_factory=list)  # {"outcome", "number", "existing", "label"}
    ambiguous: int = 0  # NewsSniffer text rows seen once, whose side is a guess (`parse` lists them)
    error: str | None = None

    @property
    def added(self) -> int:
        return sum(1 for v in self.versions if v["outcome"] == "new")
