"""`create_domain_lakehouse`: the seed's self-serve call, idempotent.

It composes the public domain, principal and lakehouse services (so every permission check and audit row
is theirs) and creates only what is missing: calling it again, or after a partial failure, completes the
set and changes nothing that exists.
"""

from __future__ import annotations

import re

from lakemesh.auth.models import Principal, PrincipalCreate
from lakemesh.auth.roles import DomainRole
from lakemesh.auth.service import PrincipalService
from lakemesh.core.errors import Conflict, Forbidden, NotFound, invalid
from lakemesh.core.names import looks_like_email, slugify, validate_name
from lakemesh.core.validation import parse_model
from lakemesh.domains.models import Domain, DomainCreate, MemberAdd
from lakemesh.domains.service import DomainService
from lakemesh.lakehouses.models import Lakehouse, LakehouseCreate
from lakemesh.lakehouses.service import LakehouseService
from lakemesh.selfserve.models import DomainLakehouse, DomainLakehouseRequest
from lakemesh.templates.service import TemplateService

_SUFFIX = "-domain"


def domain_name_of(text: str) -> str:
    """`Sales` and `Sales-Domain` both mean the domain `Sales`."""
    name = validate_name(text, "domain_name")
    return name[: -len(_SUFFIX)] if name.lower().endswith(_SUFFIX) and len(name) > len(_SUFFIX) else name


def lakehouse_name_of(domain_name: str) -> str:
    """The seed's `f"{domain_name.lower()}_lakehouse"` as a valid identifier (`Customer Care` -> customer_care_...)."""
    base = re.sub(r"[^a-z0-9]+", "_", slugify(domain_name)).strip("_")
    return f"{base if base and not base[0].isdigit() else 'd_' + base}_lakehouse"


class SelfServeService:
    def __init__(
        self,
        principals: PrincipalService,
        domains: DomainService,
        lakehouses: LakehouseService,
        templates: TemplateService,
    ) -> None:
        self._principals = principals
        self._domains = domains
        self._lakehouses = lakehouses
        self._templates = templates

    def create_domain_lakehouse(self, actor: Principal, request: DomainLakehouseRequest) -> DomainLakehouse:
        name = domain_name_of(request.domain_name)
        steward = request.steward_email.strip().lower()
        if not looks_like_email(steward):
            raise invalid("steward_email", "must be an email address")
        validate_name(steward, "steward_email")  # it names the steward's principal: checked before anything is made
        try:
            role = DomainRole.parse(request.steward_role)
        except ValueError as exc:
            raise invalid("steward_role", str(exc)) from None
        template = self._templates.get(actor, request.template)
        if template.type != "Lakehouse":
            raise invalid("template", f"{template.name!r} is a {template.type} template, not a Lakehouse template")
        lakehouse_name = request.lakehouse_name or lakehouse_name_of(name)
        created = {"domain": False, "steward": False, "lakehouse": False}

        domain = self._domain(actor, name, steward, request, created)
        self._steward_principal(actor, steward)
        members = {m.principal.lower(): m for m in self._domains.list_members(actor, domain.slug)}
        member = members.get(steward)
        if member is None:
            spec = parse_model(MemberAdd, {"principal": steward, "role": role.value})
            member = self._domains.add_member(actor, domain.slug, spec)
            created["steward"] = True
        lakehouse = self._lakehouse(actor, domain, lakehouse_name, steward, template.name, created)
        return DomainLakehouse(
            domain=domain,
            lakehouse=lakehouse,
            steward=member,
            template=template.name,
            template_version=template.version,
            capacity_id=request.capacity_id,
            created=created,
        )

    def _domain(
        self, actor: Principal, name: str, steward: str, request: DomainLakehouseRequest, created: dict[str, bool]
    ) -> Domain:
        try:
            return self._domains.get(actor, name)
        except NotFound:
            pass
        description = request.description or f"Data products for {name} domain. Steward: {steward}"
        spec = parse_model(
            DomainCreate,
            {
                "name": name,
                "display_name": f"{name}-Domain",
                "description": description,
                "owner": request.owner,
                "steward": steward,
            },
        )
        try:
            domain = self._domains.create(actor, spec)
        except Conflict:  # created concurrently by someone else: use it
            return self._domains.get(actor, name)
        created["domain"] = True
        return domain

    def _steward_principal(self, actor: Principal, steward: str) -> None:
        try:
            self._principals.ensure_principal(actor, PrincipalCreate(name=steward, email=steward))
        except Forbidden:
            raise Forbidden(
                f"The steward {steward!r} has no account yet and only platform admins can create one"
            ) from None

    def _lakehouse(
        self,
        actor: Principal,
        domain: Domain,
        name: str,
        steward: str,
        template: str,
        created: dict[str, bool],
    ) -> Lakehouse:
        try:
            return self._lakehouses.get(actor, domain.slug, name)
        except NotFound:
            pass
        spec = parse_model(
            LakehouseCreate,
            {
                "name": name,
                "template": template,
                "data_steward": steward,
                "description": f"{domain.name} domain lakehouse (self-serve, from {template}). Steward: {steward}",
            },
        )
        try:
            lakehouse = self._lakehouses.create(actor, domain.slug, spec)
        except Conflict:
            return self._lakehouses.get(actor, domain.slug, name)
        created["lakehouse"] = True
        return lakehouse
