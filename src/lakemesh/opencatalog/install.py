"""Open catalog: browse readable tables like an engine's catalog, and vend read credentials under governance."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lakemesh.core.durations import parse_duration
from lakemesh.lakehouses.browse import TableBrowser
from lakemesh.opencatalog.products import ProductTables
from lakemesh.opencatalog.service import OpenCatalog

if TYPE_CHECKING:
    from lakemesh.platform import Platform


def install(platform: Platform) -> None:
    p = platform
    browser = TableBrowser(p.catalog, p.authorizer, p.tables)
    ttl = parse_duration(p.settings.table_credentials_ttl, "table_credentials_ttl")
    products = ProductTables(p.domains, p.products, browser)
    p.open_catalog = OpenCatalog(
        p.clock, p.domains, browser, p.reads, p.data_root,
        role_arn=p.settings.s3_credentials_role_arn, ttl=ttl, products=products,
    )  # fmt: skip
