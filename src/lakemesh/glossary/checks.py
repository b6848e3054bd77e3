"""The checks a term's document passes before it is written: a clean name and lists, a legal status change, a
category that is no cycle, related terms that exist."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from lakemesh.catalog.tables.glossary import GlossaryTermRow
from lakemesh.core.errors import ErrorItem, InvalidInput, invalid
from lakemesh.glossary.models import TRANSITIONS, TermSpec, TermStatus

MAX_DEPTH = 50


def term_key(name: str) -> str:
    return " ".join(name.split()).lower()


def _find(session: Session, name: str) -> GlossaryTermRow | None:
    return session.scalar(select(GlossaryTermRow).where(GlossaryTermRow.key == term_key(name)))


def _clean(spec: TermSpec) -> TermSpec:
    name = " ".join(spec.name.split())
    if not name or any(c in name for c in "/\\\n\r\t") or not any(c.isalnum() for c in name):
        raise invalid("name", "must have letters or digits and no slashes or line breaks")

    def unique(values: list[str]) -> list[str]:
        return list(dict.fromkeys(" ".join(v.split()) for v in values if v.strip()))

    synonyms = [s for s in unique(spec.synonyms) if term_key(s) != term_key(name)]
    return spec.model_copy(
        update={
            "name": name,
            "owners": unique(spec.owners),
            "stewards": unique(spec.stewards),
            "synonyms": synonyms,
            "related": unique(spec.related),
            "parent": " ".join(spec.parent.split()) if spec.parent and spec.parent.strip() else None,
            "classifications": list(dict.fromkeys(c.strip().lower() for c in spec.classifications if c.strip())),
        }
    )


def _check_status(row: GlossaryTermRow | None, status: TermStatus) -> None:
    current = TermStatus(row.status) if row is not None else TermStatus.DRAFT
    if status not in TRANSITIONS[current]:
        raise invalid("status", f"a {current.value} term cannot become {status.value} (draft → approved → deprecated)")


def _check_parent(session: Session, row: GlossaryTermRow | None, parent: str | None) -> str | None:
    """The category's id; a category that is the term itself or one of its sub-terms would be a cycle (422)."""
    if parent is None:
        return None
    found = _find(session, parent)
    if found is None:
        raise invalid("parent", f"no glossary term is named {parent!r}")
    seen, at = set(), found
    for _ in range(MAX_DEPTH):
        if row is not None and at.id == row.id:
            raise invalid("parent", f"{parent!r} is {row.name!r} itself or one of its sub-terms: a cycle")
        seen.add(at.id)
        if at.parent_id is None:
            return found.id
        next_at = session.get(GlossaryTermRow, at.parent_id)
        if next_at is None or next_at.id in seen:
            return found.id
        at = next_at
    raise invalid("parent", f"categories may be at most {MAX_DEPTH} deep")


def _check_related(session: Session, spec: TermSpec) -> None:
    errors = [
        ErrorItem(
            ("related", i), "is the term itself" if term_key(name) == term_key(spec.name) else "is not a glossary term"
        )
        for i, name in enumerate(spec.related)
        if term_key(name) == term_key(spec.name) or _find(session, name) is None
    ]
    if errors:
        raise InvalidInput("Related terms must be other existing glossary terms", errors=errors)
