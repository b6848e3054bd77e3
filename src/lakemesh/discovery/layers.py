"""The word index as a base plus small layers of changed documents, so a write costs what it changed.

Rebuilding the whole word index after each indexed write took seconds at 100k documents. Instead each
refresh tokenizes only the documents it changed into a new layer; `owner` says which layer holds each
document's current words (-1: deleted), so a base entry of a changed document no longer matches. When
layers pile up they are merged into one (its documents' texts are kept for that); when the changed
documents grow past a share of the whole, the caller loads a new base instead.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from lakemesh.discovery.text import close_terms
from lakemesh.discovery.wordindex import FIELDS, BoolArray, IntArray, WordIndex

MAX_LAYERS = 8  # layers on top of the base before they are merged into one
Owners = npt.NDArray[np.int16]
Texts = dict[str, str]  # one document's text per field
Spellings = list[list[tuple[int, int]]]  # per layer, word-code ranges into that layer's vocabulary


@dataclass(frozen=True)
class Layer:
    words: WordIndex
    positions: IntArray  # the snapshot position of each of the layer's documents


@dataclass(frozen=True)
class LayeredWords:
    size: int
    layers: tuple[Layer, ...]  # layers[0] is the base: its document i is position i
    owner: Owners  # per position, the layer holding its current words; -1 once deleted
    texts: dict[int, Texts] = field(default_factory=dict)  # words of positions owned by later layers
    _base_current: BoolArray | None = None  # base positions still owned by the base (None: all of them)

    @classmethod
    def build(cls, texts: dict[str, Sequence[str]]) -> LayeredWords:
        base = WordIndex.build(texts)
        return cls(
            size=base.size,
            layers=(Layer(base, np.arange(base.size, dtype=np.int64)),),
            owner=np.zeros(base.size, dtype=np.int16),
        )

    @property
    def changed(self) -> int:
        """Documents whose words live outside the base."""
        return len(self.texts)

    def knows(self, word: str) -> bool:
        return any(layer.words.knows(word) for layer in self.layers)

    def close_words(self, word: str, typos: int) -> list[str]:
        # The best few of the union are among the best few of each layer.
        found = {close for layer in self.layers for close in layer.words.close_words(word, typos)}
        return close_terms(word, sorted(found))

    def spellings(self, group: Iterable[str], *, prefix: str | None = None) -> Spellings:
        words = list(group)
        return [layer.words.spellings(words, prefix=prefix) for layer in self.layers]

    def having(self, spellings: Spellings, fields: Sequence[str] = FIELDS) -> BoolArray:
        """Positions whose current words hold any of `spellings` in any of `fields`."""
        base = self.layers[0].words
        mask = np.zeros(self.size, dtype=np.bool_)
        if spellings[0]:
            local = base.having(spellings[0], fields)
            mask[: base.size] = local if self._base_current is None else local & self._base_current
        for index in range(1, len(self.layers)):
            if spellings[index]:
                layer = self.layers[index]
                hit = layer.positions[layer.words.having(spellings[index], fields)]
                mask[hit[self.owner[hit] == index]] = True
        return mask

    def with_changes(self, size: int, changed: dict[int, Texts], deleted: IntArray) -> LayeredWords:
        """A new index where `changed` positions hold new words and `deleted` ones hold none."""
        owner = np.full(size, -1, dtype=np.int16)
        owner[: len(self.owner)] = self.owner
        owner[deleted] = -1
        texts = {p: t for p, t in self.texts.items() if p not in changed and owner[p] != -1}
        texts.update(changed)
        layers = self.layers
        fresh = changed
        if len(layers) > MAX_LAYERS:  # merge every layer above the base into one
            layers, fresh = layers[:1], texts
            owner[owner > 0] = 1
        if fresh:
            positions = np.array(sorted(fresh), dtype=np.int64)
            words = WordIndex.build({name: [fresh[int(p)].get(name, "") for p in positions] for name in FIELDS})
            layers = (*layers, Layer(words, positions))
            owner[positions] = len(layers) - 1
        base_size = layers[0].words.size
        base_current = owner[:base_size] == 0
        return LayeredWords(
            size=size,
            layers=layers,
            owner=owner,
            texts=texts,
            _base_current=None if bool(base_current.all()) else base_current,
        )
