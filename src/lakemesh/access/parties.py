"""Who stands on each side of a product's access: its approvers (owner, domain Admins) and the products one may name.

Shared by access requests, grants and usage agreements, so the three answer "who decides, who sees" alike.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import or_
from sqlalchemy.orm import Session

from lakemesh.auth import assignments, groups
from lakemesh.auth.authorize import Authorizer
from lakemesh.auth.models import Principal
from lakemesh.auth.roles import Action, DomainRole
from lakemesh.catalog.tables.access import AccessRequestRow, GrantRow
from lakemesh.catalog.tables.agreements import AgreementRow
from lakemesh.core.errors import NotFound, invalid
from lakemesh.products.reads import product_ids_owned_by, product_resource, visible_product, visible_products_named

if TYPE_CHECKING:
    from lakemesh.catalog.tables.domains import DomainRow
    from lakemesh.catalog.tables.products import ProductRow


def find_product(session: Session, authz: Authorizer, actor: Principal, ref: str) -> tuple[ProductRow, DomainRow]:
    """`<domain>/<product>`, or a product name unique among those the actor may see."""
    domain_ref, slash, name = ref.strip().partition("/")
    if slash:
        found = visible_product(session, authz, actor, domain_ref, name)
        if found is None:  # drafts and retired products: their domain only, and the same answer as missing
            raise NotFound(f"Data product {ref} not found")
        return found
    matches = visible_products_named(session, authz, actor, ref)
    if not matches:
        raise NotFound(f"Data product {ref!r} not found")
    if len(matches) > 1:
        names = ", ".join(f"{d.slug}/{p.slug}" for p, d in matches)
        raise invalid("product", f"{ref!r} names several products ({names}); write <domain>/<product>")
    return matches[0]


def approvers(session: Session, product: ProductRow, domain: DomainRow) -> list[str]:
    """Who decides (and is notified): the owner and the domain's Admins, a group standing for its members."""
    admins = [p.name for a, p in assignments.assignments(session, domain.id) if a.role == DomainRole.ADMIN.value]
    people = groups.people(session, [product.owner]) + sorted(groups.people(session, admins))
    return list(dict.fromkeys(people))


def is_approver(session: Session, authz: Authorizer, actor: Principal, product: ProductRow, domain: DomainRow) -> bool:
    if actor.is_platform_admin or product.owner.lower() in groups.names_of(session, actor.id):
        return True
    return authz.can(actor, Action.ACCESS_APPROVE, product_resource(product, domain), session)


ProductScoped = type[AccessRequestRow] | type[GrantRow] | type[AgreementRow]


def approver_scope(session: Session, actor: Principal, table: ProductScoped) -> Any:
    """Rows (requests, grants, agreements) about products the actor (or one of its groups) owns, or whose domain
    the actor administers."""
    if actor.is_platform_admin:
        return table.id.is_not(None)
    admin_of = assignments.domain_ids_of(actor.id, DomainRole.ADMIN)
    owned = product_ids_owned_by(groups.names_of(session, actor.id))
    return or_(table.domain_id.in_(admin_of), table.product_id.in_(owned))
