"""A picture of an edit (PNG, drawn with Pillow, no browser): the changed sentences only, removed words
struck through on red, added words on green, unchanged words dimmed, under the headline, outlet and
date; with alt text that says the same change in words.

Glyphs come from the Noto fonts of the `justmytype-*` packages (SIL Open Font License): Noto Sans for
Latin, Cyrillic and Greek, Noto Sans Arabic and Hebrew, Noto Sans SC and JP for Chinese and Japanese,
Noto Sans Symbols 2 for symbols the others lack.
Each run of text is drawn in the font of its script, shaped by Pillow's raqm layout (Arabic joining,
right-to-left order). A sentence that opens in a right-to-left script is laid out right to left.
The same report always gives the same bytes.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files
from typing import TYPE_CHECKING, Any

from ..reports.report import Report
from .edits import BIDI_CONTROLS, clean, parse_utc
from .shorten import ELLIPSIS, Tokens, changed_entries, shorten, tokens

if TYPE_CHECKING:
    from PIL.ImageFont import FreeTypeFont

    from ..diff import Report as EngineReport

WIDTH = 1080  # a phone screen's width at 2-3x: text stays readable when the picture is shown full width
MARGIN = 56
TEXT_SIZE, HEAD_SIZE, SMALL_SIZE = 34, 42, 26
LEADING = 1.5
MAX_CHANGES = 6
CONTEXT_WORDS, CHANGED_WORDS, LONGEST_WORD = 10, 40, 40
ALT_LIMIT = 1000  # Mastodon allows 1,500 characters of description, Bluesky 2,000

BACKGROUND, INK, DIM, LABEL = (255, 255, 255), (20, 20, 20), (125, 125, 125), (90, 90, 90)
REMOVED_BG, REMOVED_INK = (255, 214, 214), (150, 0, 0)
ADDED_BG, ADDED_INK = (208, 245, 214), (0, 100, 20)
RULE = (225, 225, 225)

_FONTS = {  # script -> (package, file)
    "latin": ("justmytype_western_core", "fonts/ofl/notosans/NotoSans[wdth,wght].ttf"),
    "arabic": ("justmytype_intl_rtl", "fonts/ofl/notosansarabic/NotoSansArabic[wdth,wght].ttf"),
    "hebrew": ("justmytype_intl_rtl", "fonts/ofl/notosanshebrew/NotoSansHebrew[wdth,wght].ttf"),
    "han": ("justmytype_intl_cjk", "fonts/ofl/notosanssc/NotoSansSC[wght].ttf"),
    "kana": ("justmytype_intl_cjk", "fonts/ofl/notosansjp/NotoSansJP[wght].ttf"),
    "symbols": ("justmytype_western_core", "fonts/ofl/notosanssymbols2/NotoSansSymbols2-Regular.ttf"),
}
_RTL = ("arabic", "hebrew")


@dataclass(frozen=True)
class Picture:
    png: bytes
    alt: str


def script(char: str) -> str | None:
    """The font a character needs, by Unicode block; None for spaces, digits and punctuation, which
    take the font of the text around them."""
    code = ord(char)
    if 0x0590 <= code <= 0x05FF or 0xFB1D <= code <= 0xFB4F:
        return "hebrew"
    if 0x0600 <= code <= 0x06FF or 0x0750 <= code <= 0x077F or 0x08A0 <= code <= 0x08FF \
            or 0xFB50 <= code <= 0xFDFF or 0xFE70 <= code <= 0xFEFF:
        return "arabic"
    if 0x3040 <= code <= 0x30FF or 0x31F0 <= code <= 0x31FF or 0xFF66 <= code <= 0xFF9F:
        return "kana"
    if 0x2E80 <= code <= 0x2FDF or 0x3000 <= code <= 0x303F or 0x3400 <= code <= 0x4DBF \
            or 0x4E00 <= code <= 0x9FFF or 0xF900 <= code <= 0xFAFF or 0xFF00 <= code <= 0xFF65 \
            or 0xAC00 <= code <= 0xD7AF or 0x20000 <= code <= 0x2FFFF:
        return "han"
    if char.isalpha():
        return "latin"
    return None


@lru_cache(maxsize=32)
def font(name: str, size: int, bold: bool = False) -> FreeTypeFont:
    """A script's font at a size, loaded once per process. Only right-to-left scripts need raqm's
    shaping and ordering; the others take the faster basic layout."""
    from PIL import ImageFont

    package, path = _FONTS[name]
    engine = ImageFont.Layout.RAQM if name in _RTL else ImageFont.Layout.BASIC
    face = ImageFont.truetype(str(files(package) / path), size, layout_engine=engine)
    if name != "symbols":  # the one font that is not variable
        face.set_variation_by_name("Bold" if bold else "Regular")
    return face


@lru_cache(maxsize=4096)
def has_glyph(name: str, char: str) -> bool:
    """Whether the script's font draws `char` as itself, not as its missing-glyph box."""
    face = font(name, 24)
    missing = face.getmask("\U0010FFFD")  # a private-use character no Noto font has
    drawn = face.getmask(char)
    return drawn.size != missing.size or bytes(drawn) != bytes(missing)


