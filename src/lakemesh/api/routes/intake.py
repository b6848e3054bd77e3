"""A domain's intake form: the JSON Schema of the fields its products must fill before they are published."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body

from lakemesh.api.deps import Caller, PlatformDep

router = APIRouter(tags=["intake"])
FORM = "/api/v1/domains/{domain}/intake-form"


@router.put(
    FORM,
    summary="Set the domain's intake form",
    description="A JSON Schema (type object) checked against the product document with its `properties` merged in; "
    "publishing a product that does not satisfy it is a 422 listing each missing field. Domain Admins only.",
)
def set_form(
    domain: str, platform: PlatformDep, caller: Caller, schema: Annotated[dict[str, Any], Body()]
) -> dict[str, Any]:
    return platform.intake.set_form(caller, domain, schema)


@router.get(FORM, summary="The domain's intake form (an empty schema when none is set)")
def get_form(domain: str, platform: PlatformDep, caller: Caller) -> dict[str, Any]:
    return platform.intake.get_form(caller, domain)
