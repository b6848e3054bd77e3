"""What a product's classification means for masking (30.7): masking follows column labels only; the product
page says so and marks the unlabelled columns of a classified product as returned in clear (documented in docs/web.md and docs/security.md)."""

from __future__ import annotations

import re

from lakemesh.lakehouses.models import TableUpdate
from lakemesh.platform import Platform
from tests.unit.web.test_badges_agree import _browser


def test_unlabelled_columns_of_a_classified_product_are_marked_and_table_labels_shown(demo: Platform) -> None:
    admin = demo.principals.bootstrap_admin()
    label = TableUpdate.model_validate({"columns": {"customer_name": {"sensitivity_label": "Confidential"}}})
    demo.tables.update(admin, "sales", "sales_lakehouse", "gold_customer_360", label)
    analyst = _browser(demo, "marketing-analyst@company.com")
    html = analyst.get("/products/sales/customer-360").text
    assert "own sensitivity label" in html and "returned in clear" in html
    unlabelled = re.findall(r"<code>(\w+)</code></th><td>[^<]*</td>\s*<td><span class=\"badge unlabelled\">", html)
    assert unlabelled, "Customer 360 is Confidential and has unlabelled columns"
    labelled = re.findall(r"<code>(\w+)</code></th><td>[^<]*</td>\s*<td><span class=\"badge sensitivity\">", html)
    assert labelled == ["customer_name"] and "customer_name" not in unlabelled  # the table's label, as masking uses
