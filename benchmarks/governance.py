"""Governance speed against the issue's targets, measured side by side in one run.

1. 50 policies over a catalog of 10k tables / 100k columns (target < 2 s), with the per-subject cost:
   in memory (the rule language alone) and through the service (catalog snapshot from SQLite + evaluation).
2. What the synchronous checks add to a product publish (target < 10 ms): publish with no policies vs with
   the seed's 3 policies plus 47 more over products, tables and columns.
Run:
    python3 benchmarks/governance.py [--tables 10000] [--publishes 20]
"""

from __future__ import annotations

import argparse
import copy
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert

from lakemesh.catalog.tables.lakehouses import LakehouseRow, TableRow
from lakemesh.core.ids import new_id
from lakemesh.core.settings import Settings
from lakemesh.demo import CUSTOMER_360
from lakemesh.demo.data import customer_360
from lakemesh.demo.governance import GLOBAL_POLICIES, SALES_POLICIES
from lakemesh.governance.evaluation import run
from lakemesh.governance.rules import evaluate, parse_policy_rule
from lakemesh.governance.snapshot import load_snapshot
from lakemesh.governance.subjects import ColumnSubject, LakehouseSubject, ProductSubject, Subjects, TableSubject
from lakemesh.mesh import Mesh
from lakemesh.platform import Platform

NAMES = ["id", "email", "phone", "ssn", "address", "amount", "created_at", "segment", "status", "note"]
RULES = [
    "columns containing 'email', 'phone', 'ssn', 'address' "
    "must have sensitivity_label in ('Confidential', 'Highly Confidential')",
    "tables must have retention_days >= 7",
    "gold tables must have last_refresh within 24h",
    "columns must have description is set or name matches '^id$'",
    "columns where layer = 'gold' must not have sensitivity_label is not set",
    "tables tagged 'pii' must have description is set and retention_days >= 30",
    "silver tables in domain 'D7' must have row_count > 0",
    "products must have sla_quality_score >= 95 and sla_freshness <= 24h",
    "columns named 'ssn' must have sensitivity_label = 'Highly Confidential'",
    "tables where not (layer = 'bronze') must have last_refresh within 36h",
]


