"""The rules of access requests and grants: durations and columns may only narrow, history steps, grant views."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from lakemesh.access.models import DEFAULT_DURATION, MAX_DURATION_DAYS, Grant, GrantState, RequestState
from lakemesh.catalog.tables.access import AccessRequestRow, GrantRow
from lakemesh.core.durations import parse_duration
from lakemesh.core.errors import Conflict, ErrorItem, InvalidInput, invalid

if TYPE_CHECKING:
    from lakemesh.catalog.tables.products import ProductRow


def step(
    at: datetime, actor: str | None, action: str, note: str | None, details: dict[str, Any] | None = None
) -> dict[str, Any]:
    return {"at": at.isoformat(), "actor": actor, "action": action, "note": note, "details": details or {}}


def check_duration(text: str | None, field: str) -> timedelta | None:
    if text is None:
        return None
    duration = parse_duration(text, field)
    if duration <= timedelta(0) or duration > timedelta(days=MAX_DURATION_DAYS):
        raise invalid(field, f"must be more than zero and at most {MAX_DURATION_DAYS}d")
    return duration


def narrow_duration(requested: str | None, decided: str | None) -> timedelta | None:
    asked = check_duration(requested, "duration")
    given = check_duration(decided, "duration")
    if given is None:
        return asked if asked is not None else check_duration(DEFAULT_DURATION, "duration")
    if asked is not None and given > asked:
        raise invalid("duration", f"may only narrow the requested {requested}")
    return given


def narrow_columns(requested: list[Any] | None, decided: list[str] | None) -> list[str] | None:
    if decided is None:
        return [str(c) for c in requested] if requested is not None else None
    if requested is not None:
        asked = {str(c).lower() for c in requested}
        extra = [c for c in decided if c.lower() not in asked]
        if extra:
            raise invalid("columns", f"may only narrow the requested columns; not requested: {extra}")
    return decided


def check_columns(product: ProductRow, columns: list[str] | None, loc: tuple[str, ...]) -> None:
    if columns is None:
        return
    known = {c.lower() for c in (product.spec or {}).get("contract", {}).get("schema", {})}
    unknown = [c for c in columns if c.lower() not in known]
    if unknown:
        raise InvalidInput(
            f"Not columns of the product: {', '.join(unknown)}",
            errors=[ErrorItem((*loc, c), "is not a column of the product's contract") for c in unknown],
        )


def accepted_terms(product: ProductRow, accepted: bool) -> list[str] | None:
    """The product's usage terms, which a request must accept (422 listing them otherwise); None when it has none."""
    terms = [str(t) for t in (product.spec or {}).get("usage_terms") or []]
    if not terms:
        return None
    if not accepted:
        raise InvalidInput(
            f"{product.name} has usage terms you must accept (accept_terms: true, --accept-terms): "
            + "; ".join(terms[:5])
            + (f"; and {len(terms) - 5} more" if len(terms) > 5 else ""),
            errors=[ErrorItem(("accept_terms", i), term) for i, term in enumerate(terms)],
        )
    return terms


def check_pending(row: AccessRequestRow) -> None:
    if row.state != RequestState.PENDING:
        raise Conflict(f"Access request {row.id} is already {row.state}")


def grant_view(grant: GrantRow, product: str, table: str | None, now: datetime | None = None) -> Grant:
    if grant.revoked_at is not None:
        state = GrantState.REVOKED
    elif grant.expired_at is not None or (grant.expires_at is not None and now is not None and grant.expires_at <= now):
        state = GrantState.EXPIRED
    else:
        state = GrantState.ACTIVE
    return Grant(
        id=grant.id,
        product=product,
        table=table,
        grantee=grant.grantee,
        grantee_kind=grant.grantee_kind,
        columns=grant.columns,
        expires_at=grant.expires_at,
        state=state,
        request_id=grant.request_id,
        created_by=grant.created_by,
        created_at=grant.created_at,
        revoked_at=grant.revoked_at,
        revoked_by=grant.revoked_by,
        revoke_reason=grant.revoke_reason,
        agreement_id=grant.agreement_id,
        agreement_version=grant.agreement_version,
    )
