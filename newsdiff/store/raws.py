"""How raw inputs (the pages and files versions were read from) are packed in the store.

Successive captures of one article page are nearly the same bytes: the site's markup around a text
that changed a little. Each raw is zstd-compressed with an earlier raw of its article as a dictionary
(its base), which keeps a 500 KB page in a few KB where compressing it alone keeps 60 KB. A base is
always a raw packed alone, so reading any raw decompresses at most two.

A plain-text file whose bytes are exactly its version's headline and text (as `text_forms` lays them
out) is not stored at all: the raw row says so (`AS_TEXT`), with its size but not its digest
(`NO_DIGEST`), and the bytes are rebuilt from the version, whose own content hash checks them (the
size tells which form). Otherwise a plain-text import would keep every version twice.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..lazy import sha256

if TYPE_CHECKING:
    import zstandard

    from .compact_history import Rebuilt

__all__ = ["AGAINST_BASE", "ALONE", "AS_TEXT", "LEGACY", "NO_DIGEST", "RawDigests", "pack", "text_form", "text_forms",
           "unpack", "worth_a_base"]

LEGACY = "zlib"  # raws stored before bases existed, each on its own
ALONE = "zstd"
AGAINST_BASE = "zstd+base"
AS_TEXT = "version-text"  # no data: the bytes are one of text_forms() of a version read from this raw
# The sha256 column of an AS_TEXT raw (since m013): its digest is that of its bytes, rebuilt from the version.
NO_DIGEST = b""
# The raws looked up by digest (m013): a raw kept as its version's text is never met again as a new
# version's input (that text is found as the version it is), so indexing its digest would only cost space.
RAWS_WITH_DATA = f"compression != '{AS_TEXT}'"
_LEVEL = 9  # past this, zstd takes many times longer for a per cent or two
# A raw packed against its base to more than this share of its size alone (a site redesign, another
# page) is packed alone instead, and becomes the base of the captures after it.
_BASE_GAIN = 0.5


def _compressor(base: bytes | None) -> zstandard.ZstdCompressor:
    import zstandard  # only where raws are written or read: `list` and `log` never load it

    if base is None:
        return zstandard.ZstdCompressor(level=_LEVEL)
    return zstandard.ZstdCompressor(
        level=_LEVEL, dict_data=zstandard.ZstdCompressionDict(base, dict_type=zstandard.DICT_TYPE_RAWCONTENT)
    )


def pack(raw: bytes, base: bytes | None) -> tuple[str, bytes]:
    """(compression, data) for `raw`: against `base` when that pays, else alone."""
    alone = _compressor(None).compress(raw)
    if base is not None:
        against = _compressor(base).compress(raw)
        if len(against) <= _BASE_GAIN * len(alone):
            return AGAINST_BASE, against
    return ALONE, alone


def text_forms(title: str | None, text: str) -> list[bytes]:
    """The ways a plain-text file can hold exactly a version's headline and text (paragraphs separated
    by blank lines), with or without a final newline."""
    bodies = [f"{title}\n\n{text}", text] if title else [text]
    return [form.encode("utf-8") for body in bodies for form in (body + "\n", body)]


def text_form(title: str | None, text: str, size: int) -> bytes | None:
    """The one of `text_forms` that is `size` bytes long (no two are: a headline adds at least three), if any."""
    return next((form for form in text_forms(title, text) if len(form) == size), None)


@dataclass(frozen=True)
class RawDigests:
    """The SHA-256 (hex) of the inputs an article's versions were read from: as stored, or, for one kept as
    its version's text, made from that text as a rebuilt version brings it, so a caller that rebuilds the
    history anyway (an export) does not rebuild it twice."""

    stored: dict[int, str]
    as_text: dict[int, int]  # raw id: size in bytes

    def of(self, item: Rebuilt) -> str | None:
        """The digest of the input `item` was read from; None without one, or when the text does not give
        that input's bytes back (`check` names such damage)."""
        raw_id = item.row["raw_id"]
        if raw_id in self.stored:
            return self.stored[raw_id]
        if raw_id not in self.as_text or item.text is None:
            return None
        form = text_form(item.row["title"], item.text, self.as_text[raw_id])
        return None if form is None else sha256(form).hexdigest()


def worth_a_base(compression: str) -> bool:
    """Whether a raw packed this way can be the base of another (bases are never chained)."""
    return compression != AGAINST_BASE


def unpack(compression: str, data: bytes, base: bytes | None = None) -> bytes:
    """The raw bytes again. Raises ValueError for data that does not decompress, or a missing base."""
    import zstandard

    try:
        if compression == LEGACY:
            return zlib.decompress(data)
        if compression == ALONE:
            return zstandard.ZstdDecompressor().decompress(data)
        if compression == AGAINST_BASE:
            if base is None:
                raise ValueError("its base raw input is missing")
            return zstandard.ZstdDecompressor(
                dict_data=zstandard.ZstdCompressionDict(base, dict_type=zstandard.DICT_TYPE_RAWCONTENT)
            ).decompress(data)
    except (zlib.error, zstandard.ZstdError, TypeError) as exc:  # TypeError: no data at all
        raise ValueError(f"does not decompress ({exc})") from exc
    raise ValueError(f"unknown compression {compression!r}")
