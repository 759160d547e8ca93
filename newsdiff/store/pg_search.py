"""FTS5 query expressions run on PostgreSQL's full-text search, with the answers SQLite's index gives.

`search --fts` takes SQLite FTS5 syntax: phrases ("a b", a + b), prefixes (word*), implicit and
explicit AND, OR, NOT (NOT binds tightest, then AND, then OR), NEAR(a b ..., N), `^` (a phrase that
starts its paragraph) and column filters (`text:`, `{text}:`, `-text:`; the index has the one column
`text`). The expression is first given to SQLite's own FTS5 parser on an empty in-memory table, so a
malformed one fails with SQLite's very message; then it is parsed here, as FTS5's grammar groups it, and
translated:

- a phrase is a tsquery of its words as PostgreSQL's parser splits them (`'a' <-> 'b':*`);
- AND, OR and NOT are `&`, `|` and `& !`;
- NEAR and `^` need positions no tsquery operator can state (NEAR's phrases within N tokens in any
  order, FTS5's rule: each phrase starts at most its length plus N before the last one starts), so
  they are SQL over the passage's tsvector positions, after a tsquery of their phrases picks the
  candidate passages through the index;
- what FTS5 drops is dropped alike: a phrase of punctuation alone matches nothing and vanishes from an
  implicit AND, an OR, a NOT's right side and a NEAR group; a column filter excluding `text` matches
  nothing.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import psycopg

# FTS5's expression tokens: a quoted string ("" for a quote), a bareword (ASCII letters and digits, `_`,
# any non-ASCII character, \x1a) or one punctuation character.
_TOKEN = re.compile(r'\s*(?:"((?:[^"]|"")*)"|([\w\x1a\x80-\U0010ffff]+)|(.))', re.ASCII)
_OPERATORS = ("AND", "OR", "NOT")


@dataclass
class _Phrase:
    """Strings whose words follow one another, each maybe a prefix (its last word); `^`: at the start."""

    strings: list[tuple[str, bool]]
    caret: bool = False


@dataclass
class _Near:
    phrases: list[_Phrase]
    distance: int = 10


@dataclass
class _Binary:
    op: str  # AND, OR, NOT (implicit AND is AND with `implicit`)
    left: Any
    right: Any
    implicit: bool = False


@dataclass
class _Columns:
    """A column filter: `excluded` when it names the columns to leave out (`-text:`)."""

    excluded: bool
    node: Any


@dataclass
class _Parser:
    tokens: list[tuple[str, str]]  # (kind, text): kind is "string", "word" or the punctuation itself
    at: int = 0

    def peek(self, ahead: int = 0) -> tuple[str, str]:
        return self.tokens[self.at + ahead] if self.at + ahead < len(self.tokens) else ("", "")

    def take(self) -> tuple[str, str]:
        token = self.peek()
        self.at += 1
        return token

    def binary(self, level: int = 0) -> Any:
        """OR over AND over NOT, each left-associative."""
        if level == len(_OPERATORS):
            return self.primary()
        op = ("OR", "AND", "NOT")[level]
        node = self.binary(level + 1)
        while self.peek() == ("word", op):
            self.take()
            node = _Binary(op, node, self.binary(level + 1))
        return node

    def primary(self) -> Any:
        if self.peek()[0] == "(":
            self.take()
            node = self.binary()
            self.take()  # ")"
            return node
        if self._columns_ahead() and self._after_columns()[0] == "(":
            excluded = self._columns()
            return _Columns(excluded, self.primary())
        node = self.cnearset()
        while self.peek()[0] in ("string", "-", "{", "^") or (
                self.peek()[0] == "word" and self.peek()[1] not in _OPERATORS):
            node = _Binary("AND", node, self.cnearset(), implicit=True)
        return node

    def _columns_ahead(self) -> bool:
        kind = self.peek()[0]
        return kind in ("-", "{") or (kind in ("string", "word") and self.peek(1)[0] == ":")

    def _after_columns(self) -> tuple[str, str]:
        """The token after a column filter's colon."""
        ahead = 0
        while self.peek(ahead)[0] != ":":
            ahead += 1
        return self.peek(ahead + 1)

    def _columns(self) -> bool:
        """Read a column filter up to its colon; True when it excludes the columns it names."""
        excluded = self.peek()[0] == "-"
        while self.take()[0] != ":":
            pass
        return excluded

    def cnearset(self) -> Any:
        if self._columns_ahead():
            excluded = self._columns()
            return _Columns(excluded, self.nearset())
        return self.nearset()

    def nearset(self) -> Any:
        if self.peek()[0] == "^":
            self.take()
            phrase = self.phrase()
            phrase.caret = True
            return phrase
        if self.peek() == ("word", "NEAR") and self.peek(1)[0] == "(":
            self.at += 2
            near = _Near([self.phrase()])
            while self.peek()[0] not in (",", ")"):
                near.phrases.append(self.phrase())
            if self.take()[0] == ",":
                near.distance = int(self.take()[1])
                self.take()  # ")"
            return near
        return self.phrase()

    def phrase(self) -> _Phrase:
        strings = [self._string()]
        while self.peek()[0] == "+":
            self.take()
            strings.append(self._string())
        return _Phrase(strings)

    def _string(self) -> tuple[str, bool]:
        text = self.take()[1]
        prefix = self.peek()[0] == "*"
        if prefix:
            self.take()
        return text, prefix


