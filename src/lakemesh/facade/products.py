"""Data products on the in-process `Mesh`: the seed's product dict works as written."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from lakemesh.auth.models import Principal
from lakemesh.core.validation import parse_model
from lakemesh.facade.operation import Args, every, remote
from lakemesh.products.contract import parse_contract
from lakemesh.products.from_document import create_from_document
from lakemesh.products.models import ProductPatch
from lakemesh.products.odcs import export_odcs, import_odcs
from lakemesh.products.odps import export_odps
from lakemesh.products.views import DataProduct, DeprecateRequest, ProductVersion, VersionDiff

if TYPE_CHECKING:
    from lakemesh.platform import Platform
    from lakemesh.sdk.transport import Transport

PRODUCT = "/api/v1/products/{domain}/{product}"
OVERRIDES = ("domain", "name", "owner", "lakehouse", "table", "create_table")


def _create_product(http: Transport, path: str, a: Args) -> DataProduct:
    params = {k: a[k] for k in OVERRIDES if a[k] is not None}
    if a["create_table"] is not None:
        params["create_table"] = "true" if a["create_table"] else "false"
    if isinstance(a["product"], str):  # ODCS/ODPS YAML text goes as written
        headers = {"Content-Type": "application/yaml"}
        body = http.json("POST", path, content=a["product"].encode(), params=params, headers=headers)
    else:
        body = http.json("POST", path, json=a["product"], params=params)
    return DataProduct.model_validate(body)


def _get_contract(http: Transport, path: str, a: Args) -> dict[str, Any] | str:
    response = http.request("GET", path, params={"format": a["format"]})
    return response.text if a["format"] == "odcs" else dict(response.json()["contract"])


def _put_contract(http: Transport, path: str, a: Args) -> DataProduct:
    if isinstance(a["contract"], str):
        params = {"version": a["version"]} if a["version"] else {}
        headers = {"Content-Type": "application/yaml"}
        body = http.json("PUT", path, content=a["contract"].encode(), params=params, headers=headers)
    else:
        body = http.json("PUT", path, json={"contract": a["contract"], "version": a["version"]})
    return DataProduct.model_validate(body)


class ProductMethods:
    platform: Platform
    principal: Principal

    @remote("POST", "/api/v1/products", call=_create_product)
    def create_product(
        self,
        product: dict[str, Any] | str,
        *,
        domain: str | None = None,
        name: str | None = None,
        owner: str | None = None,
        lakehouse: str | None = None,
        table: str | None = None,
        create_table: bool | None = None,
    ) -> DataProduct:
        """The seed's product dict, an ODCS v3 contract or an ODPS v4.1 product (dict or YAML text); keywords
        override the document. `not_imported` on the answer lists what the document held that the product cannot."""
        given = locals()
        overrides = {k: given[k] for k in OVERRIDES}
        return create_from_document(self.platform.products, self.principal, product, overrides)

    @remote("GET", "/api/v1/products", query=("domain", "status"), pages=True)
    def list_products(self, *, domain: str | None = None, status: str | None = None) -> list[DataProduct]:
        return every(
            lambda cursor: self.platform.products.list_products(
                self.principal, domain=domain, status=status, limit=500, cursor=cursor
            )
        )

    @remote("GET", PRODUCT)
    def get_product(self, domain: str, product: str) -> DataProduct:
        return self.platform.products.get(self.principal, domain, product)

    @remote("PATCH", PRODUCT, query=("version",), body=("changes",), headers={"If-Match": "if_match"})
    def update_product(
        self, domain: str, product: str, *, version: str | None = None, if_match: str | None = None, **changes: Any
    ) -> DataProduct:
        patch = parse_model(ProductPatch, changes)
        return self.platform.products.update(self.principal, domain, product, patch, version=version, if_match=if_match)

    @remote("DELETE", PRODUCT)
    def delete_product(self, domain: str, product: str) -> None:
        self.platform.products.delete(self.principal, domain, product)

    @remote("GET", PRODUCT + "/contract", call=_get_contract)
    def get_contract(self, domain: str, product: str, *, format: str = "native") -> dict[str, Any] | str:
        """The contract as native JSON, or with `format="odcs"` as an ODCS v3 YAML document."""
        if format == "odcs":
            found = self.platform.products.get(self.principal, domain, product)
            spec = self.platform.products.spec(self.principal, domain, product)
            return export_odcs(spec, id=found.id, version=found.version, status=found.status)
        return self.platform.products.get(self.principal, domain, product).contract

    @remote("GET", PRODUCT + "/odps")
    def export_product_odps(self, domain: str, product: str) -> dict[str, Any]:
        """The product as an Open Data Product Specification v4.1 document, its ODCS contract inline;
        `create_product` takes such a document back."""
        found = self.platform.products.get(self.principal, domain, product)
        return export_odps(found, self.platform.products.spec(self.principal, domain, product))

    @remote("PUT", PRODUCT + "/contract", call=_put_contract)
    def put_contract(
        self, domain: str, product: str, contract: dict[str, Any] | str, *, version: str | None = None
    ) -> DataProduct:
        """A native contract dict, or ODCS v3 YAML text (its schema, quality, SLA, team and tags are taken)."""
        if isinstance(contract, str):
            imported = import_odcs(contract, domain=domain)
            changes = imported.model_dump(
                by_alias=True, include={"contract", "quality_rules", "tags", "description", "data_steward"}
            )
            return self.platform.products.update(
                self.principal, domain, product, parse_model(ProductPatch, changes), version=version
            )
        return self.platform.products.set_contract(
            self.principal, domain, product, parse_contract(contract), version=version
        )

    @remote("GET", PRODUCT + "/versions")
    def list_versions(self, domain: str, product: str) -> list[ProductVersion]:
        return self.platform.products.versions(self.principal, domain, product)

    @remote("GET", PRODUCT + "/versions/diff", query={"from": "old", "to": "new"})
    def diff_versions(self, domain: str, product: str, old: str, new: str) -> VersionDiff:
        return self.platform.products.diff(self.principal, domain, product, old, new)

    @remote("POST", PRODUCT + "/publish")
    def publish_product(self, domain: str, product: str) -> DataProduct:
        return self.platform.products.publish(self.principal, domain, product)

    @remote("POST", PRODUCT + "/deprecate", body=("sunset_date", "reason", "replacement"))
    def deprecate_product(
        self, domain: str, product: str, *, sunset_date: date | str, reason: str = "", replacement: str | None = None
    ) -> DataProduct:
        request = parse_model(
            DeprecateRequest, {"sunset_date": sunset_date, "reason": reason, "replacement": replacement}
        )
        return self.platform.products.deprecate(self.principal, domain, product, request)

    @remote("POST", PRODUCT + "/retire")
    def retire_product(self, domain: str, product: str) -> DataProduct:
        return self.platform.products.retire(self.principal, domain, product)
