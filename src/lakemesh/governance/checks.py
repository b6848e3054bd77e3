"""Synchronous policy checks at the moments a change is made: product create/update/publish, table create, write.

`block` findings refuse the change with one 422 entry per finding; `warn` and `alert` findings let it through
and come back as warnings. Recording them as violations (and alerting) happens from the outbox event the
change writes, so a refused change records nothing and an accepted one is recorded exactly once.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from types import SimpleNamespace
from typing import Any, Protocol

import pyarrow as pa

from lakemesh.catalog import Catalog
from lakemesh.core.clock import Clock
from lakemesh.core.errors import ErrorItem, PolicyViolation
from lakemesh.domains.service import read_domain_row
from lakemesh.governance.evaluation import ActivePolicy, PolicyBook, check_subjects
from lakemesh.governance.rules import Finding
from lakemesh.governance.snapshot import product_subject, table_subject
from lakemesh.governance.subjects import Subject, TableSubject
from lakemesh.lakehouses.store import lakehouse_named, table_record
from lakemesh.lakehouses.tables import TableHandle
from lakemesh.storage.types import type_name

TABLE_KINDS = frozenset({"table", "column"})
PRODUCT_KINDS = frozenset({"product", "table", "column"})


class ProductView(Protocol):
    """What a lifecycle check reads of a data product (the products capability's DataProduct)."""

    @property
    def domain(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def owner(self) -> str: ...
    @property
    def classification(self) -> str | None: ...
    @property
    def tags(self) -> list[str]: ...
    @property
    def description(self) -> str: ...
    @property
    def version(self) -> str: ...
    @property
    def contract(self) -> dict[str, Any]: ...
    @property
    def storage(self) -> dict[str, Any]: ...
    @property
    def data_steward(self) -> str | None: ...
    @property
    def documentation_url(self) -> str | None: ...


class PolicyChecks:
    def __init__(self, catalog: Catalog, clock: Clock, book: PolicyBook) -> None:
        self._catalog = catalog
        self._clock = clock
        self._book = book

    def product(self, event: str, product: ProductView, _spec: object) -> list[str]:
        """Lifecycle check: the product, its table and the table's columns against the policies that apply."""
        with self._catalog.connect() as connection:
            domain = read_domain_row(connection, product.domain)
            if domain is None:
                return []
            policies = _of_kinds(self._book.active(connection, domain_ids=[domain.id]), PRODUCT_KINDS)
            if not policies:
                return []
            lakehouse_name = str(product.storage.get("lakehouse", ""))
            lakehouse = lakehouse_named(connection, domain.id, lakehouse_name)
            table = None
            if lakehouse is not None:
                table = table_record(connection, lakehouse.id, str(product.storage.get("table", "")))
        subjects: list[Subject] = [_product_subject(domain.name, product, table)]
        if table is not None and lakehouse is not None:
            subject = table_subject(domain.name, lakehouse.name, table, retention_days=lakehouse.retention_days)
            subjects.extend([subject, *subject.columns])
        return self._judge(policies, subjects, f"{event} product {domain.slug}/{product.name}")

    def table_created(self, event: str, handle: TableHandle) -> None:
        """Change hook of the tables capability: a new table that breaks a block policy is not created."""
        if event != "created":
            return
        with self._catalog.connect() as connection:
            policies = _of_kinds(self._book.active(connection, domain_ids=[handle.domain.id]), TABLE_KINDS)
        if policies:
            subject = _table_subject(handle)
            self._judge(policies, [subject, *subject.columns], f"create table {handle.qualified_name}")

    def write_guard(self, handle: TableHandle, schema: pa.Schema, mode: str) -> WriteCheck | None:
        """Write guard of table data: the table as it will be after the write (schema, labels, rows, refreshed now).

        The subject carries what the scheduled evaluation sees (retention inherited from the lakehouse), so a
        write warns exactly when the compliance report would list the table after it.
        """
        with self._catalog.connect() as connection:
            policies = _of_kinds(self._book.active(connection, domain_ids=[handle.domain.id]), TABLE_KINDS)
        if not policies:
            return None
        labels = {str(c["name"]).lower(): c for c in handle.table.columns or []}
        columns = [
            {
                **labels.get(f.name.lower(), {}),
                "name": f.name,
                "type": type_name(f.type),
                "nullable": f.nullable,
            }
            for f in schema
        ]
        subject = dataclasses.replace(_table_subject(handle, columns), last_refresh=self._clock.now())
        return WriteCheck(policies, subject, mode, self._clock.now(), f"write to {handle.qualified_name}")

    def _judge(self, policies: Sequence[ActivePolicy], subjects: Iterable[Subject], what: str) -> list[str]:
        found = check_subjects(policies, subjects, now=self._clock.now())
        refusal = blocked(found, what)
        if refusal is not None:
            raise refusal
        return warnings(found)


class WriteCheck:
    """Judges the table as the write leaves it, once the rows are counted: a block refuses, others warn.

    Judged at the end (still before the commit, so a refusal writes nothing) because `row_count` depends on
    the rows written. `size_bytes` is the size before the write: the new files' size is known only after it.
    """

    def __init__(
        self, policies: Sequence[ActivePolicy], subject: TableSubject, mode: str, now: datetime, what: str
    ) -> None:
        self._policies, self._subject, self._mode, self._now, self._what = policies, subject, mode, now, what
        self._rows = 0
        self._verdict: list[tuple[ActivePolicy, Finding]] | None = None

    def check(self, batch: pa.RecordBatch) -> None:
        self._rows += batch.num_rows

    def finish(self) -> list[str]:
        if self._verdict is None:
            before = self._subject.row_count or 0
            rows = {"append": before + self._rows, "overwrite": self._rows}.get(self._mode, max(before, self._rows))
            subject = dataclasses.replace(self._subject, row_count=rows)
            self._verdict = check_subjects(self._policies, [subject, *subject.columns], now=self._now)
        refusal = blocked(self._verdict, self._what)
        if refusal is not None:
            raise refusal
        return warnings(self._verdict)


def blocked(found: list[tuple[ActivePolicy, Finding]], what: str) -> PolicyViolation | None:
    items = [
        ErrorItem(
            ("policies", policy.name),
            finding.message,
            {"policy": policy.name, "subject": finding.subject_id, "enforcement": policy.enforcement},
        )
        for policy, finding in found
        if policy.enforcement == "block"
    ]
    if not items:
        return None
    names = sorted({str(i.extra["policy"]) for i in items})
    return PolicyViolation(
        f"Refused: {what} would break {len(items)} check(s) of blocking policies {', '.join(names)}", errors=items
    )


def warnings(found: list[tuple[ActivePolicy, Finding]]) -> list[str]:
    return [f"policy {p.name} ({p.enforcement}): {f.message}" for p, f in found if p.enforcement != "block"]


def _table_subject(handle: TableHandle, columns: Iterable[Mapping[str, Any]] | None = None) -> TableSubject:
    """The table as the scheduled evaluation sees it: no retention of its own means its lakehouse's."""
    lakehouse = handle.lakehouse
    return table_subject(
        handle.domain.name, lakehouse.name, handle.table, columns=columns, retention_days=lakehouse.retention_days
    )


def _of_kinds(policies: list[ActivePolicy], kinds: frozenset[str]) -> list[ActivePolicy]:
    return [p for p in policies if p.subject_kind in kinds]


def _product_subject(domain: str, product: ProductView, table: Any) -> Subject:
    row = SimpleNamespace(
        name=product.name,
        status=product.status,
        owner=product.owner,
        classification=product.classification,
        tags=list(product.tags),
        description=product.description,
        version=product.version,
        spec={
            "contract": product.contract,
            "storage": product.storage,
            "data_steward": product.data_steward,
            "documentation_url": product.documentation_url,
        },
    )
    return product_subject(domain, row, table.last_write_at if table is not None else None)