def _font_name(char: str, japanese: bool) -> str | None:
    """The font to draw `char` with: its script's, else the first other that has it (Japanese kanji
    the Chinese font lacks, symbols)."""
    name = script(char)
    if name is None:
        return None
    if name == "han" and japanese:
        name = "kana"
    if has_glyph(name, char):
        return name
    return next((other for other in _FONTS if other != name and has_glyph(other, char)), name)


def runs(text: str, japanese: bool = False) -> list[tuple[str, str]]:
    """`text` cut where its font changes: (font name, text) runs. Spaces, digits and punctuation join
    the run around them; kanji in a text with kana take the Japanese font."""
    out: list[tuple[str, str]] = []
    for char in text:
        name = _font_name(char, japanese)
        if name is None and char > "\u2000" and not has_glyph(out[-1][0] if out else "latin", char):
            name = next((other for other in ("symbols", *_FONTS) if has_glyph(other, char)), None)  # ★ ✓ ⚠
        if out and (name is None or name == out[-1][0]):
            out[-1] = (out[-1][0], out[-1][1] + char)
        else:
            out.append((name or (out[-1][0] if out else "latin"), char))
    return out


def _strong(text: str) -> str | None:
    """'rtl' or 'ltr' by the first letter; None for text with no letter (numbers, punctuation)."""
    first = next((name for c in text if (name := script(c))), None)
    return None if first is None else "rtl" if first in _RTL else "ltr"


@dataclass
class _Word:
    op: str
    parts: list[tuple[FreeTypeFont, str]]
    width: float
    direction: str | None


def _visual(words: list[_Word], rtl: bool) -> list[_Word]:
    """A line's words in the order they are drawn, left to right: runs of words against the
    paragraph's direction keep their own order inside it (a short form of the bidi algorithm; words
    with no letter go with the word before them)."""
    base = "rtl" if rtl else "ltr"
    clusters: list[tuple[str, list[_Word]]] = []
    for word in words:
        direction = word.direction or (clusters[-1][0] if clusters else base)
        if clusters and clusters[-1][0] == direction:
            clusters[-1][1].append(word)
        else:
            clusters.append((direction, [word]))
    ordered = [(d, ws[::-1] if d == "rtl" else ws) for d, ws in clusters]
    if rtl:
        ordered.reverse()
    return [w for _, ws in ordered for w in ws]


class _Canvas:
    """A list of draw steps laid out top to bottom, then painted once the height is known."""

    def __init__(self, japanese: bool) -> None:
        self.y = MARGIN
        self.steps: list[tuple[str, Any]] = []
        self.japanese = japanese

    def word(self, op: str, text: str, size: int, bold: bool) -> _Word:
        parts = [(font(name, size, bold), chunk) for name, chunk in runs(text, self.japanese)]
        return _Word(op, parts, sum(f.getlength(chunk) for f, chunk in parts), _strong(text))

    def paragraph(self, items: Tokens, size: int = TEXT_SIZE, bold: bool = False, color: tuple[int, int, int] = INK,
                  dim_unchanged: bool = False) -> None:
        """Words wrapped to the width; right to left when the text opens in a right-to-left script."""
        rtl = _strong("".join(t for _, t in items)) == "rtl"
        space = font("latin", size).getlength(" ")
        height = round(size * LEADING)
        line: list[_Word] = []
        used = 0.0
        for op, token in items:
            if not token.strip():
                continue
            word = self.word(op, token.strip(), size, bold)
            if line and used + word.width > WIDTH - 2 * MARGIN:
                self._line(line, rtl, space, height, size, color, dim_unchanged)
                line, used = [], 0.0
            line.append(word)
            used += word.width + space
        if line:
            self._line(line, rtl, space, height, size, color, dim_unchanged)

    def _line(self, words: list[_Word], rtl: bool, space: float, height: int, size: int,
              color: tuple[int, int, int], dim: bool) -> None:
        width = sum(w.width for w in words) + space * (len(words) - 1)
        x = float(WIDTH - MARGIN - width) if rtl else float(MARGIN)
        baseline = self.y + round(height * 0.72)
        for word in _visual(words, rtl):
            ink = {"-": REMOVED_INK, "+": ADDED_INK}.get(word.op, DIM if dim else color)
            if word.op in ("-", "+"):
                self.steps.append(("box", ([x - 4, self.y + 2, x + word.width + 4, self.y + height - 2],
                                           REMOVED_BG if word.op == "-" else ADDED_BG)))
            left = x
            for face, chunk in word.parts:
                self.steps.append(("text", ((left, baseline), chunk, face, ink)))
                left += face.getlength(chunk)
            if word.op == "-":
                middle = baseline - round(size * 0.3)
                self.steps.append(("strike", ([(x - 2, middle), (x + word.width + 2, middle)], REMOVED_INK)))
            x += word.width + space
        self.y += height

    def gap(self, pixels: int) -> None:
        self.y += pixels

    def rule(self) -> None:
        self.steps.append(("strike", ([(MARGIN, self.y), (WIDTH - MARGIN, self.y)], RULE)))
        self.y += 24

    def paint(self) -> bytes:
        """Boxes first, so no highlight covers the text next to it; then text; then strike lines."""
        from PIL import Image, ImageDraw

        image = Image.new("RGB", (WIDTH, self.y + MARGIN), BACKGROUND)
        draw = ImageDraw.Draw(image)
        for kind, data in sorted(self.steps, key=lambda step: ("box", "text", "strike").index(step[0])):
            if kind == "box":
                draw.rectangle(data[0], fill=data[1])
            elif kind == "text":
                where, chunk, face, ink = data
                draw.text(where, chunk, font=face, fill=ink, anchor="ls")
            else:
                draw.line(data[0], fill=data[1], width=3 if data[1] == REMOVED_INK else 2)
        out = io.BytesIO()
        image.save(out, format="PNG", compress_level=3)
        return out.getvalue()


