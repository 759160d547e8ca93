"""Page bytes to text as a browser would read them: BOM, HTTP header, <meta>, then detection.

Each claim is checked against the bytes, because pages lie about their charset.
"""

from __future__ import annotations

import codecs
import re
from typing import Any

import charset_normalizer

__all__ = ["decode_html", "decode_page"]

_BOMS = ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"))
_META_CHARSET = re.compile(rb"""<meta\b[^>]{0,500}?\bcharset\s*=\s*["']?\s*([\w.:-]{1,40})""", re.IGNORECASE)
_HEADER_CHARSET = re.compile(r"""charset\s*=\s*["']?([\w.:-]+)""", re.IGNORECASE)
# The legacy encodings of the WHATWG Encoding Standard: what a browser could be reading.
_WEB_CODECS = (
    "cp1250", "cp1251", "cp1252", "cp1253", "cp1254", "cp1255", "cp1256", "cp1257", "cp1258", "cp874", "cp866",
    "iso8859_2", "iso8859_3", "iso8859_4", "iso8859_5", "iso8859_6", "iso8859_7", "iso8859_8", "iso8859_10",
    "iso8859_13", "iso8859_14", "iso8859_15", "iso8859_16", "koi8_r", "koi8_u", "mac_roman", "mac_cyrillic",
    "gb18030", "big5", "euc_jp", "iso2022_jp", "shift_jis", "euc_kr",
)
# A symbol between two letters: how a text read in the wrong legacy charset gives itself away.
_INWORD_SYMBOL = re.compile(r"(?<=[^\W\d_])(?:[^\w\s'’.,:;/&@·<>-]|[²³¹¼½¾µº])+(?=[^\W\d_])")
_META_SCAN = 65536  # the <meta charset> of real pages sits in <head>, well inside this
_PRINTABLE = bytes(range(0x20, 0x7F))  # what markup is written in


def _codec(label: str | bytes | None) -> str | None:
    """Python's name for a charset label, with WHATWG's reading of Latin-1 and ASCII as windows-1252.

    None for what no browser reads a page in, which a hostile page may declare all the same: Python's
    byte transforms (rot13, base64, zlib), codecs that fail on any page (idna, undefined), and charsets
    that do not read ASCII markup as ASCII (UTF-7, EBCDIC), except UTF-16 and UTF-32."""
    if isinstance(label, bytes):
        label = label.decode("ascii", "ignore")
    try:
        name = codecs.lookup((label or "").strip().lower()).name
        if not name.startswith(("utf-16", "utf-32")) and _PRINTABLE.decode(name, "replace") != _PRINTABLE.decode():
            return None
    except (LookupError, UnicodeError):
        return None
    return "cp1252" if name in ("iso8859-1", "latin-1", "ascii") else name


def _strict_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _reading(data: bytes, encoding: str) -> str | None:
    """These bytes read in a declared charset, or None where the declaration is a lie (the text is
    given back so the page is decoded once).

    A page that is valid UTF-8 with non-ASCII text is UTF-8 whatever it declares (legacy text
    almost never forms valid UTF-8 by chance); otherwise a few broken bytes (a truncated page)
    are tolerated but a stream of them means the page is in some other charset.
    """
    if encoding != "utf-8" and not data.isascii() and _strict_utf8(data):
        return None
    text = data.decode(encoding, "replace")
    broken = text.count("\ufffd")
    if not broken:
        return text
    readable = len(text) - len(text.encode("ascii", "ignore")) - broken
    return text if broken * 20 <= readable else None


_TAG = re.compile(r"<[^<>]*>|&\w+;")  # [^<>]: an unclosed "<" costs one scan to the next "<", never to the end
_LATIN1_LETTER = re.compile("[\u00c0-\u00ff]")
_SCRIPT_OR_STYLE = re.compile(r"<(script|style)", re.IGNORECASE)
_CLOSING_TAG = {name: re.compile(f"</{name}", re.IGNORECASE) for name in ("script", "style")}


