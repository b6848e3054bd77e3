"""The in-memory word index finds the same words as the per-text tokenizer, per field, by word and prefix."""

from __future__ import annotations

import numpy as np

from lakemesh.discovery.text import MAX_WORD, words
from lakemesh.discovery.wordindex import FIELDS, WordIndex

TEXTS = {
    "name": ["Gold_Customer_360", "Café Crème", "", "Invoices\x1eHidden"],
    "tags": ["customer pii", "", "finance", "x" * (MAX_WORD + 1)],
    "description": ["Lifetime value\nper customer.", "İstanbul ß", "customers", "résumé"],
    "columns": ["customer_id id", "", "", "amount"],
}


def _holders(index: WordIndex, word: str, field: str) -> list[int]:
    return np.flatnonzero(index.having(index.spellings([word]), (field,))).tolist()


def test_every_field_holds_exactly_the_words_the_tokenizer_finds() -> None:
    index = WordIndex.build(TEXTS)
    for field in FIELDS:
        for position, text in enumerate(TEXTS[field]):
            held = {w for w in index.words if position in _holders(index, w, field)}
            assert held == set(words(text)), (field, text)


def test_words_prefixes_and_fields_select_documents() -> None:
    index = WordIndex.build(TEXTS)
    assert _holders(index, "customer", "name") == [0]
    assert np.flatnonzero(index.having(index.spellings(["customer"]))).tolist() == [0]
    assert np.flatnonzero(index.having(index.spellings([], prefix="cust"))).tolist() == [0, 2]
    assert np.flatnonzero(index.having(index.spellings(["cafe"]))).tolist() == [1]
    assert index.having(index.spellings(["nowhere"], prefix="zz")).sum() == 0
    # The separator between texts never glues or leaks words across documents.
    assert _holders(index, "invoices", "name") == [3] and _holders(index, "hidden", "name") == [3]


def test_typo_candidates_come_from_indexed_words() -> None:
    index = WordIndex.build(TEXTS)
    assert index.close_words("custmer", 2) == ["customer", "customers"]
    assert index.close_words("zzzz", 1) == []
    assert WordIndex.build({}).size == 0
