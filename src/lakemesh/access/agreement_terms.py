"""Usage agreements as rows: made on approval from the request and the product as it is then, renewed as a new
version, ended with the grant; each step journaled with who is told (`recipients`, read by subscriptions)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from lakemesh.access import parties
from lakemesh.access.models import AgreementState, AgreementTerms, UsageAgreement
from lakemesh.auth.service import find_principal_row
from lakemesh.catalog.journal import record
from lakemesh.catalog.tables.access import AccessRequestRow, GrantRow
from lakemesh.catalog.tables.agreements import AgreementRow
from lakemesh.core.ids import new_id

if TYPE_CHECKING:
    from lakemesh.catalog.tables.domains import DomainRow
    from lakemesh.catalog.tables.products import ProductRow

RENEWAL_NOTICE = timedelta(days=7)


def open_agreement(
    session: Session,
    approver: str,
    request: AccessRequestRow,
    grant: GrantRow,
    target: tuple[ProductRow, DomainRow],
    obligations: list[str],
    now: datetime,
) -> AgreementRow:
    """The agreement an approval makes: the request's purpose, the grant's scope and validity, the product's
    contract version and SLA now, and the terms the requester accepted plus the approver's obligations."""
    product, domain = target
    row = AgreementRow(
        id=new_id("agr"),
        product_id=product.id,
        domain_id=domain.id,
        request_id=request.id,
        grant_id=grant.id,
        consumer_kind=grant.grantee_kind,
        consumer_id=grant.grantee_id,
        consumer=grant.grantee,
        provider=product.owner,
        approved_by=approver,
        purpose=request.purpose,
        columns=grant.columns,
        contract_version=product.version,
        sla=dict((product.spec or {}).get("contract", {}).get("sla") or {}),
        obligations=list(dict.fromkeys([*(request.terms or []), *(o.strip() for o in obligations)])),
        version=1,
        valid_from=now,
        valid_until=grant.expires_at,
        created_at=now,
        updated_at=now,
    )
    row.versions = [terms_entry(row, approver, now, None)]
    session.add(row)
    grant.agreement_id, grant.agreement_version = row.id, row.version
    journal(session, now, approver, row, target, "agreement.created", [consumer_of(row)])
    return row


def renew_row(
    session: Session,
    row: AgreementRow,
    grant: GrantRow,
    target: tuple[ProductRow, DomainRow],
    by: str,
    length: timedelta,
    note: str | None,
    now: datetime,
) -> None:
    """A new version from the current end (or now), with the product's contract version and SLA of today; the
    obligations stay the ones the consumer agreed to."""
    product, _ = target
    start = max(row.valid_until or now, now)
    row.version += 1
    row.valid_from, row.valid_until = start, start + length
    row.contract_version = product.version
    row.sla = dict((product.spec or {}).get("contract", {}).get("sla") or {})
    row.updated_at = now
    row.versions = [*row.versions, terms_entry(row, by, now, note)]
    grant.expires_at, grant.expired_at = row.valid_until, None
    grant.agreement_version = row.version
    journal(session, now, by, row, target, "agreement.renewed", [consumer_of(row)])


def end_row(
    session: Session,
    row: AgreementRow,
    target: tuple[ProductRow, DomainRow],
    by: str,
    reason: str | None,
    now: datetime,
) -> None:
    """The grant was revoked: the agreement ends with it; both sides are told."""
    row.ended_at, row.ended_by, row.end_reason, row.updated_at = now, by, reason, now
    journal(session, now, by, row, target, "agreement.ended", [consumer_of(row), *provider_side(session, target)])


def terms_entry(row: AgreementRow, by: str, at: datetime, note: str | None) -> dict[str, Any]:
    return {
        "version": row.version,
        "purpose": row.purpose,
        "columns": row.columns,
        "contract_version": row.contract_version,
        "sla": row.sla,
        "obligations": row.obligations,
        "valid_from": row.valid_from.isoformat(),
        "valid_until": row.valid_until.isoformat() if row.valid_until else None,
        "agreed_by": by,
        "agreed_at": at.isoformat(),
        "note": note,
    }


def state_of(row: AgreementRow, now: datetime) -> AgreementState:
    if row.ended_at is not None:
        return AgreementState.ENDED
    if row.valid_until is not None and row.valid_until <= now:
        return AgreementState.EXPIRED
    return AgreementState.ACTIVE


def agreement_view(row: AgreementRow, target: tuple[ProductRow, DomainRow], now: datetime) -> UsageAgreement:
    product, domain = target
    return UsageAgreement(
        id=row.id,
        product=f"{domain.slug}/{product.slug}",
        product_name=product.name,
        provider=row.provider,
        consumer=row.consumer,
        consumer_kind=row.consumer_kind,
        state=state_of(row, now),
        version=row.version,
        purpose=row.purpose,
        columns=row.columns,
        contract_version=row.contract_version,
        sla=row.sla,
        obligations=[str(o) for o in row.obligations],
        valid_from=row.valid_from,
        valid_until=row.valid_until,
        request_id=row.request_id,
        grant_id=row.grant_id,
        approved_by=row.approved_by,
        created_at=row.created_at,
        ended_at=row.ended_at,
        ended_by=row.ended_by,
        end_reason=row.end_reason,
        versions=[AgreementTerms.model_validate(v) for v in row.versions],
    )


def consumer_of(row: AgreementRow) -> dict[str, str]:
    return {"kind": row.consumer_kind, "id": row.consumer_id}


def provider_side(session: Session, target: tuple[ProductRow, DomainRow]) -> list[dict[str, str]]:
    """The owner and the domain's Admins (a group's members), as notification recipients."""
    found = (find_principal_row(session, name) for name in parties.approvers(session, *target))
    return [{"kind": "principal", "id": p.id} for p in found if p is not None]


def journal(
    session: Session,
    at: datetime,
    actor: str | None,
    row: AgreementRow,
    target: tuple[ProductRow, DomainRow],
    action: str,
    recipients: list[dict[str, str]],
) -> None:
    """The event names the parties to tell; the terms themselves stay in the agreement, for its parties to read."""
    product, domain = target
    name = f"{domain.slug}/{product.slug}"
    record(
        session,
        at=at,
        actor=actor,
        action=action,
        resource_type="agreement",
        resource_id=row.id,
        resource_name=name,
        domain=domain.slug,
        after={"version": row.version, "valid_until": row.valid_until.isoformat() if row.valid_until else None},
        payload={
            "product": name,
            "product_id": product.id,
            "agreement": row.id,
            "version": row.version,
            "consumer": row.consumer,
            "valid_until": row.valid_until.isoformat() if row.valid_until else None,
            "recipients": list({(r["kind"], r["id"]): r for r in recipients}.values()),
        },
    )
