"""Sensitivity labels ranked, so that a label set downstream is never weaker than the one it derives from."""

from __future__ import annotations

LABEL_RANK = {"public": 0, "internal": 1, "confidential": 2, "highly confidential": 3}


def label_rank(label: str | None) -> int:
    """Unknown labels rank as Confidential: a custom label is assumed to mean something."""
    if not label or not label.strip():
        return -1
    return LABEL_RANK.get(" ".join(label.lower().split()), 2)


# The classification of a lineage suggestion whose source column carries a label but no accepted classification.
LABELLED = "labelled"
