"""The picture of an edit: deterministic bytes, real glyphs in every script, the change drawn in colour."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from newsdiff.diff import diff_records
from newsdiff.model import ArticleRecord
from newsdiff.render import picture
from newsdiff.reports import Report
from newsdiff.render.picture import ADDED_BG, REMOVED_BG, font, has_glyph, render_picture, runs

SCRIPTS = {
    "Cyrillic": "Погибли двадцать один человек",
    "Greek": "Σκοτώθηκαν είκοσι ένας άνθρωποι",
    "Arabic": "قتل واحد وعشرون شخصا",
    "Hebrew": "נהרגו עשרים ואחד בני אדם",
    "Chinese": "二十一人死亡，官员说",
    "Japanese": "二十一人が死亡したと当局は発表した",
}


def _report(old: str, new: str, title: str = "Toll rises") -> Report:
    return Report.of(diff_records(ArticleRecord(paragraphs=(old,), title=title, captured_at="2026-01-01T12:00:00Z"),
                                  ArticleRecord(paragraphs=(new,), title=title, captured_at="2026-01-01T14:00:00Z")))


def _missing_box(name: str) -> bytes:
    return bytes(font(name, 24).getmask("\U0010FFFD"))


@pytest.mark.parametrize("script", SCRIPTS)
def test_every_script_is_drawn_with_real_glyphs_not_boxes(script: str) -> None:
    text = SCRIPTS[script]
    for name, chunk in runs(text, japanese=script == "Japanese"):
        for char in chunk:
            if char.isalpha():
                assert bytes(font(name, 24).getmask(char)) != _missing_box(name), (script, char, name)


def test_the_glyph_check_can_tell_a_box() -> None:
    assert not has_glyph("latin", "你") and not has_glyph("latin", "ق")
    assert has_glyph("han", "你") and has_glyph("arabic", "ق") and has_glyph("latin", "Ж")


def test_arabic_is_shaped_its_letters_joined() -> None:
    word = "مرحبا"
    face = font("arabic", 34)
    assert face.getlength(word) < sum(face.getlength(c) for c in word)  # joined forms are narrower than isolated ones


def test_the_same_report_gives_the_same_bytes_and_draws_the_change() -> None:
    report = _report("Fighting left up to 19 dead, officials said.", "Fighting left up to 21 dead, officials said.")
    first = render_picture(report, headline="Toll rises", outlet="reuters", when="2026-01-01 14:00 UTC")
    second = render_picture(report, headline="Toll rises", outlet="reuters", when="2026-01-01 14:00 UTC")
    assert first.png == second.png
    image = Image.open(io.BytesIO(first.png)).convert("RGB")
    assert image.width == picture.WIDTH
    colours = {colour for _, colour in image.getcolors(1_000_000)}
    assert REMOVED_BG in colours and ADDED_BG in colours
    assert "“Fighting left up to 19 dead, officials said.” became “Fighting left up to 21 dead" in first.alt
    assert "reuters" in first.alt and "Toll rises" in first.alt


def test_only_changed_sentences_are_drawn_and_long_ones_are_shortened() -> None:
    kept = " ".join(f"Unchanged sentence number {i} stays." for i in range(200))
    small = render_picture(_report("A 19. " + kept, "A 21. " + kept), headline="T", outlet="o", when="w")
    huge = "word " * 3000
    long = render_picture(_report(f"{huge}19 end.", f"{huge}21 end."), headline="T", outlet="o", when="w")
    assert Image.open(io.BytesIO(small.png)).height < 700
    assert Image.open(io.BytesIO(long.png)).height < 900  # the 3,000 words around the change are shortened
    assert len(long.alt) <= picture.ALT_LIMIT


def _diff_image(cli: Callable[..., Any], tmp_path: Path, old_text: str, new_text: str) -> tuple[Any, Path]:
    """`diff OLD NEW --image edit.png` on two text files: its result, and where the picture went."""
    old, new, out = tmp_path / "old.txt", tmp_path / "new.txt", tmp_path / "edit.png"
    old.write_text(old_text, encoding="utf-8")
    new.write_text(new_text, encoding="utf-8")
    result = cli("diff", str(old), str(new), "--image", str(out))
    assert result.code == 0, result
    return result, out


def test_diff_image_writes_the_picture_and_prints_its_alt_text(cli, tmp_path: Path) -> None:
    result, out = _diff_image(cli, tmp_path, "Toll rises\n\nFighting left up to 19 dead, officials said.\n",
                              "Toll rises\n\nFighting left up to 21 dead, officials said.\n")
    assert out.read_bytes().startswith(b"\x89PNG") and "became" in result.stdout
    bad = cli("diff", str(tmp_path / "old.txt"), str(tmp_path / "new.txt"), "--image",
              str(tmp_path / "missing" / "edit.png"))
    assert bad.code == 1 and "missing/edit.png" in bad.stderr


def test_diff_image_of_an_untitled_article_names_it_by_its_first_words(cli, tmp_path: Path) -> None:
    result, _ = _diff_image(cli, tmp_path, "Fighting left up to 19 dead, officials said.\n\nThe army denied it.\n",
                            "Fighting left up to 21 dead, officials said.\n\nThe army denied it.\n")
    assert result.stdout.startswith("Edit to “Fighting left up to 21 dead, officials said. The army denied it.”")


def test_symbols_the_text_fonts_lack_come_from_the_symbols_font() -> None:
    assert not has_glyph("latin", "★")
    assert ("symbols", "★ ") in runs("Rated ★ by critics")
