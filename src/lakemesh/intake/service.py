"""Intake forms: a JSON Schema of required product fields, per domain and platform-wide, checked on publish.

The schema is validated against the product document with its `properties` merged in at the top level, so a
form can require the product's own fields (`documentation_url`, `classification`, `tags` with an enum) and its
custom ones (`business_purpose`, `retention`). Publishing a product that does not satisfy it is a 422 listing
every missing or wrong field. Domain Admins set their domain's form; platform admins the platform's.
"""

from __future__ import annotations

from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError

from lakemesh.auth.authorize import Authorizer
from lakemesh.auth.models import Principal
from lakemesh.auth.roles import DomainRole
from lakemesh.catalog import Catalog
from lakemesh.catalog.journal import record
from lakemesh.catalog.tables.intake import IntakeFormRow
from lakemesh.core.clock import Clock
from lakemesh.core.errors import Conflict, ErrorItem, Forbidden, InvalidInput, NotFound, invalid
from lakemesh.domains.service import find_domain_row
from lakemesh.products.models import ProductSpec
from lakemesh.products.views import DataProduct

PLATFORM = "platform"
MAX_SCHEMA_BYTES = 64_000


class IntakeService:
    def __init__(self, catalog: Catalog, authorizer: Authorizer, clock: Clock) -> None:
        self._catalog = catalog
        self._authz = authorizer
        self._clock = clock

    # Set by the council's install in LAKEMESH_GOVERNANCE_MODE=council: the platform's form changes by proposal only.
    governed_by_council = False

    def set_form(
        self, actor: Principal, domain: str | None, schema: dict[str, Any], *, proposal: str | None = None
    ) -> dict[str, Any]:
        """Replace the form of `domain` (its Admins) or, with `domain=None`, the platform's (platform admins)."""
        check_schema(schema)
        if domain is None and self.governed_by_council and proposal is None:
            raise Conflict(
                "The platform's required product fields are governed by the council (LAKEMESH_GOVERNANCE_MODE="
                "council): propose the change with POST /api/v1/council/proposals (kind intake-form)"
            )
        with self._catalog.transaction() as session:
            scope, slug = self._scope(session, actor, domain, write=True)
            row = session.get(IntakeFormRow, scope)
            if row is None:
                row = IntakeFormRow(scope=scope)
                session.add(row)
            row.schema, row.updated_by, row.updated_at = schema, actor.name, self._clock.now()
            record(
                session,
                at=self._clock.now(),
                actor=actor.name,
                action="intake.form.set",
                resource_type="intake_form",
                resource_id=scope,
                resource_name=slug or PLATFORM,
                domain=slug,
                payload={"required": list(schema.get("required") or [])},
            )
            return schema

    def get_form(self, actor: Principal, domain: str | None) -> dict[str, Any]:
        """The form (an empty schema when none is set); every signed-in user reads it to fill it."""
        with self._catalog.read() as session:
            scope, _ = self._scope(session, actor, domain, write=False)
            row = session.get(IntakeFormRow, scope)
            return dict(row.schema) if row is not None else {}

    def check(self, event: str, product: DataProduct, spec: ProductSpec) -> list[str]:
        """The products' lifecycle check: on publish, the platform's and the domain's forms must be satisfied."""
        if event != "publish":
            return []
        with self._catalog.read() as session:
            domain = find_domain_row(session, product.domain)
            forms = [session.get(IntakeFormRow, PLATFORM), session.get(IntakeFormRow, domain.id) if domain else None]
        document = {**spec.model_dump(mode="json", by_alias=True, exclude={"properties"}), **spec.properties}
        errors: list[ErrorItem] = []
        for form in (f for f in forms if f is not None and f.schema):
            errors.extend(_problems(form.schema, document))
        if errors:
            raise InvalidInput(
                f"{product.qualified_name} cannot be published until its intake form is filled", errors=errors
            )
        return []

    def _scope(self, session: Any, actor: Principal, domain: str | None, *, write: bool) -> tuple[str, str | None]:
        if domain is None:
            if write and not actor.is_platform_admin:
                raise Forbidden("Only platform admins set the platform's intake form")
            return PLATFORM, None
        row = find_domain_row(session, domain)
        if row is None:
            raise NotFound(f"Domain {domain!r} not found")
        if (
            write
            and not actor.is_platform_admin
            and self._authz.role_in(actor, row.id, session) is not DomainRole.ADMIN
        ):
            raise Forbidden(f"Only Admins of {row.name} set its intake form")
        return row.id, row.slug


def check_schema(schema: dict[str, Any]) -> None:
    if len(repr(schema)) > MAX_SCHEMA_BYTES:
        raise invalid("schema", f"must be at most {MAX_SCHEMA_BYTES} bytes")
    if schema.get("type", "object") != "object":
        raise invalid("schema", 'must describe an object ("type": "object")')
    if any(not str(ref).startswith("#") for ref in _refs(schema)):
        raise invalid("schema", "may only use local references ($ref starting with #): nothing is fetched")
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as exc:
        raise invalid("schema", f"is not a JSON Schema: {exc.message}") from None


def _refs(value: Any) -> list[Any]:
    """Every `$ref` in the schema, however deep."""
    if isinstance(value, dict):
        return [*([value["$ref"]] if "$ref" in value else []), *(r for v in value.values() for r in _refs(v))]
    if isinstance(value, list):
        return [r for v in value for r in _refs(v)]
    return []


def _problems(schema: dict[str, Any], document: dict[str, Any]) -> list[ErrorItem]:
    """One item per missing field (`required`) and per wrong value, each at the field's own location."""
    items = []
    for error in sorted(Draft202012Validator(schema).iter_errors(document), key=lambda e: list(e.absolute_path)):
        if error.validator == "required":
            for name in error.validator_value:
                if name not in (error.instance or {}) or _empty(error.instance.get(name)):
                    items.append(ErrorItem((*error.absolute_path, name), "is required by the intake form"))
        else:
            items.append(ErrorItem(tuple(error.absolute_path) or ("properties",), error.message))
    for name in schema.get("required") or []:  # present but empty (`""`, `[]`) counts as missing too
        if name in document and _empty(document[name]):
            items.append(ErrorItem((name,), "is required by the intake form"))
    return list({(i.loc, i.message): i for i in items}.values())


def _empty(value: Any) -> bool:
    return value is None or value in ("", [], {})
