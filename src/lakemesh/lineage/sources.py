"""What lineage asks the capabilities above it (and beside it) about their nodes; they register at install.

Lineage sits below pipelines, semantic models and sharing and beside access, so it cannot import them: each
registers the few reads lineage needs (`LineageService.register_*`), and a capability not installed adds no
nodes. The answers are plain tuples of ids and names; lineage builds the nodes and decides who sees them.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy.orm import Session


class ItemsNamed(Protocol):
    """(name, slug, domain id) of a domain's items (pipelines, semantic models) among the given domains and slugs;
    combinations nobody asked for may be included."""

    def __call__(self, session: Session, domain_ids: Collection[str], slugs: Collection[str]) -> Iterable[Any]: ...


class GrantSource(Protocol):
    """The grants of access, as consumers of products."""

    def in_force(self, session: Session, product_ids: Collection[str]) -> Iterable[tuple[str, str]]:
        """(product id, grant id) of the grants neither revoked nor expired on these products."""
        ...

    def by_ids(self, session: Session, grant_ids: Collection[str]) -> Iterable[tuple[str, str, str, str, str]]:
        """(grant id, product id, grantee kind, grantee id, grantee) of the grants with these ids."""
        ...


class ShareSource(Protocol):
    """The shares of sharing, as consumers of tables, and their recipients."""

    def of_tables(self, session: Session, table_ids: Collection[str]) -> Iterable[tuple[str, str]]:
        """(table id, share name) of the shares holding these tables."""
        ...

    def recipients(self, session: Session, share_names: Collection[str]) -> Iterable[tuple[str, str]]:
        """(share name, recipient name) of the unrevoked recipients of the shares (names in lower case)."""
        ...

    def named(self, session: Session, share_names: Collection[str]) -> Iterable[tuple[str, str]]:
        """(share name, domain id) of the named shares (matched case-insensitively)."""
        ...


class ModelSource(Protocol):
    """Semantic models, whose declared sources are edges."""

    def count(self, session: Session) -> int: ...

    def sources(self, session: Session) -> Iterable[tuple[str, str, list[Any] | None]]:
        """(model slug, domain id, declared sources) of every model."""
        ...


@dataclass
class LineageSources:
    """Everything registered with lineage from above; empty until those capabilities install."""

    items: dict[str, ItemsNamed] = field(default_factory=dict)  # node kind -> its lookup
    grants: GrantSource | None = None
    shares: ShareSource | None = None
    models: ModelSource | None = None
