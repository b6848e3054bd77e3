"""30.6: one compliance figure per viewer, with what it covers, on the home tile, the governance page and the API."""

from __future__ import annotations

import re

from lakemesh.mesh import Mesh
from tests.unit.metrics.conftest import as_user
from tests.unit.metrics.test_web_pages import sign_in

POLICY = {"name": "described", "scope": "GLOBAL", "enforcement": "warn", "rule": "tables must have description is set"}


def test_each_viewer_sees_their_own_figure_and_its_scope_everywhere(mesh: Mesh) -> None:
    mesh.put_policy(POLICY)
    for name in ("sales-data-team@company.com", "analyst@company.com", None):
        viewer = as_user(mesh, name) if name else mesh
        report = viewer.compliance_report()
        metrics = viewer.mesh_metrics()
        assert metrics.governance_compliance == report.compliance_pct
        assert metrics.governance_scope is not None
        assert metrics.governance_scope.domains == [entry.domain for entry in report.domains]
        assert metrics.governance_scope.policies == ["described"]
        client = sign_in(mesh, name)
        home, governance = client.get("/").text, client.get("/governance").text
        figure = re.search(r'<p id="compliance-overall">Overall: <strong>([^<]+)</strong>', governance)
        assert figure is not None and f'<span class="tile-value">{figure.group(1)}</span>' in home
        scope = re.search(r'<span class="scope">(.*?)</span>', governance, re.S)
        assert scope is not None and scope.group(1) in home
    sales = as_user(mesh, "sales-data-team@company.com").compliance_report()
    marketing = as_user(mesh, "analyst@company.com").compliance_report()
    assert (sales.compliance_pct, marketing.compliance_pct) == (0.0, 100.0)  # different scopes, different figures
