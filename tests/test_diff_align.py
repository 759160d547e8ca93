"""The pairing thresholds, checked on real sentences: SIMILAR must keep a newsroom's edits of one
sentence together and keep apart the different sentences of one story."""

from __future__ import annotations

from itertools import combinations

import pytest

from newsdiff.diff import diff_records, segment
from newsdiff.diff.align import MOVED, SIMILAR
from newsdiff.diff.classify import cosmetic_key
from newsdiff.diff.words import similarity, word_bag
from newsdiff.model import ArticleRecord
from newsdiff.sources import parse_bytes

from .conftest import SEEDS

ARTICLES = [segment(parse_bytes(path.read_bytes()).versions[0].paragraphs)
            for path in sorted(SEEDS.glob("00[012]_*.txt"))]
LAVROV = "Lavrov also called for an extended ceasefire in Syria."
ENVOY = ("Staffan de Mistura, the U.N. envoy, made his upbeat comments on Tuesday after holding talks with "
         "Sergei Lavrov, the Russian foreign minister, in Moscow.")
TRUCE = ("The United States and Russia jointly sponsored a ceasefire which has been in place since February and "
         "allowed the first peace talks attended by the warring parties to take place.")
# Edits of one sentence as they appear between versions of a story, each on a sentence of the seeds.
EDITS = [
    (LAVROV, LAVROV.replace("an extended", "a longer")),
    (LAVROV, LAVROV.replace("called for", "urged")),
    (LAVROV, "Lavrov also called for an extended ceasefire in Syria, his ministry said."),
    (ENVOY, ENVOY.replace("on Tuesday", "on Monday")),
    (ENVOY, ENVOY.replace("Staffan de Mistura, the U.N. envoy,", "The U.N. envoy Staffan de Mistura")),
    (ENVOY, ENVOY.replace(", the Russian foreign minister,", "")),
    (TRUCE, TRUCE.replace("since February", "since Feb. 27")),
    (TRUCE, TRUCE.replace(" and allowed the first peace talks attended by the warring parties to take place", "")),
    # The same quote, attributed differently by two outlets (seeds 000 and 001).
    ('"I have a feeling and a hope that we can relaunch this," de Mistura told a news conference after the talks, '
     "referring to the partial truce which was originally brokered by Russia and the United States around two "
     "months ago.",
     '"I have a feeling and a hope that we can relaunch this," De Mistura said.'),
]


def score(a: str, b: str) -> float:
    return similarity(word_bag(cosmetic_key(a)), word_bag(cosmetic_key(b)))


@pytest.mark.parametrize(("old", "new"), EDITS, ids=[f"edit-{n}" for n in range(len(EDITS))])
def test_edits_of_one_sentence_reach_similar(old: str, new: str) -> None:
    assert score(old, new) >= SIMILAR
    # And the engine reports them as one sentence changed, not one removed and another added.
    report = diff_records(ArticleRecord((f"{TRUCE} {old}",)), ArticleRecord((f"{TRUCE} {new}",)))
    assert [c["op"] for c in report.to_json()["changes"]] == ["changed"]


def test_different_sentences_of_one_story_stay_below_similar() -> None:
    """Every pair of distinct sentences within each seed article: the same story and the same names,
    but different sentences (the closest pair scores 0.48)."""
    scores = [score(a, b) for sentences in ARTICLES for a, b in combinations(sentences, 2)
              if cosmetic_key(a).replace(" ", "") != cosmetic_key(b).replace(" ", "")]
    assert len(scores) > 500
    assert max(scores) < SIMILAR
    assert max(scores) > 0.4  # the story's own sentences do share words: the test has something to separate


def test_moved_threshold_is_stricter_than_pairing() -> None:
    # A sentence found elsewhere is called moved only when nearly the same: the weakest edit above is not.
    assert SIMILAR < MOVED <= 1.0
    assert min(score(a, b) for a, b in EDITS) < MOVED
