"""Governed reads: the masking plan of a reader on a table, the masking settings, and the read audit.

Domain roles of the owning domain (and platform admins) read in clear: they own the data. Everyone
else reads through grants; labelled columns their grants do not name stay masked.
"""

from __future__ import annotations

import logging
import secrets
import weakref
from collections.abc import Callable
from typing import Any

import pyarrow as pa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lakemesh.access import store
from lakemesh.access.masking import DEFAULT_POLICY, BatchMasker, MaskPlan, normalize_label, plan_masks, scope_key
from lakemesh.access.models import MaskingPolicy
from lakemesh.auth.authorize import Authorizer
from lakemesh.auth.models import Principal
from lakemesh.catalog import Catalog
from lakemesh.catalog.journal import audit_only, record
from lakemesh.catalog.keys import KeyStore
from lakemesh.catalog.tables.access import AccessSettingRow
from lakemesh.core.clock import Clock
from lakemesh.core.errors import Conflict, Forbidden, invalid
from lakemesh.lakehouses.tables import TableHandle

log = logging.getLogger(__name__)
SALT_KEY = "masking-salt"
POLICY_KEY = "masking-policy"


class ReadGovernor:
    """Decides what a reader sees of a table and records every read in the audit log."""

    def __init__(self, catalog: Catalog, authorizer: Authorizer, clock: Clock, keys: KeyStore | None = None) -> None:
        self._catalog = catalog
        self._authz = authorizer
        self._clock = clock
        self._keys = keys
        self._salt: str | None = None
        self._scope_keys: dict[str, bytes] = {}

    # -- settings --------------------------------------------------------------------------------
    def policy(self, session: Session | None = None) -> dict[str, str]:
        """The label -> masking function policy; read in the caller's `session` when given (one catalog read)."""
        if session is None:
            with self._catalog.read() as own:
                return self.policy(own)
        row = session.get(AccessSettingRow, POLICY_KEY)
        return dict(row.value["labels"]) if row else dict(DEFAULT_POLICY)

    def get_policy(self, actor: Principal) -> MaskingPolicy:
        del actor  # every signed-in principal may know how labelled columns are masked
        return MaskingPolicy.model_validate({"labels": self.policy()})

    # Set by the council's install in LAKEMESH_GOVERNANCE_MODE=council: the masking policy changes by proposal only.
    governed_by_council = False

    def set_policy(self, actor: Principal, policy: MaskingPolicy, *, proposal: str | None = None) -> MaskingPolicy:
        if not actor.is_platform_admin:
            raise Forbidden("Only platform admins change the masking policy")
        if self.governed_by_council and proposal is None:
            raise Conflict(
                "The masking policy is governed by the council (LAKEMESH_GOVERNANCE_MODE=council): propose the change "
                "with POST /api/v1/council/proposals (kind masking-policy)"
            )
        labels: dict[str, str] = {}
        for label, function in policy.labels.items():
            normalized = normalize_label(label)
            if normalized is None:
                raise invalid(("labels", label), "a label must not be empty")
            labels[normalized] = function
        now = self._clock.now()
        with self._catalog.transaction() as session:
            row = session.get(AccessSettingRow, POLICY_KEY)
            if row is None:
                session.add(AccessSettingRow(key=POLICY_KEY, value={"labels": labels}, updated_at=now))
            else:
                row.value, row.updated_at, row.updated_by = {"labels": labels}, now, actor.name
            # Journaled (audit row and outbox event) like every mutation: governed queries keep their masking plans
            # until the catalog version moves, so a policy change must move it.
            record(
                session,
                at=now,
                actor=actor.name,
                action="masking.updated",
                resource_type="setting",
                resource_id=POLICY_KEY,
                resource_name="masking policy",
                after=labels,
            )
        return MaskingPolicy.model_validate({"labels": labels})

    def salt(self) -> str:
        """The per-deployment salt of `hash` masks, created once and kept in the catalog (never returned by the API)."""
        if self._salt is not None:
            return self._salt
        if self._keys is not None:  # a 0600 key file (or env), moved out of the catalog on first use
            self._salt = self._keys.get(SALT_KEY, legacy=self._legacy_salt)
            with self._catalog.transaction() as session:
                session.query(AccessSettingRow).filter(AccessSettingRow.key == SALT_KEY).delete()
            return self._salt
        with self._catalog.read() as session:
            row = session.get(AccessSettingRow, SALT_KEY)
        if row is None:
            try:
                with self._catalog.transaction() as session:
                    session.add(
                        AccessSettingRow(
                            key=SALT_KEY, value={"salt": secrets.token_hex(16)}, updated_at=self._clock.now()
                        )
                    )
            except IntegrityError:  # another process created it first; use theirs
                pass
            with self._catalog.read() as session:
                row = session.get(AccessSettingRow, SALT_KEY)
        if row is None:
            raise RuntimeError("the masking salt could not be created")
        self._salt = str(row.value["salt"])
        return self._salt

    def _legacy_salt(self) -> str | None:
        with self._catalog.read() as session:
            row = session.get(AccessSettingRow, SALT_KEY)
            return str(row.value["salt"]) if row else None

    def hash_key(self, plan: MaskPlan) -> bytes:
        """The key of `hash` masks in the plan's scope (its owning domain): hashes never match across domains."""
        key = self._scope_keys.get(plan.scope)
        if key is None:
            key = self._scope_keys[plan.scope] = scope_key(self.salt(), plan.scope)
        return key

    # -- plans -----------------------------------------------------------------------------------
    def plan(self, principal: Principal, handle: TableHandle, session: Session | None = None) -> MaskPlan:
        if session is None:
            with self._catalog.read() as own:
                return self.plan(principal, handle, own)
        qualified, scope = handle.qualified_name, handle.domain.id
        if principal.is_platform_admin or self._authz.role_in(principal, handle.domain.id, session) is not None:
            return MaskPlan(qualified, scope=scope)
        labels = table_labels(session, handle)
        grants = store.table_grants(session, principal.id, handle.table.id, self._clock.now())
        policy = self.policy(session)
        enums = store.enum_columns(session, handle.table.id)
        if not grants:
            return plan_masks(qualified, labels, policy, clear_all=False, scope=scope, low_cardinality=enums)
        everything = any(g is None for g in grants)
        named = {str(c).lower() for g in grants if g is not None for c in g}

        def granted(column: str, sensitive: bool) -> bool:
            return column.lower() in named or (everything and not sensitive)

        return plan_masks(
            qualified, labels, policy, clear_all=False, granted=granted, scope=scope, low_cardinality=enums
        )

    # -- table reads -----------------------------------------------------------------------------
    def read_transform(
        self, principal: Principal, handle: TableHandle
    ) -> Callable[[pa.RecordBatch], pa.RecordBatch] | None:
        """Registered with TableData: masks what the plan says, counts rows, and audits the read when done."""
        plan = self.plan(principal, handle)
        masker = BatchMasker(plan, self.hash_key(plan)) if not plan.clear else None
        counter = [0]
        columns: list[str] = []

        def apply(batch: pa.RecordBatch) -> pa.RecordBatch:
            if not columns:
                columns.extend(batch.schema.names)
            counter[0] += batch.num_rows
            return masker(batch) if masker is not None else batch

        # The reader is streamed to the client; the audit row is written when the stream is released.
        weakref.finalize(apply, self._audit_table_read, principal.name, handle_summary(handle), columns, plan, counter)
        return apply

    def _audit_table_read(
        self, actor: str, table: dict[str, str], columns: list[str], plan: MaskPlan, counter: list[int]
    ) -> None:
        try:
            self.audit_read(
                actor,
                "table.read",
                [{**table, "columns": columns, "masked": plan.masked_columns}],
                rows=counter[0],
                resource=("table", table["id"], table["name"], table["domain"]),
            )
        except Exception:  # the read already happened; a lost audit row must be loud, never a crash in GC
            log.exception("could not audit a read of %s by %s", table["name"], actor)

    def audit_read(
        self,
        actor: str,
        action: str,
        objects: list[dict[str, Any]],
        *,
        rows: int,
        resource: tuple[str, str, str, str | None],
        extra: dict[str, Any] | None = None,
    ) -> None:
        """An audit row only (no outbox event): reads are not changes other consumers must react to.

        One INSERT committed before the caller returns its result (no ORM unit of work: it cost more than the
        insert on a point lookup), so a read is never answered without its row; a failed write fails the read.
        """
        kind, resource_id, name, domain = resource
        with self._catalog.transaction() as session:
            audit_only(
                session,
                at=self._clock.now(),
                actor=actor,
                action=action,
                resource_type=kind,
                resource_id=resource_id[:64],
                resource_name=name[:256],
                domain=domain,
                summary={"objects": objects, "rows": rows, **(extra or {})},
            )


def handle_summary(handle: TableHandle) -> dict[str, str]:
    return {"id": handle.table.id, "name": handle.qualified_name, "domain": handle.domain.slug}


def table_labels(session: Session, handle: TableHandle) -> dict[str, str | None]:
    """Every known column with its label: the table's own, else the one a bound product's contract gives it."""
    from_products = store.product_labels(session, handle.table.id)
    labels: dict[str, str | None] = {}
    for column in handle.table.columns or []:
        name = str(column["name"])
        labels[name] = column.get("sensitivity_label") or from_products.get(name.lower())
    for name, label in from_products.items():
        if not any(known.lower() == name for known in labels):
            labels[name] = label
    return labels
