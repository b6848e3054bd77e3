"""Which documents hold each word, per field, in memory: the full-text match, the name and tag tiers and the
typo candidates of a search without a round trip to the catalog.

Matching a common word in SQL meant reading tens of thousands of ids back per search (a sequential tsvector
scan of ~100 ms at 100k documents on PostgreSQL). Here words are sorted, so a word is a code and a prefix a
contiguous range of codes; each field keeps its postings grouped by code (CSR), so the documents of a word
or of a whole prefix are one slice. Both backends tokenize the same way (`text.words`).
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from lakemesh.discovery.text import MAX_WORD, TEXT_END, close_terms, words_of_texts

FIELDS = ("name", "tags", "description", "columns")
BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.int64]
Positions = npt.NDArray[np.int32]


@dataclass(frozen=True)
class Postings:
    """One field's (word code -> document positions) lists, stored end to end: word c is docs[starts[c]:starts[c+1]]."""

    starts: IntArray
    docs: Positions


@dataclass(frozen=True)
class WordIndex:
    size: int
    words: list[str]  # sorted; a word's code is its index here
    codes: dict[str, int]
    fields: dict[str, Postings]
    _shapes: dict[tuple[str, int], list[str]] = field(default_factory=dict)

    @classmethod
    def build(cls, texts: dict[str, Sequence[str]]) -> WordIndex:
        """Tokenize every field of every document (texts[field][position]) in one pass per field."""
        size = len(next(iter(texts.values()))) if texts else 0
        tokens = {name: words_of_texts(texts.get(name, [""] * size)) for name in FIELDS}
        vocabulary = set().union(*(set(found) for found in tokens.values()))
        vocabulary.discard(TEXT_END)
        ordered = sorted(w for w in vocabulary if len(w) <= MAX_WORD)
        codes = {word: code for code, word in enumerate(ordered)}
        lookup = {**dict.fromkeys(vocabulary, -1), **codes, TEXT_END: -2}  # -1: too long, -2: end of a text
        fields = {}
        for name, found in tokens.items():
            token_codes = np.fromiter(map(lookup.__getitem__, found), dtype=np.int64, count=len(found))
            ends = token_codes == -2
            owner = np.cumsum(ends) - ends  # the position of the text each token belongs to
            kept = token_codes >= 0
            # One entry per (word, document), sorted by word then document: the CSR layout in one sort.
            pairs = np.sort(token_codes[kept] * max(size, 1) + owner[kept])
            pairs = pairs[np.concatenate(([True], pairs[1:] != pairs[:-1]))] if len(pairs) else pairs
            word_codes = pairs // max(size, 1)
            starts = np.searchsorted(word_codes, np.arange(len(ordered) + 1)).astype(np.int64)
            fields[name] = Postings(starts=starts, docs=(pairs % max(size, 1)).astype(np.int32))
        shapes: dict[tuple[str, int], list[str]] = {}
        for word in ordered:
            shapes.setdefault((word[0], len(word)), []).append(word)
        return cls(size=size, words=ordered, codes=codes, fields=fields, _shapes=shapes)

    def knows(self, word: str) -> bool:
        return word in self.codes

    def close_words(self, word: str, typos: int) -> list[str]:
        """Indexed words within `typos` edits of `word` that start with the same letter (the usual typo)."""
        candidates = [
            known
            for length in range(len(word) - typos, len(word) + typos + 1)
            for known in self._shapes.get((word[0], length), ())
        ]
        return close_terms(word, candidates)

    def spellings(self, group: Iterable[str], *, prefix: str | None = None) -> list[tuple[int, int]]:
        """Code ranges [start, stop) of the given words, plus every word starting with `prefix`."""
        ranges = [(self.codes[w], self.codes[w] + 1) for w in group if w in self.codes]
        if prefix:
            start = bisect.bisect_left(self.words, prefix)
            stop = bisect.bisect_left(self.words, prefix + "\U0010ffff")
            if start < stop:
                ranges.append((start, stop))
        return ranges

    def having(self, ranges: list[tuple[int, int]], fields: Sequence[str] = FIELDS) -> BoolArray:
        """Documents holding any word of `ranges` in any of `fields`."""
        mask = np.zeros(self.size, dtype=np.bool_)
        for name in fields:
            postings = self.fields[name]
            for start, stop in ranges:
                mask[postings.docs[postings.starts[start] : postings.starts[stop]]] = True
        return mask