def parse(fts: str) -> Any:
    """The expression's tree, as FTS5 groups it; `fts` must be valid FTS5 (checked beforehand)."""
    tokens = []
    for quoted, word, char in _TOKEN.findall(fts.rstrip()):
        if quoted or (not word and not char):
            tokens.append(("string", quoted.replace('""', '"')))
        else:
            tokens.append(("word", word) if word else (char, char))
    return _Parser(tokens).binary()


def _strings(node: Any) -> list[str]:
    """Every string the tree's phrases hold, in order."""
    if isinstance(node, _Phrase):
        return [text for text, _ in node.strings]
    if isinstance(node, _Near):
        return [text for phrase in node.phrases for text, _ in phrase.strings]
    if isinstance(node, _Binary):
        return _strings(node.left) + _strings(node.right)
    return _strings(node.node)


# -- translation ------------------------------------------------------------------------------------

@dataclass
class Part:
    """A translated node: `tsquery` alone when it states the node exactly; otherwise `sql`, a condition
    on the row's `terms` (with `params`), and `tsquery` a looser query used only for ranking."""

    tsquery: str
    sql: str | None = None
    params: list[Any] = field(default_factory=list)

    def condition(self) -> tuple[str, list[Any]]:
        return (self.sql, self.params) if self.sql is not None else ("terms @@ %s::tsquery", [self.tsquery])


NOTHING = Part("")  # a node that matches no passage (an excluded column); None: one FTS5 drops


@dataclass
class _Words:
    """A phrase as the index holds it: each word (lexeme) with its offset from the first, prefix or not."""

    words: list[tuple[int, str, bool]]

    @property
    def width(self) -> int:
        return self.words[-1][0] + 1

    def tsquery(self) -> str:
        out: list[str] = []
        last = 0
        for offset, lexeme, prefix in self.words:
            if out:
                out.append("<->" if offset - last == 1 else f"<{offset - last}>")
            out.append(_quoted(lexeme) + (":*" if prefix else ""))
            last = offset
        return " ".join(out)

    def starts(self) -> tuple[str, list[Any]]:
        """SQL for the positions at which the phrase starts in `terms`."""
        conditions: list[str] = []
        params: list[Any] = []
        for n, (offset, lexeme, prefix) in enumerate(self.words):
            test = f"starts_with(w{n}.lexeme, %s)" if prefix else f"w{n}.lexeme = %s"
            if n == 0:
                conditions.append(test)
                params.append(lexeme)
            else:
                conditions.append(f"EXISTS (SELECT 1 FROM unnest(terms) w{n}, unnest(w{n}.positions) p{n} "
                                  f"WHERE {test} AND p{n} = p0 + %s)")
                params += [lexeme, offset]
        return (f"SELECT p0 AS s FROM unnest(terms) w0, unnest(w0.positions) p0 "
                f"WHERE {' AND '.join(conditions)}", params)


def _quoted(lexeme: str) -> str:
    return "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'"


