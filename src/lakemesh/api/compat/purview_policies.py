"""Purview's policy store (`/policystore/policies/{name}`) onto Lakemesh governance policies.

The seed's payload carries `name`, `description` and one decision rule (effect + a `scope` condition), never
the rule sentence. The policy is stored with that enforcement and scope; the rule comes from an optional
`rule` attribute (and the domain from an optional `workspace`/`domain` attribute or condition). Without a
rule it is stored as such and says `no rule: evaluates nothing`, here and in the compliance report.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response, status
from pydantic import BaseModel, ConfigDict, Field

from lakemesh.api.compat.errors import CompatError
from lakemesh.api.deps import Caller, PlatformDep
from lakemesh.core.ids import uuid_of
from lakemesh.core.validation import parse_model
from lakemesh.governance.models import Policy, PolicyDocument

router = APIRouter(prefix="/policystore/policies", tags=["purview"])
_TARGETS = ("workspace", "domain")


class DecisionRule(BaseModel):
    model_config = ConfigDict(extra="ignore")

    effect: str
    dnf_condition: list[list[dict[str, Any]]] = Field(default_factory=list, alias="dnfCondition")


class PurviewPolicy(BaseModel):
    """The seed's payload, plus Lakemesh's optional `rule`, `language`, `workspace` and `domain`."""

    model_config = ConfigDict(extra="ignore")

    name: str | None = None
    description: str = ""
    decision_rules: list[DecisionRule] = Field(alias="decisionRules", min_length=1)
    rule: str = ""
    language: str | None = None
    workspace: str | None = None
    domain: str | None = None


@router.put("/{name}", summary="Create or replace a policy")
def put_policy(name: str, spec: PurviewPolicy, platform: PlatformDep, caller: Caller, response: Response) -> Any:
    document = parse_model(PolicyDocument, _document(name, spec))
    policy = platform.governance.put_policy(caller, document, name=name)
    created = policy.version == 1 and policy.changed
    response.status_code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
    return _shape(policy)


@router.get("/{name}", summary="Get a policy")
def get_policy(name: str, platform: PlatformDep, caller: Caller) -> Any:
    return _shape(platform.governance.get_policy(caller, name))


@router.delete("/{name}", summary="Delete a policy")
def delete_policy(name: str, platform: PlatformDep, caller: Caller) -> Response:
    platform.governance.delete_policy(caller, name)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


def _document(name: str, spec: PurviewPolicy) -> dict[str, Any]:
    if len(spec.decision_rules) > 1:
        raise CompatError(400, "BadRequest", "A Lakemesh policy has one enforcement: send one decision rule")
    decision = spec.decision_rules[0]
    conditions = {str(c.get("attributeName", "")).lower(): c for group in decision.dnf_condition for c in group}
    document: dict[str, Any] = {
        "name": spec.name or name,
        "description": spec.description,
        "enforcement": decision.effect,
        "scope": _value(conditions.get("scope")) or "GLOBAL",
        "rule": spec.rule,
    }
    if spec.language:
        document["language"] = spec.language
    for target in _TARGETS:
        given = getattr(spec, target) or _value(conditions.get(target))
        if given:
            document[target] = given
    return document


def _value(condition: dict[str, Any] | None) -> str | None:
    """`attributeValueIncludes` (one value) or a one-value `attributeValueIncludedIn`."""
    if condition is None:
        return None
    value = condition.get("attributeValueIncludes", condition.get("attributeValueIncludedIn"))
    if isinstance(value, list) and len(value) == 1:
        value = value[0]
    if not isinstance(value, str) or not value.strip():
        raise CompatError(400, "BadRequest", f"Condition {condition.get('attributeName')!r} needs one string value")
    return value


def _shape(policy: Policy) -> dict[str, Any]:
    """Echoes the payload's shape, and what Lakemesh made of it under `lakemesh` (the rule or its absence)."""
    conditions = [{"attributeName": "scope", "attributeValueIncludes": policy.scope}]
    if policy.workspace or policy.domain:
        key = "workspace" if policy.workspace else "domain"
        conditions.append({"attributeName": key, "attributeValueIncludes": str(policy.workspace or policy.domain)})
    body: dict[str, Any] = {
        "name": policy.name,
        "id": uuid_of(policy.id),
        "version": policy.version,
        "description": policy.description,
        "decisionRules": [{"effect": policy.enforcement, "dnfCondition": [conditions]}],
        "lakemesh": {
            "policy": policy.slug,
            "scope": policy.scope,
            "domain": policy.domain,
            "rule": policy.rule or None,
            "enforcement": policy.enforcement,
            "note": policy.note,
        },
    }
    return body