def _visible(text: str) -> str:
    return BIDI_CONTROLS().sub("", clean(text))


def _blocks(report: Report) -> list[tuple[str, Tokens]]:
    """What the picture shows: the headline change first, then each changed sentence, shortened."""
    return [("headline changed" if entry is None else
             entry["op"] + (f" · {', '.join(entry['tags'])}" if entry.get("tags") else ""),
             shorten(items, CONTEXT_WORDS, CHANGED_WORDS, LONGEST_WORD))
            for entry, items in changed_entries(report, _visible)]


def _plain(text: str) -> Tokens:
    return tokens([("=", _visible(text))])


def _side(words: Tokens, ops: str) -> str:
    return "".join(text for op, text in words if op in ops).strip()


def alt_text(report: Report, *, headline: str, outlet: str, when: str) -> str:
    """The picture in words: what a screen reader says, and the image description on Mastodon and Bluesky."""
    about = ", ".join(filter(None, [clean(outlet), when]))
    parts = [f"Edit to “{clean(headline)}”{f' ({about})' if about else ''}: {report.summary_line()}."]
    for label, items in _blocks(report):
        old, new = _side(items, "=-"), _side(items, "=+")
        kind = label.split(" · ")[0]
        if kind == "removed":
            parts.append(f"Removed: “{old}”.")
        elif kind == "added":
            parts.append(f"Added: “{new}”.")
        else:
            parts.append(f"{kind.capitalize()}: “{old}” became “{new}”.")
    text = " ".join(parts)
    if len(text) <= ALT_LIMIT:
        return text
    cut = text[: ALT_LIMIT - 1].rsplit(" ", 1)[0]
    return cut + " " + ELLIPSIS


def render_picture(report: Report, *, headline: str, outlet: str, when: str) -> Picture:
    """The picture of one edit and its alt text."""
    blocks = _blocks(report)
    japanese = any(script(c) == "kana" for text in [headline, *(t for _, items in blocks for _, t in items)]
                   for c in text)
    canvas = _Canvas(japanese)
    canvas.paragraph(_plain(" · ".join(filter(None, [outlet, when]))), SMALL_SIZE, color=LABEL)
    canvas.gap(6)
    canvas.paragraph(_plain(headline), HEAD_SIZE, bold=True)
    canvas.gap(6)
    canvas.paragraph(_plain(report.summary_line()), SMALL_SIZE, color=LABEL)
    canvas.gap(12)
    for label, items in blocks[:MAX_CHANGES]:
        canvas.rule()
        canvas.paragraph(_plain(label), SMALL_SIZE, color=LABEL)
        canvas.paragraph(items, dim_unchanged=True)
        canvas.gap(8)
    if len(blocks) > MAX_CHANGES:
        more = len(blocks) - MAX_CHANGES
        canvas.rule()
        canvas.paragraph(_plain(f"{ELLIPSIS} and {more} more change{'s' if more != 1 else ''}"), SMALL_SIZE,
                         color=LABEL)
    return Picture(canvas.paint(), alt_text(report, headline=headline, outlet=outlet, when=when))


def when(captured_at: str | None) -> str:
    """A capture time as the picture prints it: `2026-12-02 14:05 UTC`."""
    return parse_utc(captured_at).strftime("%Y-%m-%d %H:%M UTC") if captured_at else ""


def picture_of(report: EngineReport, outlet: str | None) -> Picture:
    """The picture of a report straight from the engine (`newsdiff diff --image`); an article without a
    headline is named by the first words of its new text, as in listings, feeds and alerts."""
    from ..model import display_title

    new = sorted((i, s) for e in report.entries for i, s in zip(e.new_index, e.new, strict=False))
    headline = display_title(report.new.title or report.old.title, " ".join(s for _, s in new)) or ""
    return render_picture(Report.of(report), headline=headline, outlet=outlet or "", when=when(report.new.captured_at))
