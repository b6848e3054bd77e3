"""Data products: domains count and purge them, a table in use cannot be deleted, writes keep to the contract."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lakemesh.products.service import ProductService
from lakemesh.products.store import count_products, purge_products, table_in_use
from lakemesh.products.write_guard import ContractWriteGuard

if TYPE_CHECKING:
    from lakemesh.platform import Platform


def install(platform: Platform) -> None:
    p = platform
    p.products = ProductService(p.catalog, p.authorizer, p.clock, p.domains, p.tables)
    p.domains.register_dependent(count_products, purge_products)
    p.tables.register_delete_check(table_in_use)
    p.table_data.register_write_guard(ContractWriteGuard(p.catalog, p.clock, p.tables))
