"""Words as the index sees them, and the close spellings that make short queries typo tolerant."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

# Letters and digits; `_` separates words so `gold_customer_360` is found by `customer` (as FTS5 and tsvector do).
_WORD = re.compile(r"[^\W_]+", re.UNICODE)
TEXT_END = "\x1e"  # ends each text in a joined column (never part of a word)
_WORD_OR_END = re.compile(r"[^\W_]+|\x1e", re.UNICODE)
MAX_WORDS = 8
MAX_WORD = 64
TYPO_MIN_LENGTH = 4
SHORT_QUERY_WORDS = 3


def words(text: str | None) -> list[str]:
    """Lower-cased words without diacritics (`Café` is `cafe`, as FTS5's remove_diacritics does)."""
    return [w for w in _WORD.findall(folded(text or "")) if len(w) <= MAX_WORD]


def folded(text: str) -> str:
    text = text.lower()
    if text.isascii():
        return text
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def words_of_texts(texts: Iterable[str]) -> list[str]:
    """The words of many texts in one regex pass, each text followed by TEXT_END.

    Same words as `words()` of each text, except that too long words are kept (the caller drops them):
    tokenizing a 100k-document column text by text costs seconds, in one pass a fraction of that.
    """
    joined = folded("".join(t.replace(TEXT_END, " ") + TEXT_END for t in texts))
    found: list[str] = _WORD_OR_END.findall(joined)
    return found


def query_words(text: str) -> list[str]:
    return list(dict.fromkeys(words(text)))[:MAX_WORDS]


def max_typos(word: str) -> int:
    """One typo for words up to 5 letters, two for longer words; none for very short words."""
    if len(word) < TYPO_MIN_LENGTH:
        return 0
    return 1 if len(word) <= 5 else 2


def distance(a: str, b: str, limit: int) -> int:
    """Optimal string alignment distance (a transposition counts as one typo); stops early past `limit`."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1]


def close_terms(word: str, candidates: list[str], *, keep: int = 4) -> list[str]:
    limit = max_typos(word)
    scored = sorted((distance(word, c, limit), c) for c in candidates if c != word)
    return [c for d, c in scored if d <= limit][:keep]