def _phrase_words(phrase: _Phrase, lexemes: dict[str, list[tuple[int, str]]]) -> _Words | None:
    """The phrase's words, its strings' one after another; None when it has none (punctuation alone)."""
    words: list[tuple[int, str, bool]] = []
    for text, prefix in phrase.strings:
        found = lexemes.get(text, [])
        base = words[-1][0] + 1 if words else 0  # the next string's first word follows the last one
        words += [(base + position - found[0][0], lexeme, prefix and i == len(found) - 1)
                  for i, (position, lexeme) in enumerate(found)]
    return _Words(words) if words else None


def _translate(node: Any, lexemes: dict[str, list[tuple[int, str]]]) -> Part | None:
    if isinstance(node, _Phrase):
        words = _phrase_words(node, lexemes)
        if words is None:
            return None
        if not node.caret:
            return Part(words.tsquery())
        starts, params = words.starts()
        return Part(words.tsquery(), f"(terms @@ %s::tsquery AND 1 IN ({starts}))",
                    [words.tsquery(), *params])
    if isinstance(node, _Near):
        return _near([w for w in (_phrase_words(p, lexemes) for p in node.phrases) if w], node.distance)
    if isinstance(node, _Columns):
        inner = _translate(node.node, lexemes)
        return NOTHING if node.excluded and inner is not None else inner
    return _combine(node, _translate(node.left, lexemes), _translate(node.right, lexemes))


def _near(phrases: Sequence[_Words], distance: int) -> Part | None:
    """Phrases within `distance` tokens of one another in any order: each starts at most its own width
    plus `distance` before the last of them starts (FTS5's rule). Put another way, some phrase starts at
    a position from which every phrase has a start at most its width plus `distance` back: checked
    start by start, so the work grows with the starts found, not with their combinations."""
    if len(phrases) <= 1:
        return Part(phrases[0].tsquery()) if phrases else None
    every = " & ".join(f"({words.tsquery()})" for words in phrases)
    starts = [words.starts() for words in phrases]
    within = " AND ".join(f"EXISTS (SELECT 1 FROM ({sql}) x WHERE x.s BETWEEN m.s - %s AND m.s)" for sql, _ in starts)
    sql = (f"(terms @@ %s::tsquery AND EXISTS (SELECT 1 FROM ({' UNION '.join(sql for sql, _ in starts)}) m "
           f"WHERE {within}))")
    params = [every, *(p for _, found in starts for p in found)]
    for (_, found), words in zip(starts, phrases, strict=True):
        params += [*found, words.width + distance]
    return Part(every, sql, params)


def _combine(node: _Binary, left: Part | None, right: Part | None) -> Part | None:
    """AND, OR or NOT of two translated nodes, dropping and short-circuiting as FTS5 does."""
    if node.op == "OR" or (node.op == "AND" and node.implicit) or (node.op == "NOT" and right is None):
        if left is None or right is None:
            return left if right is None else right
    if left is None or right is None:  # an explicit AND with a dropped side, or a NOT of nothing
        return None
    if node.op == "OR" and (left is NOTHING or right is NOTHING):
        return left if right is NOTHING else right
    if left is NOTHING or (node.op == "AND" and right is NOTHING):
        return NOTHING
    if node.op == "NOT" and right is NOTHING:
        return left
    symbol, word = {"AND": ("&", "AND"), "OR": ("|", "OR"), "NOT": ("& !", "AND NOT")}[node.op]
    tsquery = f"({left.tsquery}) {symbol}({right.tsquery})"
    if left.sql is None and right.sql is None:
        return Part(tsquery)
    (left_sql, left_params), (right_sql, right_params) = left.condition(), right.condition()
    return Part(tsquery, f"({left_sql} {word} {right_sql})", [*left_params, *right_params])


def translate(conn: psycopg.Connection[Any], config: str, fts: str) -> Part | None:
    """A valid FTS5 expression as a condition on `passages.terms`: None or NOTHING when it matches no
    passage. Its strings are split into words by the server, as the index's texts were."""
    tree = parse(fts)
    strings = sorted(set(_strings(tree)))
    lexemes: dict[str, list[tuple[int, str]]] = {}
    for text, position, lexeme in conn.execute(
            f"SELECT s.text, p, w.lexeme FROM unnest(%s::text[]) s(text), "
            f"unnest(to_tsvector('{config}', s.text)) w, unnest(w.positions) p ORDER BY 1, 2", [strings]):
        lexemes.setdefault(text, []).append((int(position), lexeme))
    return _translate(tree, lexemes)
