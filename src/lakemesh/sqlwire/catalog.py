"""What a SQL client may see: the tables and products the principal may read, under PostgreSQL names.

Built from the same public listings and the same permission check (`DATA_READ` on the table) the governed
query uses, so metadata never names a table a query would refuse, nor hides one it would run. A table is
schema `<domain>_<lakehouse>` (dashes as underscores), table `<table>`; a data product is a view in schema
`product_<domain>`, named `<product>`.
"""

from __future__ import annotations

from dataclasses import dataclass

from lakemesh.auth.authorize import Resource
from lakemesh.auth.models import Principal
from lakemesh.auth.roles import Action
from lakemesh.core.errors import Forbidden, NotFound
from lakemesh.core.pages import MAX_LIMIT, every_item
from lakemesh.lakehouses.models import ColumnInfo
from lakemesh.platform import Platform

PRODUCT_SCHEMA = "product_"
MAX_OBJECTS = 2000


@dataclass(frozen=True)
class SqlObject:
    schema: str  # PostgreSQL schema name
    name: str  # PostgreSQL table or view name
    governed: tuple[str, str, str]  # the three parts governed SQL reads it by
    kind: str  # "table" or "view" (a data product)
    columns: tuple[ColumnInfo, ...]
    description: str = ""


def pg_name(text: str) -> str:
    return text.replace("-", "_").lower()


def _can_read(platform: Platform, me: Principal, qualified: str, domain_id: str) -> bool:
    return platform.authorizer.can(me, Action.DATA_READ, Resource("table", qualified, domain_id))


def readable_objects(platform: Platform, me: Principal) -> list[SqlObject]:
    """Every table and product `me` may query, as the SQL endpoint names them."""
    found: list[SqlObject] = []
    columns: dict[str, tuple[ColumnInfo, ...]] = {}
    domains = every_item(lambda cursor: platform.domains.list_domains(me, limit=MAX_LIMIT, cursor=cursor))
    for domain in domains:
        try:
            for lakehouse in platform.lakehouses.list(me, domain.slug):
                for table in platform.tables.list(me, domain.slug, lakehouse.name):
                    qualified = f"{domain.slug}.{lakehouse.name}.{table.name}"
                    if not _can_read(platform, me, qualified, domain.id):
                        continue
                    columns[qualified] = tuple(table.columns)
                    schema = pg_name(f"{domain.slug}_{lakehouse.name}")
                    governed = (pg_name(domain.slug), lakehouse.name, table.name)
                    found.append(
                        SqlObject(schema, table.name, governed, "table", tuple(table.columns), table.description)
                    )
        except (Forbidden, NotFound):
            continue  # a domain whose lakehouses the viewer may not list
    ids = {d.slug: d.id for d in domains}
    for product in every_item(lambda cursor: platform.products.list_products(me, limit=MAX_LIMIT, cursor=cursor)):
        bound = str(product.storage.get("table") or "") if product.storage else ""
        home = str(product.storage.get("lakehouse") or "") if product.storage else ""
        domain_id = ids.get(product.domain)
        if not (bound and home and domain_id):
            continue
        qualified = f"{product.domain}.{home}.{bound}"
        if not _can_read(platform, me, qualified, str(domain_id)):
            continue
        known = columns.get(qualified)
        if known is None:
            try:
                known = tuple(platform.tables.get(me, product.domain, home, bound).columns)
            except (Forbidden, NotFound):
                continue
        slug = pg_name(product.qualified_name.split("/", 1)[1])
        schema = pg_name(PRODUCT_SCHEMA + product.domain)
        found.append(SqlObject(schema, slug, ("product", pg_name(product.domain), slug), "view", known))
    return found[:MAX_OBJECTS]
