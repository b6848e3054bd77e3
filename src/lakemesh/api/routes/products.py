"""Data products: the seed's product document, its contract (native or ODCS v3), versions and lifecycle."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Query, Request, Response, status
from starlette.concurrency import run_in_threadpool

from lakemesh.api.deps import Caller, Cursor, IfMatch, Limit, PlatformDep
from lakemesh.api.uploads import spooled_body
from lakemesh.core.documents import load_bounded_json
from lakemesh.core.errors import UnsupportedMediaType, invalid
from lakemesh.core.pages import DEFAULT_LIMIT, Page
from lakemesh.core.validation import parse_model
from lakemesh.products.contract import parse_contract
from lakemesh.products.from_document import create_from_document
from lakemesh.products.models import ProductPatch, ProductSpec
from lakemesh.products.odcs import export_odcs, import_odcs
from lakemesh.products.odps import export_odps
from lakemesh.products.status import ProductStatus
from lakemesh.products.views import ContractUpdate, DataProduct, DeprecateRequest, ProductVersion, VersionDiff

router = APIRouter(prefix="/api/v1/products", tags=["data products"])
RAW_BODY_PATHS = [r"^/api/v1/products$", r"^/api/v1/products/[^/]+/[^/]+/contract$"]
YAML_TYPES = ("application/yaml", "application/x-yaml", "text/yaml")
MAX_CONTRACT_BYTES = 1024 * 1024

Version = Annotated[str | None, Query(description="Required, as a major bump, for a breaking change when published.")]


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Register a data product",
    description="The seed's product document as written, or an ODCS v3 contract (a body with `apiVersion`/`kind`, "
    "as JSON or with `Content-Type: application/yaml`), or an ODPS v4.1 product (a body with a top-level `product`, "
    "see `GET /api/v1/products/{domain}/{product}/odps`). The query parameters override or complete the document; "
    "an ODCS contract names the table in its schema object's `physicalName`, and `lakehouse` binds it when its "
    "`servers` entry names no lakehouse. The storage binding must exist (or `create_table: true`), the contract "
    "must match the table and quality rules must parse and name existing columns: every problem is one entry of "
    "a 422. `not_imported` lists each part of an ODCS or ODPS document the product cannot hold. Products start as "
    "drafts; publish them to make them visible to other domains.",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": ProductSpec.model_json_schema()},
                "application/yaml": {"schema": {"type": "string"}},
            },
        }
    },
)
async def create_product(
    request: Request,
    platform: PlatformDep,
    caller: Caller,
    response: Response,
    domain: Annotated[str | None, Query(description="Domain, when the document names none or another.")] = None,
    name: Annotated[str | None, Query(description="Product name, overriding the document's.")] = None,
    owner: Annotated[str | None, Query(description="Owner, overriding the document's team.")] = None,
    lakehouse: Annotated[str | None, Query(description="Lakehouse holding the table.")] = None,
    table: Annotated[str | None, Query(description="Table; for ODCS, the schema object to serve.")] = None,
    create_table: Annotated[bool | None, Query(description="Create the table from the contract.")] = None,
) -> DataProduct:
    media = (request.headers.get("content-type") or "application/json").split(";")[0].strip().lower()
    if media not in (*YAML_TYPES, "application/json"):
        raise UnsupportedMediaType("Send the product as application/json or an ODCS v3 contract as application/yaml")
    limit = MAX_CONTRACT_BYTES if media in YAML_TYPES else platform.settings.max_body_bytes
    async with spooled_body(request, limit) as path:
        body = path.read_bytes()
    document = body.decode("utf-8", errors="replace") if media in YAML_TYPES else load_bounded_json(body, "body")
    if not isinstance(document, dict | str):
        raise invalid((), "a product document is a JSON object: the native product or an ODCS v3 contract")
    overrides: dict[str, Any] = {"domain": domain, "name": name, "owner": owner, "lakehouse": lakehouse}
    overrides |= {"table": table, "create_table": create_table}
    product = await run_in_threadpool(create_from_document, platform.products, caller, document, overrides)
    response.headers["ETag"] = product.etag
    response.headers["Location"] = f"/api/v1/products/{product.qualified_name}"
    return product


@router.get("", summary="List data products", description="Published products of every domain, plus your drafts.")
def list_products(
    platform: PlatformDep,
    caller: Caller,
    domain: str | None = None,
    status_: Annotated[ProductStatus | None, Query(alias="status")] = None,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> Page[DataProduct]:
    return platform.products.list_products(caller, domain=domain, status=status_, limit=limit, cursor=cursor)


@router.get("/{domain}/{product}", summary="Get a data product")
def get_product(domain: str, product: str, platform: PlatformDep, caller: Caller, response: Response) -> DataProduct:
    found = platform.products.get(caller, domain, product)
    response.headers["ETag"] = found.etag
    return found


@router.patch(
    "/{domain}/{product}",
    summary="Update a data product",
    description="Contract, storage or rule changes make a new version (minor or patch, automatically). A breaking "
    "change to a published product is a 409 listing the breaking changes unless `version` is a major bump.",
)
def update_product(
    domain: str,
    product: str,
    changes: ProductPatch,
    platform: PlatformDep,
    caller: Caller,
    version: Version = None,
    if_match: IfMatch = None,
) -> DataProduct:
    return platform.products.update(caller, domain, product, changes, version=version, if_match=if_match)


@router.delete(
    "/{domain}/{product}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a draft or retired data product",
)
def delete_product(domain: str, product: str, platform: PlatformDep, caller: Caller) -> Response:
    platform.products.delete(caller, domain, product)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/{domain}/{product}/contract",
    summary="Get the contract",
    description="Native JSON, or an ODCS v3 YAML contract with `?format=odcs` or `Accept: application/yaml`.",
    responses={200: {"content": {"application/json": {}, "application/yaml": {}}}},
)
def get_contract(
    domain: str,
    product: str,
    platform: PlatformDep,
    caller: Caller,
    format: Literal["native", "odcs"] | None = None,
    accept: Annotated[str | None, Header()] = None,
) -> Response:
    wants_odcs = format == "odcs" or (format is None and any(t in (accept or "") for t in YAML_TYPES))
    found = platform.products.get(caller, domain, product)
    if wants_odcs:
        spec = platform.products.spec(caller, domain, product)
        text = export_odcs(spec, id=found.id, version=found.version, status=found.status)
        return Response(text, media_type="application/yaml")
    return Response(
        ContractUpdate(contract=found.contract).model_dump_json(include={"contract"}), media_type="application/json"
    )


@router.get(
    "/{domain}/{product}/odps",
    summary="Export as ODPS v4.1",
    description="The product as an Open Data Product Specification v4.1 document (JSON), its ODCS v3 contract "
    "inline under `product.contract.spec`; `POST /api/v1/products` takes it back.",
)
def export_odps_document(domain: str, product: str, platform: PlatformDep, caller: Caller) -> dict[str, Any]:
    found = platform.products.get(caller, domain, product)
    return export_odps(found, platform.products.spec(caller, domain, product))


@router.put(
    "/{domain}/{product}/contract",
    summary="Replace the contract",
    description='JSON `{"contract": {...}, "version": ...}` or an ODCS v3 YAML document with '
    "`Content-Type: application/yaml` (schema, quality, SLA, team and tags are imported).",
    openapi_extra={
        "requestBody": {
            "content": {
                "application/json": {"schema": ContractUpdate.model_json_schema()},
                "application/yaml": {"schema": {"type": "string"}},
            }
        }
    },
)
async def put_contract(
    domain: str, product: str, request: Request, platform: PlatformDep, caller: Caller, version: Version = None
) -> DataProduct:
    media = (request.headers.get("content-type") or "").split(";")[0].strip().lower()
    if media not in (*YAML_TYPES, "application/json"):
        raise UnsupportedMediaType("Send the contract as application/json or application/yaml (ODCS v3)")
    async with spooled_body(request, MAX_CONTRACT_BYTES) as path:
        text = path.read_text(encoding="utf-8", errors="replace")

    def apply() -> DataProduct:
        if media in YAML_TYPES:
            imported = import_odcs(text, domain=domain)
            changes = imported.model_dump(
                by_alias=True, include={"contract", "quality_rules", "tags", "description", "data_steward"}
            )
            patch = parse_model(ProductPatch, changes)
            return platform.products.update(caller, domain, product, patch, version=version)
        body = ContractUpdate.model_validate_json(text or "{}")
        contract = parse_contract(body.contract)
        return platform.products.set_contract(caller, domain, product, contract, version=body.version or version)

    return await run_in_threadpool(apply)


@router.get("/{domain}/{product}/versions", summary="Versions of the contract, newest first")
def list_versions(domain: str, product: str, platform: PlatformDep, caller: Caller) -> Page[ProductVersion]:
    return Page(items=platform.products.versions(caller, domain, product))


@router.get("/{domain}/{product}/versions/diff", summary="What changed between two versions")
def diff_versions(
    domain: str,
    product: str,
    platform: PlatformDep,
    caller: Caller,
    from_: Annotated[str, Query(alias="from")],
    to: str,
) -> VersionDiff:
    return platform.products.diff(caller, domain, product, from_, to)


@router.post(
    "/{domain}/{product}/publish",
    summary="Publish",
    description="Makes the product visible to every domain and search; its contract is then enforced on writes.",
)
def publish(domain: str, product: str, platform: PlatformDep, caller: Caller) -> DataProduct:
    return platform.products.publish(caller, domain, product)


@router.post(
    "/{domain}/{product}/deprecate",
    summary="Deprecate",
    description="With a sunset date; consumers are notified through the `product.deprecated` event.",
)
def deprecate(
    domain: str, product: str, request: DeprecateRequest, platform: PlatformDep, caller: Caller
) -> DataProduct:
    return platform.products.deprecate(caller, domain, product, request)


@router.post("/{domain}/{product}/retire", summary="Retire (after deprecation)")
def retire(domain: str, product: str, platform: PlatformDep, caller: Caller) -> DataProduct:
    return platform.products.retire(caller, domain, product)
