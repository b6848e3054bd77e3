"""A product's lifecycle status and the named sets of statuses other code asks about, defined once."""

from __future__ import annotations

from enum import StrEnum


class ProductStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    DEPRECATED = "deprecated"
    RETIRED = "retired"


# Seen (in lists and search) and served (readable under a grant) for every principal; drafts and retired
# products only for their domain.
VISIBLE_TO_ALL: tuple[ProductStatus, ...] = (ProductStatus.PUBLISHED, ProductStatus.DEPRECATED)
# The contract binds writes to the product's table while it is in one of these.
BINDING: tuple[ProductStatus, ...] = (ProductStatus.DRAFT, ProductStatus.PUBLISHED, ProductStatus.DEPRECATED)
# What may be published again (a no-op) and what may be deprecated.
PUBLISHABLE: frozenset[ProductStatus] = frozenset({ProductStatus.DRAFT, ProductStatus.PUBLISHED})
DEPRECATABLE: frozenset[ProductStatus] = frozenset(VISIBLE_TO_ALL)
