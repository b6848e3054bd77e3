"""30.7 in-process: the product page lists each SLA objective's current value and each rule's latest result."""

from __future__ import annotations

import re

from lakemesh.mesh import Mesh
from tests.unit.metrics.test_web_pages import sign_in

PRODUCT = "/products/sales/customer-360"


def test_before_a_run_the_rules_are_listed_and_objectives_say_not_measured(mesh: Mesh) -> None:
    page = sign_in(mesh, "analyst@company.com").get(PRODUCT).text
    assert "No quality runs yet; the rules are:" in page and "customer_id is not null" in page
    assert "availability None" not in page and "not measured yet" in page


def test_after_a_run_each_rule_shows_its_result_as_the_api_returns_it(mesh: Mesh) -> None:
    run = mesh.run_quality("Sales", "Customer 360")
    page = sign_in(mesh, "analyst@company.com").get(PRODUCT).text
    rows = re.findall(r'<span class="badge rule-(passed|failed)">', page)
    assert rows == ["passed" if rule.passed else "failed" for rule in run.rules]
    failing = sum(1 for rule in run.rules if not rule.passed)
    assert f"{failing} of {len(run.rules)} rules failing" in page
    assert re.search(r"<th scope=\"row\">quality score</th><td>95%</td>\s*<td>[\d.]+%</td>", page)
