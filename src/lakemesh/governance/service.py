"""Policy use cases: put (versioned, idempotent), list, get, delete, with federated ownership.

Platform admins own GLOBAL policies; a domain's Admins own that domain's policies. Policies are additive:
every GLOBAL policy applies in every domain and no domain policy can switch one off. A domain policy may
not restate a GLOBAL policy's rule with a weaker enforcement either (block > alert > warn), because that
reads as if the domain had relaxed it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from lakemesh.auth.authorize import Authorizer, Resource
from lakemesh.auth.models import Principal
from lakemesh.auth.roles import Action
from lakemesh.catalog import Catalog
from lakemesh.catalog.journal import record
from lakemesh.catalog.tables.governance import PolicyRow, PolicyVersionRow, ViolationRow
from lakemesh.core.clock import Clock
from lakemesh.core.durations import parse_duration
from lakemesh.core.errors import Conflict, ErrorItem, Forbidden, InvalidInput, NotFound, invalid
from lakemesh.core.ids import new_id
from lakemesh.core.names import slugify, validate_name
from lakemesh.core.pages import Page, check_limit, decode_cursor, encode_cursor
from lakemesh.core.settings import Settings
from lakemesh.domains.service import domain_by_id, find_domain_row, require_domain_row
from lakemesh.governance.checks import PolicyChecks
from lakemesh.governance.compliance import DEFAULT_BUDGET_SECONDS, Compliance
from lakemesh.governance.destinations import WebhookDestinations
from lakemesh.governance.evaluation import PolicyBook
from lakemesh.governance.models import NO_RULE, SEVERITY, STRENGTH, Policy, PolicyDocument, PolicyVersion
from lakemesh.governance.rules import CompiledRule, compile_policy
from lakemesh.governance.webhooks import WebhookService

if TYPE_CHECKING:
    from lakemesh.catalog.tables.domains import DomainRow


class GovernanceService:
    """Policies as code. Evaluation, violations and reports are in `compliance`, the synchronous checks in
    `checks` and webhooks in `webhooks`; all share one book of compiled rules."""

    def __init__(
        self,
        catalog: Catalog,
        authorizer: Authorizer,
        clock: Clock,
        *,
        budget_seconds: float = DEFAULT_BUDGET_SECONDS,
        webhooks: WebhookService | None = None,
        webhook_allowlist: str | None = None,
        council_mode: bool = False,
    ) -> None:
        self._catalog = catalog
        self._authz = authorizer
        self._clock = clock
        self.council_mode = council_mode
        self.compliance = Compliance(catalog, authorizer, clock, budget_seconds=budget_seconds)
        self.book: PolicyBook = self.compliance.book
        self.checks = PolicyChecks(catalog, clock, self.book)
        self.webhooks = webhooks or WebhookService(
            catalog, authorizer, clock, destinations=WebhookDestinations(webhook_allowlist)
        )

    # -- policies --------------------------------------------------------------------------------
    def put_policy(
        self, actor: Principal, document: PolicyDocument, *, name: str | None = None, proposal: str | None = None
    ) -> Policy:
        """Create or replace a policy; storing the same document again changes nothing (`changed` false).
        `proposal` names the passed council proposal that makes the change (council mode needs one for GLOBAL)."""
        policy_name = validate_name(document.name)
        if name is not None and slugify(name) != slugify(policy_name):
            raise invalid("name", f"is {policy_name!r} but the path names {name!r}")
        rule = compile_policy(document.rule, language=document.language)
        stored = _document(document, policy_name)
        now = self._clock.now()
        with self._catalog.transaction() as session:
            domain = self._target_domain(session, document)
            existing = session.scalar(select(PolicyRow).where(PolicyRow.slug == slugify(policy_name)))
            if existing is not None:
                self._authorize_manage(session, actor, existing.domain_id, existing.name)
                self._refuse_direct(existing.domain_id, policy_name, proposal)
            self._authorize_manage(session, actor, domain.id if domain else None, policy_name)
            self._refuse_direct(domain.id if domain else None, policy_name, proposal)
            if domain is not None and rule.text:
                self._refuse_weakening(session, rule, document.enforcement)
            if existing is not None and _same(existing.document, stored):
                return self._view(session, existing, changed=False)
            row = existing or PolicyRow(id=new_id("pol"), created_by=actor.name, created_at=now, version=0)
            before = dict(existing.document) if existing else None
            row.name, row.slug = policy_name, slugify(policy_name)
            row.scope = "GLOBAL" if domain is None else "DOMAIN"
            row.domain_id = domain.id if domain else None
            row.rule, row.language = document.rule, rule.language
            row.subject_kind = rule.subject_kind if rule.text else "none"
            row.enforcement, row.description, row.document = document.enforcement, document.description, stored
            row.version += 1
            row.updated_by, row.updated_at = actor.name, now
            if existing is None:
                session.add(row)
            session.flush()
            session.add(
                PolicyVersionRow(
                    id=new_id("pov"),
                    policy_id=row.id,
                    version=row.version,
                    document=stored,
                    created_by=actor.name,
                    created_at=now,
                )
            )
            record(
                session,
                at=now,
                actor=actor.name,
                action="policy.updated" if existing else "policy.created",
                resource_type="policy",
                resource_id=row.id,
                resource_name=policy_name,
                domain=domain.slug if domain else None,
                before=before,
                after=stored,
            )
            view = self._view(session, row)
        # Findings of the new rule show up at once, not at the next scheduled evaluation.
        self.compliance.evaluate_policies([row.id])
        return view

    def get_policy(self, actor: Principal, name: str) -> Policy:
        """Policies are the mesh's rules: every signed-in principal may read them."""
        with self._catalog.read() as session:
            return self._view(session, self._find(session, name))

    def list_policies(
        self,
        actor: Principal,
        *,
        scope: str | None = None,
        domain: str | None = None,
        limit: int = 50,
        cursor: str | None = None,
    ) -> Page[Policy]:
        check_limit(limit)
        after = decode_cursor(cursor)
        query = select(PolicyRow).order_by(PolicyRow.slug).limit(limit + 1)
        with self._catalog.read() as session:
            if scope is not None:
                wanted = scope.strip().upper()
                query = query.where(PolicyRow.scope == ("GLOBAL" if wanted == "GLOBAL" else "DOMAIN"))
            if domain is not None:
                row = require_domain_row(session, domain)
                query = query.where(PolicyRow.domain_id == row.id)
            if after is not None:
                query = query.where(PolicyRow.slug > str(after))
            rows = list(session.scalars(query))
            items = [self._view(session, r) for r in rows[:limit]]
        return Page(items=items, next_cursor=encode_cursor(rows[limit - 1].slug) if len(rows) > limit else None)

    def policy_versions(self, actor: Principal, name: str) -> list[PolicyVersion]:
        with self._catalog.read() as session:
            row = self._find(session, name)
            versions = session.scalars(
                select(PolicyVersionRow)
                .where(PolicyVersionRow.policy_id == row.id)
                .order_by(PolicyVersionRow.version.desc())
            )
            return [
                PolicyVersion(version=v.version, document=v.document, created_by=v.created_by, created_at=v.created_at)
                for v in versions
            ]

    def delete_policy(self, actor: Principal, name: str, *, proposal: str | None = None) -> None:
        """Its open violations are closed: nothing requires those subjects to comply any more."""
        now = self._clock.now()
        with self._catalog.transaction() as session:
            row = self._find(session, name)
            self._authorize_manage(session, actor, row.domain_id, row.name)
            self._refuse_direct(row.domain_id, row.name, proposal)
            for violation in session.scalars(
                select(ViolationRow).where(ViolationRow.policy_id == row.id, ViolationRow.status == "open")
            ):
                violation.status, violation.resolved_at = "resolved", now
            domain = domain_by_id(session, row.domain_id)
            record(
                session,
                at=now,
                actor=actor.name,
                action="policy.deleted",
                resource_type="policy",
                resource_id=row.id,
                resource_name=row.name,
                domain=domain.slug if domain else None,
                before=dict(row.document),
            )
            session.delete(row)

    # -- internals -------------------------------------------------------------------------------
    def _find(self, session: Session, name: str) -> PolicyRow:
        row = session.scalar(select(PolicyRow).where((PolicyRow.slug == slugify(name)) | (PolicyRow.id == name)))
        if row is None:
            raise NotFound(f"Policy {name!r} not found")
        return row

    def _target_domain(self, session: Session, document: PolicyDocument) -> DomainRow | None:
        ref = document.domain_ref
        if ref is None:
            return None
        row = find_domain_row(session, ref)
        if row is None:
            field = "domain" if document.domain else "workspace"
            raise invalid(field, f"there is no domain {ref!r}")
        if document.domain and document.workspace:
            other = find_domain_row(session, document.workspace)
            if other is None or other.id != row.id:
                raise invalid("workspace", f"names another domain than domain {document.domain!r}")
        return row

    def _authorize_manage(self, session: Session, actor: Principal, domain_id: str | None, name: str) -> None:
        if domain_id is None:
            if not actor.is_platform_admin:
                raise Forbidden(f"Only platform admins can change GLOBAL policies such as {name!r}")
            return
        domain = domain_by_id(session, domain_id)
        if domain is None:  # pragma: no cover - the foreign key cascades
            raise NotFound(f"Policy {name!r} not found")
        resource = Resource(kind="domain", name=domain.name, domain_id=domain.id, visible=True)
        if not self._authz.can(actor, Action.POLICIES_MANAGE, resource, session):
            raise Forbidden(f"Only Admins of domain {domain.name!r} can change its policies")

    def _refuse_direct(self, domain_id: str | None, name: str, proposal: str | None) -> None:
        """In council mode a GLOBAL policy changes only through a passed proposal, never directly."""
        if self.council_mode and domain_id is None and proposal is None:
            raise Conflict(
                f"GLOBAL policy {name!r} is governed by the council (LAKEMESH_GOVERNANCE_MODE=council): propose the "
                "change with POST /api/v1/council/proposals (CLI: lakemesh council propose)"
            )

    def _refuse_weakening(self, session: Session, rule: CompiledRule, enforcement: str) -> None:
        wanted = _normal(rule.text)
        for other in session.scalars(select(PolicyRow).where(PolicyRow.scope == "GLOBAL")):
            if _normal(other.rule) == wanted and STRENGTH[other.enforcement] > STRENGTH[enforcement]:
                message = (
                    f"GLOBAL policy {other.name!r} already enforces this rule with {other.enforcement!r}; a domain "
                    f"policy may add rules but not restate a global one with a weaker enforcement"
                )
                raise InvalidInput(message, errors=[ErrorItem(("enforcement",), message, {"policy": other.name})])

    def _view(self, session: Session, row: PolicyRow, *, changed: bool = True) -> Policy:
        document = row.document
        domain = domain_by_id(session, row.domain_id)
        return Policy(
            id=row.id,
            name=row.name,
            slug=row.slug,
            description=row.description,
            scope=str(document.get("scope", row.scope)),
            workspace=document.get("workspace"),
            domain=domain.slug if domain else None,
            rule=row.rule,
            language=row.language,
            subject_kind=row.subject_kind,
            enforcement=row.enforcement,
            severity=SEVERITY[row.enforcement],
            version=row.version,
            created_by=row.created_by,
            created_at=row.created_at,
            updated_by=row.updated_by,
            updated_at=row.updated_at,
            etag=f'"{row.id}.{row.version}"',
            changed=changed,
            note=None if row.rule.strip() else NO_RULE,
        )


def _document(document: PolicyDocument, name: str) -> dict[str, Any]:
    """What is stored and versioned: the document as written, without empty optional fields."""
    data = document.model_dump(exclude_none=True)
    data["name"] = name
    return data


def _same(stored: dict[str, Any], new: dict[str, Any]) -> bool:
    """Re-wrapping a rule over lines or changing the case of the scope is not a change."""
    return comparable(stored) == comparable(new)


def comparable(document: dict[str, Any]) -> dict[str, Any]:
    data = {k: v for k, v in document.items() if v not in (None, "")}
    if "rule" in data:
        data["rule"] = _normal(str(data["rule"]))
    data["scope"] = str(data.get("scope", "GLOBAL")).upper()
    data["enforcement"] = str(data.get("enforcement", "warn")).lower()
    data.setdefault("description", "")
    return data


def _normal(text: str) -> str:
    return " ".join(text.split()).lower()


def evaluation_interval(settings: Settings) -> float:
    """Seconds between scheduled evaluations (`LAKEMESH_GOVERNANCE_INTERVAL`, default 15m)."""
    return parse_duration(settings.governance_interval, "governance_interval").total_seconds()
