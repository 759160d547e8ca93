"""Measures of a page's text shared by metadata, extraction and the page-type guards."""

from __future__ import annotations

import re
from collections.abc import Iterable

__all__ = ["squash", "word_count"]

_CJK = re.compile("[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")


def word_count(paragraphs: Iterable[str]) -> int:
    """Words, with every two Chinese, Japanese or Korean characters counted as one (they use no spaces)."""
    return sum(len(p.split()) + len(_CJK.findall(p)) // 2 for p in paragraphs)


def squash(text: str) -> str:
    """Lower-case letters and digits only: the key under which two renderings of a text compare equal."""
    return re.sub(r"\W+", "", text.lower())
