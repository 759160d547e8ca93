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
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import zstandard

__all__ = ["AGAINST_BASE", "ALONE", "AS_TEXT", "LEGACY", "NO_DIGEST", "pack", "text_form", "text_forms", "unpack",
           "worth_a_base"]

LEGACY = "zlib"  # raws stored before bases existed, each on its own
ALONE = "zstd"
AGAINST_BASE = "zstd+base"
AS_TEXT = "version-text"  # no data: the bytes are one of text_forms() of a version read from this raw
# The sha256 column of an AS_TEXT raw (since m013): its digest is that of its bytes, rebuilt from the version.
NO_DIGEST = b""
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
