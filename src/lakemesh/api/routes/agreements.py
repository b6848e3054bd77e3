"""Usage agreements: the ones you are a party to, one with every version of its terms, and renewal."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from lakemesh.access.models import AgreementRenewal, AgreementState, UsageAgreement
from lakemesh.api.deps import Caller, Cursor, Limit, PlatformDep
from lakemesh.core.pages import DEFAULT_LIMIT, Page

router = APIRouter(prefix="/api/v1", tags=["access"])


@router.get(
    "/agreements",
    summary="List the usage agreements you are a party to",
    description="As consumer (yourself, your groups, your domains) or as provider (products you own, domains you "
    "administer). Others' agreements are not listed.",
)
def list_agreements(
    platform: PlatformDep,
    caller: Caller,
    product: Annotated[str | None, Query(description="`<domain>/<product>`.")] = None,
    state: AgreementState | None = None,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> Page[UsageAgreement]:
    return platform.agreements.list_agreements(caller, product=product, state=state, limit=limit, cursor=cursor)


@router.get(
    "/agreements/{agreement_id}",
    summary="A usage agreement with every version of its terms",
    description="Its parties only; anyone else gets the same 404 as for a missing agreement.",
)
def get_agreement(agreement_id: str, platform: PlatformDep, caller: Caller) -> UsageAgreement:
    return platform.agreements.get(caller, agreement_id)


@router.post(
    "/agreements/{agreement_id}/renew",
    summary="Renew a usage agreement before it ends",
    description="The product's owner and its domain's Admins. A new version from the current end, for `duration` "
    "(default: as long as the current one), with the product's contract version and SLA of today and the "
    "obligations the consumer agreed to. An ended or expired agreement is not renewed (409): request again.",
)
def renew_agreement(
    agreement_id: str, platform: PlatformDep, caller: Caller, renewal: AgreementRenewal | None = None
) -> UsageAgreement:
    return platform.agreements.renew(caller, agreement_id, renewal or AgreementRenewal())