def _visible(markup: str) -> str:
    """The text of a page's markup, roughly: scripts, styles and tags taken out, in linear time (each
    search starts where the last one ended)."""
    parts, at = [], 0
    while opening := _SCRIPT_OR_STYLE.search(markup, at):
        parts.append(markup[at:opening.start()])
        closing = _CLOSING_TAG[opening.group(1).lower()].search(markup, opening.end())
        if closing is None:
            break
        at = closing.start()
    else:
        parts.append(markup[at:])
    return _TAG.sub(" ", " ".join(parts))


def _foreign_in_latin(text: str) -> bool:
    """Whether a page read as windows-1252 is really in another charset (a Russian page declared
    ISO-8859-1 reads "Ãîðîäñêîé"). Western European text has an accented letter here and there, a
    few per cent of its letters even in Icelandic; a misread one is made of them."""
    words = _visible(text[:200_000])
    letters = sum(map(str.isalpha, words))
    return letters >= 40 and len(_LATIN1_LETTER.findall(words)) > 0.4 * letters


def decode_page(data: bytes, content_type: str | None = None) -> tuple[str, str, str]:
    """(text, encoding, where the encoding came from): BOM, HTTP header, <meta>, then detection."""
    for bom, codec in _BOMS:
        if data.startswith(bom):
            return data[len(bom):].decode(codec, "replace"), codec, "bom"
    header = _HEADER_CHARSET.search(content_type or "")
    meta = _META_CHARSET.search(data[:_META_SCAN])
    meta_codec = _codec(meta.group(1)) if meta else None
    if meta_codec and meta_codec.startswith(("utf-16", "utf-32")):
        meta_codec = "utf-8"  # a page read far enough to see its <meta> is ASCII-compatible (WHATWG)
    for encoding, source in ((_codec(header.group(1)) if header else None, "header"), (meta_codec, "meta")):
        text = _reading(data, encoding) if encoding else None
        if encoding and text is not None:
            if encoding == "cp1252" and _foreign_in_latin(text):
                detected = _detect(data)
                if detected and detected != "cp1252":
                    return data.decode(detected, "replace"), detected, "detected"
            return text, encoding, source
    try:
        return data.decode("utf-8"), "utf-8", "detected"
    except UnicodeDecodeError:
        pass
    encoding = _detect(data)
    if encoding:
        return data.decode(encoding, "replace"), encoding, "detected"
    return data.decode("cp1252", "replace"), "cp1252", "default"


def _detect(data: bytes) -> str | None:
    """charset-normalizer's guess among the encodings browsers know, with two tie-breaks.

    Legacy charsets often read a text equally well by its measures; the right one does not
    put symbols inside words (Polish "zag³osowa³a" is windows-1257 misreading windows-1250),
    then reads most like a language, and on a tie windows-1252, by far the web's commonest,
    wins (French è is č in windows-1250, which charset-normalizer rates just as likely).
    """
    matches = charset_normalizer.from_bytes(data, cp_isolation=list(_WEB_CODECS))
    best = matches.best()
    if best is None:
        return None
    sample = data[:200_000]

    def misfit(match: Any) -> int:
        text = sample.decode(match.encoding, "replace")
        return len(_INWORD_SYMBOL.findall(text)) + text.count("\ufffd")

    likeliest = [m for m in matches if m.percent_chaos <= best.percent_chaos][:6]
    chosen = min(likeliest, key=lambda m: (misfit(m), -m.percent_coherence, "cp1252" not in m.could_be_from_charset))
    return "cp1252" if "cp1252" in chosen.could_be_from_charset else _codec(chosen.encoding)


def decode_html(data: bytes, content_type: str | None = None) -> str:
    """Page bytes to text: BOM, HTTP header, <meta>, then detection; broken bytes become U+FFFD."""
    return decode_page(data, content_type)[0]