def in_memory(tables: int, now: datetime) -> tuple[float, int, int]:
    subjects = Subjects(
        lakehouses=tuple(LakehouseSubject(f"D{d}", f"lh_{d}", retention_days=30) for d in range(100)),
        tables=tuple(
            TableSubject(
                f"D{i % 100}",
                f"lh_{i % 100}",
                f"{('bronze', 'silver', 'gold')[i % 3]}_t{i}",
                last_refresh=now - timedelta(hours=i % 25),
                row_count=i,
                description=None if i % 50 == 0 else "x",
                columns=tuple(
                    ColumnSubject(n, sensitivity_label=None if (i + j) % 97 == 0 else "Confidential", description="d")
                    for j, n in enumerate(NAMES)
                ),
            )
            for i in range(tables)
        ),
        products=tuple(ProductSubject(f"D{i % 100}", f"P {i}", sla_quality_score=95.0) for i in range(tables // 10)),
    )
    rules = [(f"p{k}", parse_policy_rule(RULES[k % len(RULES)])) for k in range(50)]
    started = time.perf_counter()
    report = evaluate(rules, subjects, now=now)
    return time.perf_counter() - started, sum(c.checked for c in report.policies), len(report.findings)


def through_the_service(tables: int, home: Path) -> tuple[float, float, int, int]:
    """Rows inserted straight into a SQLite catalog; then snapshot + evaluation as the service runs them."""
    platform, mesh = build_catalog(tables, home)
    now = platform.clock.now()
    for k in range(50):
        mesh.put_policy({"name": f"p{k}", "rule": RULES[k % len(RULES)], "enforcement": "warn"})
    with platform.catalog.read() as session:
        policies = platform.governance.book.active(session)
        started = time.perf_counter()
        snapshot = load_snapshot(session)
        loaded = time.perf_counter() - started
    started = time.perf_counter()
    outcome = run(policies, snapshot, now=now, budget_seconds=60)
    evaluated = time.perf_counter() - started
    platform.close()
    return loaded, evaluated, outcome.checks, len(outcome.findings)


def build_catalog(tables: int, home: Path, settings: dict[str, Any] | None = None) -> tuple[Platform, Mesh]:
    """10 domains with one lakehouse each and `tables` tables of 10 columns, inserted straight into SQLite."""
    platform = Platform(Settings(home=home, **(settings or {})))
    platform.initialize()
    mesh = Mesh(platform, platform.principals.bootstrap_admin())
    for d in range(10):
        mesh.create_domain(f"D{d}")
    domains = {d.name: d.id for d in mesh.list_domains()}
    now = platform.clock.now()
    with platform.catalog.transaction() as session:
        lakehouses = []
        for name, domain_id in domains.items():
            lakehouses.append((new_id("lh"), domain_id))
            session.execute(
                insert(LakehouseRow),
                [
                    {
                        "id": lakehouses[-1][0],
                        "domain_id": domain_id,
                        "name": f"lh_{name}",
                        "layers": ["bronze", "silver", "gold"],
                        "retention_days": 30,
                        "created_at": now,
                        "updated_at": now,
                        "governance": {},
                    }
                ],
            )
        rows: list[dict[str, Any]] = []
        for i in range(tables):
            lakehouse_id, domain_id = lakehouses[i % len(lakehouses)]
            columns = [
                {
                    "name": n,
                    "type": "string",
                    "nullable": True,
                    "description": "d",
                    "sensitivity_label": None if (i + j) % 97 == 0 else "Confidential",
                }
                for j, n in enumerate(NAMES)
            ]
            rows.append(
                {
                    "id": new_id("tbl"),
                    "lakehouse_id": lakehouse_id,
                    "domain_id": domain_id,
                    "name": f"{('bronze', 'silver', 'gold')[i % 3]}_t{i}",
                    "columns": columns,
                    "partition_columns": [],
                    "properties": {},
                    "description": "x",
                    "last_write_at": now - timedelta(hours=i % 25),
                    "row_count": i,
                    "created_at": now,
                    "updated_at": now,
                }
            )
        session.execute(insert(TableRow), rows)
    return platform, mesh


def publish_times(home: Path, publishes: int, with_policies: bool) -> list[float]:
    platform = Platform(Settings(home=home))
    platform.initialize()
    mesh = Mesh(platform, platform.principals.bootstrap_admin())
    mesh.create_principal("sales-data-team@company.com")
    mesh.create_domain("Sales", display_name="Sales-Domain")
    mesh.create_lakehouse("Sales", "sales_lakehouse")
    mesh.write_table("Sales", "sales_lakehouse", "gold_customer_360", customer_360(1000, now=datetime.now(UTC)))
    if with_policies:
        for document in copy.deepcopy(GLOBAL_POLICIES + SALES_POLICIES):
            document["enforcement"] = "warn"  # measure the checks, not refusals
            mesh.put_policy(document)
        for k in range(47):
            mesh.put_policy({"name": f"extra-{k}", "rule": RULES[k % len(RULES)], "enforcement": "warn"})
    times = []
    for n in range(publishes):
        mesh.create_product({**copy.deepcopy(CUSTOMER_360), "name": f"Customer 360 #{n}"})
        started = time.perf_counter()
        mesh.publish_product("Sales", f"Customer 360 #{n}")
        times.append(time.perf_counter() - started)
    platform.close()
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tables", type=int, default=10_000)
    parser.add_argument("--publishes", type=int, default=20)
    args = parser.parse_args()
    now = datetime.now(UTC)
    seconds, checks, findings = in_memory(args.tables, now)
    print(
        f"in memory: 50 policies, {args.tables:,} tables / {args.tables * 10:,} columns: {seconds:.2f} s "
        f"({checks:,} subject checks, {findings:,} findings, {seconds / checks * 1e6:.2f} us per check) "
        f"= {seconds / 2:.2f}x the 2 s target"
    )
    with tempfile.TemporaryDirectory() as tmp:
        loaded, evaluated, checks, findings = through_the_service(args.tables, Path(tmp) / "catalog")
        total = loaded + evaluated
        print(
            f"service:   snapshot from SQLite {loaded:.2f} s + evaluation {evaluated:.2f} s = {total:.2f} s "
            f"({checks:,} checks, {findings:,} findings, {total / checks * 1e6:.2f} us per check) "
            f"= {total / 2:.2f}x the 2 s target"
        )
        plain = publish_times(Path(tmp) / "plain", args.publishes, with_policies=False)
        governed = publish_times(Path(tmp) / "governed", args.publishes, with_policies=True)
    p, g = statistics.median(plain) * 1000, statistics.median(governed) * 1000
    print(
        f"publish:   median {p:.1f} ms without policies, {g:.1f} ms with 50 policies: "
        f"+{g - p:.1f} ms ({g / p:.2f}x; target: < 10 ms added)"
    )


if __name__ == "__main__":
    main()
