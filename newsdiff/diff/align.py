"""Sentence alignment: which sentence of the old version became which sentence of the new one.

1. Unchanged sentences are anchored first: diff-match-patch over the two sentence lists, one
   character per distinct sentence (compared by `cosmetic_key`, so a curly quote does not unanchor
   a sentence). Two sentences that swapped places are a tie (either could be the one that moved):
   given the paragraphs, the one whose paragraph neighbours changed is called moved.
2. Each stretch between anchors (a region) is aligned in order by dynamic programming over the
   deleted and added sentences: a pair is `changed` when its word similarity reaches SIMILAR; one
   sentence becoming two adjacent ones is `split`, two becoming one `merged`; the rest are
   `removed` / `added`. Three sentences becoming one whose words come from the first and the last
   is a merge across the middle one, which is `removed` ("Road closed. Police gave no reason.
   Traffic diverted." -> "Road closed, and traffic diverted."); one becoming three, a split around
   an `added` one.
3. A removed sentence whose identical or near-identical (MOVED) twin was added elsewhere is `moved`;
   one whose two halves were added side by side elsewhere is `split` (two adjacent removed sentences
   added elsewhere as one are `merged`): a neighbour that moved past them must not hide the split.

4. When the two texts are different accounts rather than versions (fewer than a third of the shorter
   one's sentences kept or edited in place: two outlets' stories on one event), sentences left
   removed and added are paired, best first and in any order, as `changed` when they say the same
   thing in other words: three content words in common or more, and at least ACCOUNT of them (Dice)
   if a name or a figure is among them, twice that if not.

The result lists the anchored stretches as `Run`s, not sentence by sentence: in a long article with a
few edits nearly every sentence is anchored, and the report only needs the stretch.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Sequence
from typing import NamedTuple

from ..lazy import pattern_on_use
from .classify import cosmetic_key
from .words import containment, diff_tokens, similarity, word_bag

__all__ = ["Pairing", "Run", "align", "SIMILAR", "MOVED", "PART"]

# Word (Dice) similarity from which a deleted and an added sentence in the same place are one sentence
# edited rather than one removed and another added. Chosen on tests/test_diff_align.py's real sentences:
# edits of one sentence (a word or figure changed, a clause added or cut, a quote re-attributed) score
# 0.51-1.0, while no two different sentences of one seed story (543 pairs) score above 0.48.
SIMILAR = 0.5
# Similarity from which a sentence found elsewhere counts as moved (possibly edited), not removed+added.
MOVED = 0.8
# Share of each half of a split (or merge) that must come from the other side.
PART = 0.6
# Content-word similarity from which two accounts' sentences say the same thing in other words. Chosen
# on the seed stories (three outlets on one event): paraphrases of one statement score 0.24-0.55 with a
# name or figure in common; sentences that only share "hope" or "talks" stay apart.
ACCOUNT = 0.24
_ACCOUNT_SHARED = 3  # content words two paraphrases share at the least
_ACCOUNT_PAIRS = 20_000  # most removed x added sentences compared as paraphrases (a few ms)
# Words that say nothing of what a sentence is about: left out of the content words compared.
_FUNCTION_WORDS = frozenset(
    "a an the and or but nor of to in on at for by with from as is was were are be been being am has have had "
    "do does did that this these those which who whom whose what when where why how it its he she they them "
    "his her their him we us our i me my you your said says say told would will could can may might must "
    "shall should not no than then there also after before about into over more most up out so if all any "
    "some such very just only now even still while because though although during since until per".split()
)
# Asked only when removed and added sentences are left to pair as paraphrases (see `paraphrases`).
_NAME_OR_FIGURE = pattern_on_use(r"(?<=[\s(\"“‘'])[A-Z][\w'’-]*|\d[\d.,]*")
# Largest region aligned in one piece; bigger ones (wholesale rewrites) are cut into diagonal blocks.
_REGION_CELLS = 40_000
# Most removed x added sentences tried as far-away halves of a split or merge (a few ms at worst).
_FAR_PAIRS = 2_500
_OPS = {(1, 0): "removed", (0, 1): "added", (1, 1): "changed", (1, 2): "split", (2, 1): "merged",
        (1, 3): "split", (3, 1): "merged"}  # 3: across a sentence added (split) or removed (merged)
_STEPS = ((1, 1), (1, 2), (2, 1), (1, 3), (3, 1))


class Pairing(NamedTuple):
    """One entry of an alignment: sentence indexes on each side and what happened to them."""

    op: str  # changed, added, removed, moved, split, merged
    old: tuple[int, ...]
    new: tuple[int, ...]


class Run(NamedTuple):
    """Anchored sentences: old[old + k] and new[new + k], for k < length, are the same sentence (their
    cosmetic keys are equal; the texts may still differ in quote style or spacing)."""

    old: int
    new: int
    length: int


class _Aligner:
    def __init__(self, old: list[str], new: list[str],
                 paragraphs: tuple[Sequence[int], Sequence[int]] | None = None) -> None:
        self.old, self.new = old, new
        self.paragraphs = paragraphs
        self.old_keys = [cosmetic_key(s) for s in old]
        known = dict(zip(old, self.old_keys, strict=True))  # most sentences are in both versions: fold them once
        self.new_keys = [known[s] if s in known else cosmetic_key(s) for s in new]
        self._old_bags: dict[int, Counter[str]] = {}
        self._new_bags: dict[int, Counter[str]] = {}
        # In reading order as emitted: each region's entries come between the runs around it, and a
        # region emits removed sentences before the new sentence at the same position.
        self.entries: list[Run | Pairing] = []
        self.removed: list[int] = []
        self.added: list[int] = []

    def old_bag(self, index: int) -> Counter[str]:
        if index not in self._old_bags:
            self._old_bags[index] = word_bag(self.old_keys[index])
        return self._old_bags[index]

    def new_bag(self, index: int) -> Counter[str]:
        if index not in self._new_bags:
            self._new_bags[index] = word_bag(self.new_keys[index])
        return self._new_bags[index]

    def emit(self, op: str, old: tuple[int, ...], new: tuple[int, ...]) -> None:
        self.entries.append(Pairing(op, old, new))
        if op == "removed":
            self.removed.append(old[0])
        elif op == "added":
            self.added.append(new[0])

    def run(self) -> list[Run | Pairing]:
        i = j = 0
        deleted: list[int] = []
        inserted: list[int] = []
        ops = diff_tokens(self.old_keys, self.new_keys)
        for op, count in self.untie(ops) if self.paragraphs else ops:
            if op == "=":
                self.region(deleted, inserted)
                deleted, inserted = [], []
                self.entries.append(Run(i, j, count))
                i, j = i + count, j + count
            elif op == "-":
                deleted.extend(range(i, i + count))
                i += count
            else:
                inserted.extend(range(j, j + count))
                j += count
        self.region(deleted, inserted)
        self.moves()
        kept = sum(e.length if isinstance(e, Run) else int(e.op in ("changed", "split", "merged"))
                   for e in self.entries)
        if 3 * kept < min(len(self.old), len(self.new)):
            self.paraphrases()
        return self.entries

    def untie(self, ops: list[tuple[str, int]]) -> list[tuple[str, int]]:
        """Settle swaps the other way where that reads better: old X Y became new Y X, and the diff
        anchored Y (X moved) although X kept its paragraph neighbours and Y did not."""
        out: list[tuple[str, int]] = []
        i = j = 0  # positions at ops[t]
        t = 0
        while t < len(ops):
            op, count = ops[t]
            window = ops[t:t + 3]
            if (len(window) == 3 and count == 1 and window[1] == ("=", 1) and {op, window[2][0]} == {"-", "+"}):
                # "-" first: X = old[i], Y = old[i + 1] = new[j], X again at new[j + 1]; "+" first: mirrored.
                x_old, y_old, y_new, x_new = (i, i + 1, j, j + 1) if op == "-" else (i + 1, i, j + 1, j)
                if (self.old_keys[x_old] == self.new_keys[x_new] and self.settled(x_old, x_new)
                        and not self.settled(y_old, y_new)):
                    rest = window[2][1] - 1
                    other = "+" if op == "-" else "-"
                    out += [(other, 1), ("=", 1), (op, 1)] + ([(window[2][0], rest)] if rest else [])
                    moved = 1 + window[2][1]  # X, Y and what the last op covers
                    i, j, t = (i + 2, j + moved, t + 3) if op == "-" else (i + moved, j + 2, t + 3)
                    continue
            out.append((op, count))
            i += count if op in "-=" else 0
            j += count if op in "+=" else 0
            t += 1
        return out

    def settled(self, old: int, new: int) -> bool:
        """Whether a sentence has the same neighbours within its paragraph in both versions."""
        assert self.paragraphs is not None
        return (self.context(self.old_keys, self.paragraphs[0], old)
                == self.context(self.new_keys, self.paragraphs[1], new))

    @staticmethod
    def context(keys: list[str], paragraph: Sequence[int], at: int) -> tuple[str | None, str | None]:
        before = keys[at - 1] if at and paragraph[at - 1] == paragraph[at] else None
        after = keys[at + 1] if at + 1 < len(keys) and paragraph[at + 1] == paragraph[at] else None
        return before, after

    def region(self, deleted: list[int], inserted: list[int]) -> None:
        """Align one stretch between anchors, in diagonal blocks small enough to align whole."""
        if len(deleted) * len(inserted) <= _REGION_CELLS:  # nearly every region: one block
            self.block(deleted, inserted)
            return
        blocks = max(1, math.ceil(math.sqrt(len(deleted) * len(inserted) / _REGION_CELLS)))
        for block in range(blocks):
            d = deleted[len(deleted) * block // blocks: len(deleted) * (block + 1) // blocks]
            n = inserted[len(inserted) * block // blocks: len(inserted) * (block + 1) // blocks]
            self.block(d, n)

    def pair_score(self, old: list[int], new: list[int]) -> float:
        """Similarity of old sentence(s) and new sentence(s) if they qualify as one edited unit, else 0."""
        old_bag, new_bag = self.old_bag(old[0]), self.new_bag(new[0])
        if len(old) == 1 and len(new) == 1:
            score = similarity(old_bag, new_bag)
            return score if score >= SIMILAR else 0.0
        parts = [self.new_bag(k) for k in new] if len(new) > 1 else [self.old_bag(k) for k in old]
        whole = old_bag if len(new) > 1 else new_bag
        if any(containment(part, whole) < PART for part in parts):
            return 0.0
        score = similarity(whole, parts[0] + parts[1])
        return score if score >= SIMILAR else 0.0

    def block(self, deleted: list[int], inserted: list[int]) -> None:
        """Order-preserving alignment of one block by dynamic programming, maximising total similarity."""
        n, m = len(deleted), len(inserted)
        if n == 1 and m == 1 and self.pair_score(deleted, inserted):  # what the table below finds
            self.emit("changed", (deleted[0],), (inserted[0],))
            return
        if not n or not m or n == m == 1:
            for d in deleted:
                self.emit("removed", (d,), ())
            for k in inserted:
                self.emit("added", (), (k,))
            return
        # best[a][b]: score of the best alignment of deleted[:a] with inserted[:b]; step: its last move
        best = [[0.0] * (m + 1) for _ in range(n + 1)]
        step = [[(0, 0)] * (m + 1) for _ in range(n + 1)]
        for a in range(n + 1):
            for b in range(m + 1):
                if a == 0 and b == 0:
                    continue
                options = []  # on a tie the first wins: an added sentence last, so removals read first
                if b:
                    options.append((best[a][b - 1], (0, 1)))
                if a:
                    options.append((best[a - 1][b], (1, 0)))
                for da, db in _STEPS:
                    if a >= da and b >= db:
                        score = self.pair_score(_ends(deleted[a - da:a]), _ends(inserted[b - db:b]))
                        if score:
                            options.append((best[a - da][b - db] + score, (da, db)))
                best[a][b], step[a][b] = max(options, key=lambda option: option[0])
        path = []
        a, b = n, m
        while a or b:
            da, db = step[a][b]
            path.append((deleted[a - da:a], inserted[b - db:b]))
            a, b = a - da, b - db
        for olds, news in reversed(path):
            self.emit(_OPS[len(olds), len(news)], tuple(_ends(olds)), tuple(_ends(news)))
            if len(olds) == 3:
                self.emit("removed", (olds[1],), ())
            elif len(news) == 3:
                self.emit("added", (), (news[1],))

    def moves(self) -> None:
        """Turn removed+added twins into moves: identical ones first, then near-identical by similarity."""
        pairings = [(n, entry) for n, entry in enumerate(self.entries) if type(entry) is Pairing]
        removed_at = {entry.old[0]: n for n, entry in pairings if entry.op == "removed"}
        added_at = {entry.new[0]: n for n, entry in pairings if entry.op == "added"}
        matches: list[tuple[int, int]] = []
        by_key: dict[str, list[int]] = defaultdict(list)
        for d in self.removed:
            by_key[self.old_keys[d]].append(d)
        unmatched = []
        for k in self.added:
            twins = by_key.get(self.new_keys[k])
            if twins:
                matches.append((twins.pop(0), k))
            else:
                unmatched.append(k)
        left = [d for twins in by_key.values() for d in twins]
        matches.extend(self.near_twins(left, unmatched))
        dropped = set()
        for d, k in matches:
            self.entries[added_at[k]] = Pairing("moved", (d,), (k,))
            dropped.add(removed_at[d])
        matched_old, matched_new = {d for d, _ in matches}, {k for _, k in matches}
        for olds, news in self.far_halves([d for d in left if d not in matched_old],
                                          [k for k in unmatched if k not in matched_new]):
            self.entries[added_at[news[0]]] = Pairing(_OPS[len(olds), len(news)], olds, news)
            dropped.update([removed_at[d] for d in olds] + [added_at[k] for k in news[1:]])
        self.entries = [entry for n, entry in enumerate(self.entries) if n not in dropped]

    def paraphrases(self) -> None:
        """Pair the removed and added sentences of two accounts that say the same thing (see ACCOUNT)."""
        at = {(e.op, e.old[0] if e.old else e.new[0]): n for n, e in enumerate(self.entries)
              if type(e) is Pairing and e.op in ("removed", "added")}
        removed = [d for op, d in at if op == "removed"]
        added = [k for op, k in at if op == "added"]
        if not removed or not added or len(removed) * len(added) > _ACCOUNT_PAIRS:
            return
        old = [_content(self.old[d]) for d in removed]
        new = [_content(self.new[k]) for k in added]
        scored = []
        for a, (old_words, old_names) in zip(removed, old, strict=True):
            for k, (new_words, new_names) in zip(added, new, strict=True):
                shared = len(old_words & new_words)
                if shared < _ACCOUNT_SHARED:
                    continue
                score = 2 * shared / (len(old_words) + len(new_words))
                if score >= (ACCOUNT if old_names & new_names else 2 * ACCOUNT):
                    scored.append((-score, a, k))
        dropped = set()
        taken_old: set[int] = set()
        taken_new: set[int] = set()
        for _score, d, k in sorted(scored):
            if d not in taken_old and k not in taken_new:
                taken_old.add(d)
                taken_new.add(k)
                self.entries[at["added", k]] = Pairing("changed", (d,), (k,))
                dropped.add(at["removed", d])
        self.entries = [entry for n, entry in enumerate(self.entries) if n not in dropped]

    def near_twins(self, removed: list[int], added: list[int]) -> list[tuple[int, int]]:
        """Greedy best-first matching of sentences at least MOVED similar, found through shared words
        (words shared by many removed sentences are not used to find candidates, which keeps a
        wholesale rewrite from comparing every sentence with every other)."""
        postings: dict[str, list[tuple[int, int]]] = defaultdict(list)  # word -> (sentence, count)
        for d in removed:
            for word, count in self.old_bag(d).items():
                postings[word].append((d, count))
        common = max(16, len(removed) // 10)
        sizes = {d: self.old_bag(d).total() for d in removed}
        scored = []
        for k in added:
            bag = self.new_bag(k)
            size = bag.total()
            shared: dict[int, int] = defaultdict(int)  # words shared with each candidate, through the index
            frequent = []  # the sentence's words too common to look up, and their counts
            for word in bag.keys() & postings.keys():  # in C: most of its words are in no removed sentence
                count, found = bag[word], postings[word]
                if len(found) > common:
                    frequent.append((word, count))
                    continue
                for d, other in found:
                    shared[d] += other if other < count else count  # min(), without a call: the hot loop
            unindexed = sum(count for _word, count in frequent)  # at most this many more words shared
            for d, known in shared.items():
                total = size + sizes[d]
                # The words shared cannot exceed the shorter sentence: most candidates fall short of
                # MOVED by this bound alone, and only the rest need their frequent words counted.
                if 2 * min(known + unindexed, size, sizes[d]) / total < MOVED:
                    continue
                old = self.old_bag(d)
                score = 2 * (known + sum(min(count, old[word]) for word, count in frequent)) / total  # Dice
                if score >= MOVED:
                    scored.append((-score, d, k))
        taken_old: set[int] = set()
        taken_new: set[int] = set()
        matches = []
        for _score, d, k in sorted(scored):
            if d not in taken_old and k not in taken_new:
                taken_old.add(d)
                taken_new.add(k)
                matches.append((d, k))
        return matches

    def far_halves(self, removed: list[int], added: list[int]) -> list[tuple[tuple[int, ...], tuple[int, ...]]]:
        """Splits and merges that a move carried away from their region: a removed sentence whose two
        halves were added next to each other elsewhere, or two adjacent removed ones added as one.
        Best first; skipped when so much was rewritten that trying every pairing would cost more than
        the report is worth."""
        if len(removed) * len(added) > _FAR_PAIRS:
            return []
        adjacent_new = [(k, k + 1) for k in added if k + 1 in added]
        adjacent_old = [(d, d + 1) for d in removed if d + 1 in removed]
        scored: list[tuple[float, tuple[int, ...], tuple[int, ...]]] = [
            (-score, (d,), pair) for d in removed for pair in adjacent_new
            if (score := self.pair_score([d], list(pair)))]
        scored += [(-score, pair, (k,)) for pair in adjacent_old for k in added
                   if (score := self.pair_score(list(pair), [k]))]
        taken: set[tuple[str, int]] = set()
        found: list[tuple[tuple[int, ...], tuple[int, ...]]] = []
        for _score, olds, news in sorted(scored):
            sides = {("old", d) for d in olds} | {("new", k) for k in news}
            if not sides & taken:
                taken |= sides
                found.append((olds, news))
        return found


def _content(sentence: str) -> tuple[set[str], set[str]]:
    """A sentence's content words (case-folded, function words left out), and those of them that are
    names (capitalised inside the sentence) or figures."""
    words = set(word_bag(cosmetic_key(sentence))) - _FUNCTION_WORDS
    names = {word.casefold() for word in _NAME_OR_FIGURE().findall(f" {sentence}"[1:])} & words
    return words, names


def _ends(indexes: list[int]) -> list[int]:
    """The sentences of a three-sentence step that make the merge or split: the first and the last."""
    return [indexes[0], indexes[2]] if len(indexes) == 3 else indexes


def align(old: list[str], new: list[str],
          paragraphs: tuple[Sequence[int], Sequence[int]] | None = None) -> list[Run | Pairing]:
    """Every sentence of both versions in exactly one run or pairing, in the new version's reading
    order (removed sentences sit where they used to be). `paragraphs`: each sentence's paragraph
    number on each side, which settles which of two swapped sentences moved."""
    return _Aligner(old, new, paragraphs).run()
