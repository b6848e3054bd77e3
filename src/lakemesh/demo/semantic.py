"""Demo content for semantic models: the seed's `Customer Analytics` in Sales, over Customer 360."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lakemesh.auth.models import Principal
from lakemesh.core.errors import NotFound
from lakemesh.products.models import ProductPatch
from lakemesh.products.service import ProductService
from lakemesh.semantic.models import SemanticQuery, parse_model_document
from lakemesh.semantic.service import SemanticService

CUSTOMER_ANALYTICS: dict[str, Any] = {
    "name": "Customer Analytics",
    "description": "Customers, lifetime value and churn risk by segment, from the Customer 360 data product.",
    "product": "Customer 360",
    "tables": [
        {
            "name": "Customers",
            "source": {"product": "sales/customer-360"},
            "columns": [
                {"name": "Customer ID", "source": "customer_id", "hidden": True},
                {"name": "Customer Name", "source": "customer_name"},
                {"name": "Segment", "source": "segment"},
                {"name": "Lifetime Value", "source": "lifetime_value", "format": "#,0.00"},
                {"name": "Churn Risk", "source": "churn_risk", "format": "0.0%"},
                {"name": "Last Updated", "source": "last_updated"},
            ],
        }
    ],
    "measures": [
        {"name": "Total Lifetime Value", "table": "Customers", "expression": "SUM(Customers[Lifetime Value])"},
        {"name": "Average Churn Risk", "table": "Customers", "expression": "AVERAGE(Customers[Churn Risk])"},
        {"name": "Customers", "table": "Customers", "expression": "COUNTROWS(Customers)"},
        {
            "name": "Average Lifetime Value",
            "table": "Customers",
            "expression": "DIVIDE([Total Lifetime Value], [Customers])",
        },
        {
            "name": "At-Risk Customers",
            "table": "Customers",
            "expression": "CALCULATE([Customers], Customers[Churn Risk] > 0.7)",
        },
    ],
}
SEED_QUERY = "EVALUATE SUMMARIZE(Customers, Customers[Segment])"


def load_semantic_demo(
    semantic: SemanticService, products: ProductService, admin: Principal, say: Callable[[str], Any]
) -> None:
    spec = parse_model_document(CUSTOMER_ANALYTICS)
    try:
        semantic.get(admin, "Sales", spec.name)
    except NotFound:
        model = semantic.put(admin, "Sales", spec.name, spec)
        say(f"Defined semantic model {model.qualified_name} ({len(model.measures)} measures)")
    product = products.get(admin, "Sales", "Customer 360")
    port = {"type": "semantic_model", "name": spec.name}
    if port not in product.output_ports:
        ports = [*product.output_ports, port]
        products.update(admin, "Sales", "Customer 360", ProductPatch.model_validate({"output_ports": ports}))
    rows = semantic.query(admin, "Sales", spec.name, SemanticQuery(dax=SEED_QUERY)).table.num_rows
    say(f"evaluate_dax(dataset='Customer Analytics', workspace='Sales-Domain'): {rows} segments")
