"""Data products over REST: the same methods as the in-process Mesh."""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import quote

from lakemesh.products.views import DataProduct, ProductVersion, VersionDiff
from lakemesh.sdk.transport import Transport


def _path(domain: str, product: str) -> str:
    return f"/api/v1/products/{quote(domain, safe='')}/{quote(product, safe='')}"


class RemoteProductMethods:
    _http: Transport

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
        given = {"domain": domain, "name": name, "owner": owner, "lakehouse": lakehouse, "table": table}
        params: dict[str, Any] = {k: v for k, v in given.items() if v is not None}
        if create_table is not None:
            params["create_table"] = "true" if create_table else "false"
        if isinstance(product, str):  # ODCS YAML text goes as written
            headers = {"Content-Type": "application/yaml"}
            body = self._http.json("POST", "/api/v1/products", content=product.encode(), params=params, headers=headers)
        else:
            body = self._http.json("POST", "/api/v1/products", json=product, params=params)
        return DataProduct.model_validate(body)

    def list_products(self, *, domain: str | None = None, status: str | None = None) -> list[DataProduct]:
        items = self._http.pages("/api/v1/products", {"domain": domain, "status": status})
        return [DataProduct.model_validate(p) for p in items]

    def get_product(self, domain: str, product: str) -> DataProduct:
        return DataProduct.model_validate(self._http.json("GET", _path(domain, product)))

    def update_product(
        self, domain: str, product: str, *, version: str | None = None, if_match: str | None = None, **changes: Any
    ) -> DataProduct:
        headers = {"If-Match": if_match} if if_match else {}
        params = {"version": version} if version else {}
        return DataProduct.model_validate(
            self._http.json("PATCH", _path(domain, product), json=changes, params=params, headers=headers)
        )

    def delete_product(self, domain: str, product: str) -> None:
        self._http.request("DELETE", _path(domain, product))

    def get_contract(self, domain: str, product: str, *, format: str = "native") -> dict[str, Any] | str:
        response = self._http.request("GET", f"{_path(domain, product)}/contract", params={"format": format})
        return response.text if format == "odcs" else dict(response.json()["contract"])

    def put_contract(
        self, domain: str, product: str, contract: dict[str, Any] | str, *, version: str | None = None
    ) -> DataProduct:
        url = f"{_path(domain, product)}/contract"
        if isinstance(contract, str):
            params = {"version": version} if version else {}
            body = self._http.json(
                "PUT", url, content=contract.encode(), params=params, headers={"Content-Type": "application/yaml"}
            )
        else:
            body = self._http.json("PUT", url, json={"contract": contract, "version": version})
        return DataProduct.model_validate(body)

    def list_versions(self, domain: str, product: str) -> list[ProductVersion]:
        page = self._http.json("GET", f"{_path(domain, product)}/versions")
        return [ProductVersion.model_validate(v) for v in page["items"]]

    def diff_versions(self, domain: str, product: str, old: str, new: str) -> VersionDiff:
        body = self._http.json("GET", f"{_path(domain, product)}/versions/diff", params={"from": old, "to": new})
        return VersionDiff.model_validate(body)

    def publish_product(self, domain: str, product: str) -> DataProduct:
        return DataProduct.model_validate(self._http.json("POST", f"{_path(domain, product)}/publish"))

    def deprecate_product(
        self, domain: str, product: str, *, sunset_date: date | str, reason: str = "", replacement: str | None = None
    ) -> DataProduct:
        body = {"sunset_date": str(sunset_date), "reason": reason, "replacement": replacement}
        return DataProduct.model_validate(self._http.json("POST", f"{_path(domain, product)}/deprecate", json=body))

    def retire_product(self, domain: str, product: str) -> DataProduct:
        return DataProduct.model_validate(self._http.json("POST", f"{_path(domain, product)}/retire"))
