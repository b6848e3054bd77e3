"""What the query page offers to insert: the tables and products the viewer may really query (30.1).

Built from the same public listings and the same permission check (`DATA_READ` on the table) the query gate
uses, so the list never names a table the query would refuse, nor hides one it would run.
"""

from __future__ import annotations

from dataclasses import dataclass

from lakemesh.auth.authorize import Resource
from lakemesh.auth.models import Principal
from lakemesh.auth.roles import Action
from lakemesh.core.errors import Forbidden, NotFound
from lakemesh.platform import Platform

MAX_SOURCES = 200


@dataclass(frozen=True)
class QuerySource:
    name: str  # what to write in SQL
    label: str  # what a person recognises
    kind: str  # "table" or "product"


def _can_read(platform: Platform, me: Principal, qualified: str, domain_id: str) -> bool:
    return platform.authorizer.can(me, Action.DATA_READ, Resource("table", qualified, domain_id))


def query_sources(platform: Platform, me: Principal) -> list[QuerySource]:
    found: list[QuerySource] = []
    domains = platform.domains.list_domains(me, limit=500).items
    ids = {d.slug: d.id for d in domains}
    for product in platform.products.list_products(me, limit=MAX_SOURCES).items:
        table = product.storage.get("table") if product.storage else None
        lakehouse = product.storage.get("lakehouse") if product.storage else None
        domain_id = ids.get(product.domain)
        readable = bool(table and lakehouse and domain_id)
        if readable and _can_read(platform, me, f"{product.domain}.{lakehouse}.{table}", str(domain_id)):
            slug = product.qualified_name.split("/", 1)[1].replace("-", "_")
            found.append(QuerySource(f"product.{product.domain}.{slug}", product.name, "product"))
    for domain in domains:
        try:
            lakehouses = platform.lakehouses.list(me, domain.slug)
            for lakehouse in lakehouses:
                for table in platform.tables.list(me, domain.slug, lakehouse.name):
                    qualified = f"{domain.slug}.{lakehouse.name}.{table.name}"
                    if _can_read(platform, me, qualified, domain.id):
                        found.append(QuerySource(qualified, qualified, "table"))
        except (Forbidden, NotFound):
            continue  # a domain whose lakehouses the viewer may not list
        if len(found) >= MAX_SOURCES:
            break
    return found[:MAX_SOURCES]
