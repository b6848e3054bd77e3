"""Self-serve: the seed's `create_domain_lakehouse` as one idempotent request."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from lakemesh.api.deps import Caller, PlatformDep
from lakemesh.selfserve.models import DomainLakehouse, DomainLakehouseRequest

router = APIRouter(prefix="/api/v1/self-serve", tags=["self-serve"])


@router.post(
    "/domain-lakehouse",
    summary="Create a domain workspace and its lakehouse",
    description="Creates the domain (`<Name>-Domain`), adds the steward as Member and creates `<name>_lakehouse` "
    "from `domain-lakehouse-template`, each only if missing: 201 when something was created, 200 when all existed.",
    status_code=status.HTTP_201_CREATED,
)
def create_domain_lakehouse(
    request: DomainLakehouseRequest, platform: PlatformDep, caller: Caller, response: Response
) -> DomainLakehouse:
    result = platform.self_serve.create_domain_lakehouse(caller, request)
    if not any(result.created.values()):
        response.status_code = status.HTTP_200_OK
    return result
