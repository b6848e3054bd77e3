"""Power BI `/v1.0/myorg`: groups are domains, datasets are semantic models, DAX runs in the semantic engine.

`executeQueries` goes through `SemanticService.query`, the native query path: the caller's grants and
column masks apply exactly as on `POST /api/v1/domains/{domain}/semantic-models/{model}/query`.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from lakemesh.api.compat import fabric_shapes as shapes
from lakemesh.api.compat.errors import CompatError, not_supported
from lakemesh.api.deps import Caller, PlatformDep
from lakemesh.api.limits import HeavySlot
from lakemesh.auth.models import Principal
from lakemesh.core.errors import InvalidInput, NotFound
from lakemesh.core.ids import uuid_of
from lakemesh.core.pages import MAX_LIMIT
from lakemesh.core.validation import parse_model
from lakemesh.platform import Platform
from lakemesh.semantic.models import SemanticModel, SemanticQuery

router = APIRouter(tags=["powerbi"])
_ROWS = TypeAdapter(list[dict[str, Any]])  # values serialized as the native query serializes them
ODATA = "https://api.powerbi.com/v1.0/myorg/$metadata"


class DaxQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")

    query: str


class ExecuteQueries(BaseModel):
    model_config = ConfigDict(extra="ignore")

    queries: list[DaxQuery] = Field(min_length=1)
    serializer_settings: dict[str, Any] = Field(default_factory=dict, alias="serializerSettings")
    impersonated_user_name: str | None = Field(default=None, alias="impersonatedUserName")


@router.get("/groups", summary="List groups (domains)")
def list_groups(
    platform: PlatformDep,
    caller: Caller,
    top: int = Query(default=MAX_LIMIT, alias="$top", ge=1, le=MAX_LIMIT),
    skip: int = Query(default=0, alias="$skip", ge=0),
) -> Any:
    page = platform.domains.list_domains(caller, limit=MAX_LIMIT)
    domains = list(page.items)
    while page.next_cursor and len(domains) < skip + top:
        page = platform.domains.list_domains(caller, limit=MAX_LIMIT, cursor=page.next_cursor)
        domains.extend(page.items)
    groups = [
        {
            "id": uuid_of(d.id),
            "name": d.display_name or d.name,
            "isReadOnly": False,
            "isOnDedicatedCapacity": shapes.capacity_of(d) is not None,
            **({"capacityId": shapes.capacity_of(d)} if shapes.capacity_of(d) else {}),
        }
        for d in domains[skip : skip + top]
    ]
    return {"@odata.context": f"{ODATA}#groups", "@odata.count": len(groups), "value": groups}


@router.get("/groups/{group_id}/datasets", summary="List datasets (semantic models) of a group")
def list_datasets(group_id: str, platform: PlatformDep, caller: Caller) -> Any:
    domain = platform.domains.get(caller, group_id)
    models = platform.semantic.list_models(caller, domain=domain.slug, limit=MAX_LIMIT).items
    return {"@odata.context": f"{ODATA}#datasets", "value": [_dataset(m) for m in models]}


@router.get("/groups/{group_id}/datasets/{dataset_id}", summary="Get a dataset")
def get_dataset(group_id: str, dataset_id: str, platform: PlatformDep, caller: Caller) -> Any:
    return _dataset(platform.semantic.get(caller, group_id, dataset_id))


@router.post(
    "/groups/{group_id}/datasets/{dataset_id}/executeQueries",
    summary="Run a DAX query",
    dependencies=[HeavySlot],
)
def execute_queries(group_id: str, dataset_id: str, spec: ExecuteQueries, platform: PlatformDep, caller: Caller) -> Any:
    return _execute(platform, caller, group_id, dataset_id, spec)


@router.post(
    "/datasets/{dataset_id}/executeQueries", summary="Run a DAX query (My workspace form)", dependencies=[HeavySlot]
)
def execute_queries_by_dataset(dataset_id: str, spec: ExecuteQueries, platform: PlatformDep, caller: Caller) -> Any:
    found = [m for m in platform.semantic.list_models(caller, limit=MAX_LIMIT).items if uuid_of(m.id) == dataset_id]
    if not found:
        raise NotFound(f"Dataset {dataset_id} not found")
    return _execute(platform, caller, found[0].domain, dataset_id, spec)


def _execute(platform: Platform, caller: Principal, group: str, dataset: str, spec: ExecuteQueries) -> Any:
    if len(spec.queries) != 1:
        raise CompatError(400, "InvalidRequest", "Only one query per request is supported (as in Power BI)")
    if spec.impersonated_user_name:
        raise not_supported("impersonatedUserName (queries always run as the token's principal)")
    query = parse_model(SemanticQuery, {"dax": spec.queries[0].query})
    try:
        outcome = platform.semantic.query(caller, group, dataset, query)
    except InvalidInput as exc:  # Power BI answers a DAX error with this code and the engine's message
        detail = "; ".join(f"{'.'.join(map(str, e.loc))}: {e.message}" for e in exc.errors) or exc.detail
        raise CompatError(400, "DatasetExecuteQueriesError", f"{exc.detail} {detail}".strip()) from None
    include_nulls = bool(spec.serializer_settings.get("includeNulls", False))
    names = outcome.table.schema.names
    rows = [
        {k: v for k, v in zip(names, values, strict=True) if include_nulls or v is not None}
        for values in zip(*(c.to_pylist() for c in outcome.table.columns), strict=True)
    ]
    return {"results": [{"tables": [{"rows": _ROWS.dump_python(rows, mode="json")}]}]}


def _dataset(model: SemanticModel) -> dict[str, Any]:
    return {
        "id": uuid_of(model.id),
        "name": model.name,
        "description": model.description,
        "configuredBy": model.created_by,
        "isRefreshable": False,
        "createdDate": model.created_at.isoformat(),
        "webUrl": None,
    }
