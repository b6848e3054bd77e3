"""The seed's data mesh scenario (Fabric + Purview), section by section, against Lakemesh's Python SDK.

    python examples/seed_scenario.py                       # in-process, on ~/.lakemesh (or --home DIR)
    python examples/seed_scenario.py --url URL --token T   # against `lakemesh serve` (or LAKEMESH_URL/TOKEN)

Safe to run again: what exists is kept. The token must be a platform admin's (it plays the seed's platform team).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

import httpx
from seed_extras import (
    CUSTOMER_360_SCHEMA,
    CUSTOMER_ANALYTICS,
    INGESTION_PIPELINE,
    PEOPLE,
    ROLE_ASSIGNMENTS,
    crm_orders_csv,
    customer_360_rows,
)

import lakemesh
from lakemesh.core.errors import LakemeshError, NotFound

AnyMesh = Any  # lakemesh.Mesh (in-process) or lakemesh.RemoteMesh (a server): the same methods


def section(title: str) -> None:
    print(f"\n== {title} ==")


# -- Domain Workspaces --------------------------------------------------------------------------------------
def create_domain_workspace(mesh: AnyMesh, name: str, description: str, capacity_id: str) -> Any:
    """A Fabric workspace is a Lakemesh domain: `Sales-Domain` is the domain Sales. Capacities do not exist here."""
    del capacity_id
    domain_name = name.removesuffix("-Domain")
    try:
        domain = mesh.get_domain(domain_name)
        print(f"Exists: {domain.display_name}")
    except NotFound:
        domain = mesh.create_domain(domain_name, display_name=name, description=description)
        print(f"Created: {domain.display_name}")
    return domain


def domain_workspaces(mesh: AnyMesh) -> None:
    section("Domain Workspaces")
    known = {p.name for p in mesh.list_principals()}
    for person in PEOPLE:
        if person not in known:
            mesh.create_principal(person)
    create_domain_workspace(
        mesh, name="Sales-Domain", description="Sales team's data products", capacity_id="sales-capacity-id"
    )
    create_domain_workspace(
        mesh, name="Marketing-Domain", description="Marketing team's data products", capacity_id="marketing-capacity-id"
    )
    for workspace, principal, role in ROLE_ASSIGNMENTS:
        current = {m.principal: m.role for m in mesh.list_members(workspace)}
        if current.get(principal) != role:
            mesh.add_member(workspace, principal, role)
        print(f"  {workspace}: {principal} is {role}")
    # Each domain workspace contains: Lakehouse(s), Warehouse(s), Pipelines, Semantic models, Reports
    for workspace, lakehouse, steward in [
        ("Sales", "sales_lakehouse", "sales-steward@company.com"),
        ("Marketing", "marketing_lakehouse", "marketing-steward@company.com"),
    ]:
        if lakehouse not in {lh.name for lh in mesh.list_lakehouses(workspace)}:
            mesh.create_lakehouse(
                workspace,
                lakehouse,
                template="domain-lakehouse-template",
                data_steward=steward,
                description=f"{workspace} team's lakehouse",
                sensitivity="Confidential",
            )
        print(f"  {workspace}: lakehouse {lakehouse}")


# -- Data Products Definition --------------------------------------------------------------------------------
# Define a data product as a configuration dictionary
customer_360_product = {
    "name": "Customer 360",
    "domain": "Sales",
    "owner": "sales-data-team@company.com",
    "description": """
    Unified customer view combining transaction history,
    support interactions, and marketing engagement.
    Updated daily at 6 AM UTC.
    """,
    # Data contract
    "contract": {
        "schema": {
            "customer_id": {"type": "string", "description": "Unique customer identifier"},
            "customer_name": {"type": "string", "description": "Full customer name"},
            "lifetime_value": {"type": "decimal", "description": "Total historical spend"},
            "segment": {"type": "string", "enum": ["Enterprise", "SMB", "Consumer"]},
            "churn_risk": {"type": "decimal", "description": "Churn probability 0-1"},
            "last_updated": {"type": "timestamp", "description": "Last refresh time"},
        },
        "sla": {"freshness": "24h", "availability": "99.9%", "quality_score": "95%"},
        "access_patterns": ["Full table scan for analytics", "Point lookup by customer_id", "Filter by segment"],
    },
    # Technical implementation
    "storage": {"type": "lakehouse_table", "lakehouse": "sales_lakehouse", "table": "gold_customer_360"},
    # Quality checks
    "quality_rules": [
        "customer_id is not null",
        "lifetime_value >= 0",
        "churn_risk between 0 and 1",
        "last_updated within 25 hours",
    ],
}


def register_data_product(mesh: AnyMesh, product: dict[str, Any]) -> Any:
    """The catalog entry (Purview's DataProduct entity) is the product itself: contract, storage and rules."""
    try:
        found = mesh.get_product(product["domain"], product["name"])
    except NotFound:
        found = mesh.create_product(product)
    if found.status == "draft":
        found = mesh.publish_product(product["domain"], product["name"])
    return found


def data_products_definition(mesh: AnyMesh) -> None:
    section("Data Products Definition")
    storage = cast(dict[str, str], customer_360_product["storage"])
    lakehouse, table = storage["lakehouse"], storage["table"]
    if table not in {t.name for t in mesh.list_tables("Sales", lakehouse)}:
        mesh.create_table(
            "Sales",
            lakehouse,
            table,
            CUSTOMER_360_SCHEMA,
            layer="gold",
            description="Unified customer view: one row per customer.",
            sensitivity_labels={"customer_name": "Confidential"},
        )
    # The daily 6 AM refresh: the same 1,000 customers, stamped within the last day.
    written = mesh.write_table("Sales", lakehouse, table, customer_360_rows(1000, datetime.now(UTC)), mode="overwrite")
    print(f"Refreshed sales.{lakehouse}.{table}: {written.rows_written} rows (Delta version {written.version})")
    product = register_data_product(mesh, customer_360_product)
    print(f"Registered data product {product.qualified_name} v{product.version} ({product.status})")
    print(f"  contract: {len(product.contract['schema'])} columns, SLA {product.contract['sla']}")
    print(f"  quality_rules: {product.quality_rules}")


# -- Cross-Domain Data Sharing -------------------------------------------------------------------------------
def cross_domain_sharing(mesh: AnyMesh) -> None:
    section("Cross-Domain Data Sharing")
    # Option 1: OneLake shortcut (read-only access)
    # Marketing domain wants to use Sales' Customer 360
    target_workspace_id = mesh.get_domain("Marketing").id
    target_lakehouse_id = mesh.get_lakehouse("Marketing", "marketing_lakehouse").id
    shortcut_payload = {
        "path": "Tables/shared_customer_360",
        "target": {
            "oneLake": {
                "workspaceId": mesh.get_domain("Sales").id,
                "itemId": mesh.get_lakehouse("Sales", "sales_lakehouse").id,
                "path": "Tables/gold_customer_360",
            }
        },
    }
    try:
        shortcut = mesh.get_shortcut(target_workspace_id, target_lakehouse_id, "shared_customer_360")
        print(f"Shortcut exists: {shortcut.qualified_name}", end="")
    except NotFound:
        shortcut = mesh.create_shortcut(target_workspace_id, target_lakehouse_id, shortcut_payload)
        print(f"Shortcut created: {shortcut.qualified_name}", end="")
    target = shortcut.target
    print(f" -> {target.domain}.{target.lakehouse}.{target.table} ({shortcut.status}, no data copied)")

    # Option 2: Semantic model sharing via workspace permissions
    try:
        mesh.get_semantic_model("Sales", CUSTOMER_ANALYTICS["name"])
    except NotFound:
        mesh.put_semantic_model("Sales", CUSTOMER_ANALYTICS)
    # Using Semantic Link for cross-workspace queries: read from shared semantic model
    df = mesh.evaluate_dax(
        dataset="Customer Analytics",
        dax_string="EVALUATE SUMMARIZE(Customers, Customers[Segment])",
        workspace="Sales-Domain",
    )
    segments = sorted(str(v) for v in df.iloc[:, 0])
    print(f"evaluate_dax returned {len(df)} segments: {', '.join(segments)}")


# -- Self-Serve Data Platform --------------------------------------------------------------------------------
# Platform templates stored as configuration
TEMPLATES = {
    "domain-lakehouse-template": {
        "type": "Lakehouse",
        "config": {
            "layers": ["bronze", "silver", "gold"],
            "default_format": "delta",
            "retention_days": 90,
            "auto_vacuum": True,
        },
        "governance": {
            "sensitivity_classification": "required",
            "data_steward": "required",
            "documentation": "required",
        },
    },
    "ingestion-pipeline-template": {
        "type": "DataPipeline",
        "config": {
            "error_handling": "retry_with_backoff",
            "alerting": "on_failure",
            "logging": "azure_monitor",
            "lineage_tracking": "enabled",
        },
    },
}


def self_serve_platform(mesh: AnyMesh) -> None:
    section("Self-Serve Data Platform")
    for name, document in TEMPLATES.items():
        stored = mesh.get_template(name)
        if {k: getattr(stored, k) for k in document} != document:
            stored = mesh.put_template(name, document)
        print(f"Template {name}: {stored.type} v{stored.version}")
    # Domain teams use self-serve function
    sales_lakehouse = mesh.create_domain_lakehouse(
        domain_name="Sales", steward_email="sales-steward@company.com", capacity_id="capacity-id"
    )
    made = [k for k, v in sales_lakehouse.created.items() if v] or ["nothing new"]
    print(
        f"Self-serve: {sales_lakehouse.domain.display_name} / {sales_lakehouse.lakehouse.name} from "
        f"{sales_lakehouse.template} v{sales_lakehouse.template_version} (created: {', '.join(made)})"
    )
    mesh.upload_file("Sales", "sales_lakehouse", "crm/orders.csv", crm_orders_csv(500))
    pipeline = mesh.apply_pipeline("Sales", INGESTION_PIPELINE)
    run = mesh.run_pipeline("Sales", pipeline.name)
    print(f"Pipeline {pipeline.name} from {pipeline.template}: run {run.state}")


# -- Federated Governance ------------------------------------------------------------------------------------
# Global policies (platform team) - defined as policy configurations
global_policies = [
    {
        "name": "pii-classification",
        "description": "All PII columns must be classified",
        "scope": "GLOBAL",
        "rule": """
            columns containing 'email', 'phone', 'ssn', 'address'
            must have sensitivity_label in ('Confidential', 'Highly Confidential')
        """,
        "enforcement": "block",
    },
    {
        "name": "retention-minimum",
        "description": "Data must be retained for compliance",
        "scope": "GLOBAL",
        "rule": "tables must have retention_days >= 7",
        "enforcement": "warn",
    },
]

# Domain-specific policies (domain teams)
sales_policies = [
    {
        "name": "sales-data-freshness",
        "description": "Sales data must be refreshed daily",
        "scope": "WORKSPACE",
        "workspace": "Sales-Domain",
        "rule": "gold tables must have last_refresh within 24h",
        "enforcement": "alert",
    }
]


def federated_governance(mesh: AnyMesh) -> None:
    section("Federated Governance")
    # Register all policies
    for policy in global_policies + sales_policies:
        stored = mesh.put_policy(policy)
        state = "registered" if stored.changed else "unchanged"
        print(f"Policy {stored.name}: {stored.scope} {stored.enforcement} on {stored.subject_kind}s ({state})")
    report = mesh.compliance_report()
    print(f"Governance compliance: {report.compliance_pct:.1f}%")


# -- Data Product Discovery ----------------------------------------------------------------------------------
def data_product_discovery(mesh: AnyMesh, analyst: AnyMesh, owner: AnyMesh) -> None:
    section("Data Product Discovery")
    # Search for data products (as the Marketing analyst)
    results = analyst.search(query="customer", filters={"domain": ["Sales", "Marketing"]})
    for product in results:
        if product.kind != "product":
            continue
        print(f"""
    Name: {product.name}
    Domain: {product.domain}
    Owner: {product.owner}
    Description: {product.description}
    """)
    others = [f"{hit.kind} {hit.qualified_name}" for hit in results if hit.kind != "product"]
    print(f"Also found: {', '.join(others) or 'nothing else'}")

    # Request access: routed to the product's owner for approval
    granted = [g for g in analyst.list_grants(product="sales/customer-360") if g.grantee == analyst.whoami().name]
    if granted:
        print(f"Access already granted to {granted[0].grantee} until {granted[0].expires_at:%Y-%m-%d}")
    else:
        request = analyst.request_access(
            "Customer 360", "marketing-analyst@company.com", "Need for campaign targeting analysis"
        )
        print(f"Access request submitted for Customer 360 by {request.requester}")
        decided = owner.approve_access_request(request.id, note="Approved for campaign targeting")
        print(f"Access request {decided.id} {decided.state} by {owner.whoami().name}")

    # The analyst reads the product with governed SQL: Confidential columns come back masked.
    rows = analyst.sql(
        "SELECT customer_id, customer_name, segment FROM product.sales.customer_360 ORDER BY customer_id LIMIT 3"
    )
    for row in rows.to_pylist():
        print(f"  {row['customer_id']}  customer_name={row['customer_name']}  segment={row['segment']}")
    clear = mesh.sql("SELECT customer_name FROM sales.sales_lakehouse.gold_customer_360 ORDER BY customer_id LIMIT 1")
    print(f"Masked for the analyst: customer_name (the Sales domain sees {clear.column(0)[0]!s})")
    shared = analyst.sql("SELECT count(*) AS n FROM marketing.marketing_lakehouse.shared_customer_360")
    print(f"Through Marketing's shortcut the analyst reads {shared.column(0)[0]} rows")


# -- Quality Monitoring --------------------------------------------------------------------------------------
def quality_monitoring(mesh: AnyMesh) -> None:
    section("Quality Monitoring")
    # Run quality checks: the product's rules, compiled into one scan
    results = mesh.run_quality("Sales", "Customer 360")
    print(f"Overall Quality Score: {results.score}%")
    for check in results.rules:
        status = "PASS" if check.passed else "FAIL"
        print(f"  {check.name}: {status} ({round(check.pass_rate * 100, 2)}%)")
        if not check.passed:
            print(f"    Details: {check.failed_rows} rows failed")
    # Every run appended its checks to the data_quality_metrics Delta table
    history = mesh.quality_metrics(domain="Sales", product="Customer 360")
    runs = sorted(set(history.column("run_id").to_pylist()))
    print(f"data_quality_metrics: {history.num_rows} rows from {len(runs)} run(s) of {results.table}")
    latest = [r for r in history.to_pylist() if r["run_id"] == results.id]
    for r in latest:
        print(f"  {r['check_time']:%Y-%m-%d %H:%M:%S}  {r['rule']}: score {r['score']}  passed={r['passed']}")


# -- Success Metrics -----------------------------------------------------------------------------------------
def success_metrics(mesh: AnyMesh) -> None:
    section("Success Metrics")
    # Track data mesh health
    mesh_metrics = mesh.mesh_metrics().seed_view()
    for key, value in mesh_metrics.items():
        print(f"  {key}: {value}")


# -- Running it ----------------------------------------------------------------------------------------------
@contextmanager
def open_mesh(args: argparse.Namespace) -> Iterator[AnyMesh]:
    if args.url and args.token:
        with lakemesh.connect(args.url, args.token) as mesh:
            yield mesh
    else:
        with lakemesh.Mesh.open(args.home) as mesh:
            yield mesh


@contextmanager
def acting_as(mesh: AnyMesh, args: argparse.Namespace, principal: str) -> Iterator[AnyMesh]:
    """A short-lived token for one of the seed's people, revoked when the scenario ends."""
    issued = mesh.create_token(name="seed-scenario", principal=principal, expires_in="1h")
    try:
        if args.url and args.token:
            with lakemesh.connect(args.url, issued.secret) as person:
                yield person
        else:
            yield mesh.as_principal(issued.secret)
    finally:
        mesh.revoke_token(issued.id)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=os.environ.get("LAKEMESH_URL"), help="a Lakemesh server")
    parser.add_argument("--token", default=os.environ.get("LAKEMESH_TOKEN"), help="a platform admin's token")
    parser.add_argument("--home", type=Path, default=None, help="in-process home directory (default ~/.lakemesh)")
    args = parser.parse_args(argv)
    if bool(args.url) != bool(args.token):
        print("seed_scenario: give both --url and --token (or neither, to run in-process)", file=sys.stderr)
        return 2
    try:
        with open_mesh(args) as mesh:
            domain_workspaces(mesh)
            data_products_definition(mesh)
            cross_domain_sharing(mesh)
            self_serve_platform(mesh)
            federated_governance(mesh)
            with (
                acting_as(mesh, args, "marketing-analyst@company.com") as analyst,
                acting_as(mesh, args, "sales-data-team@company.com") as owner,
            ):
                data_product_discovery(mesh, analyst, owner)
            quality_monitoring(mesh)
            success_metrics(mesh)
    except LakemeshError as exc:
        print(f"seed_scenario: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    except httpx.TransportError as exc:
        print(f"seed_scenario: cannot reach {args.url}: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
