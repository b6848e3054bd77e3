"""The glossary through a real server: REST with problem JSON, CSV in and out, the CLI's `glossary apply -f`."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from pathlib import Path

import pyarrow as pa
import pytest

from lakemesh import connect
from tests.integration.conftest import Server


@pytest.fixture(scope="module")
def domain(server: Server) -> str:
    name = f"g{uuid.uuid4().hex[:8]}"
    mesh = connect(server.url, token=server.token)
    mesh.create_domain(name)
    mesh.create_lakehouse(name, "lh")
    mesh.write_table(name, "lh", "customers", pa.table({"customer_id": ["c1"], "churn_risk": [0.2]}))
    return name


def test_terms_over_rest_with_problems_for_bad_input(server: Server, domain: str) -> None:
    term = f"Churn risk {domain}"
    with server.client() as http:
        put = http.put(f"/api/v1/glossary/terms/{term}", json={"domain": domain, "synonyms": ["attrition"]})
        assert put.status_code == 200, put.text
        assert put.json()["version"] == 1 and put.json()["status"] == "draft"
        cycle = http.put(f"/api/v1/glossary/terms/{term}", json={"domain": domain, "parent": term})
        assert cycle.status_code == 422 and cycle.headers["content-type"].startswith("application/problem+json")
        wrong = http.put(f"/api/v1/glossary/terms/{term}", json={"domain": domain, "colour": "red"})
        assert wrong.status_code == 422
        linked = http.post(f"/api/v1/glossary/terms/{term}/links", json={"target": f"{domain}.lh.customers.churn_risk"})
        assert linked.status_code == 200, linked.text
        page = http.get(f"/api/v1/glossary/terms/{term}").json()
        assert [link["target"] for link in page["linked"]] == [f"{domain}.lh.customers.churn_risk"]
        hits = http.get("/api/v1/search", params={"q": "attrition", "domain": domain}).json()
        assert f"{domain}.lh.customers.churn_risk" in [h["qualified_name"] for h in hits["items"]]
        assert http.get("/api/v1/glossary/terms/nothing-here").status_code == 404
        assert http.get("/api/v1/glossary/terms", headers={"Authorization": "Bearer nope"}).status_code == 401
        exported = http.get("/api/v1/glossary/export.csv")
        assert exported.status_code == 200 and exported.headers["content-type"].startswith("text/csv")
        assert term in exported.text
        imported = http.post(
            "/api/v1/glossary/import.csv",
            content=f"name,domain,definition\nSegment {domain},{domain},A group\n",
            headers={"Content-Type": "text/csv"},
        )
        assert imported.status_code == 200 and imported.json()["created"] == [f"Segment {domain}"]
        as_json = http.post("/api/v1/glossary/import.csv", json=[{"name": "x"}])
        assert as_json.status_code == 415
        removed = http.delete(f"/api/v1/glossary/terms/{term}/links/{domain}.lh.customers.churn_risk")
        assert removed.status_code == 204


def test_cli_applies_a_yaml_file_and_prints_one_line_errors(server: Server, domain: str, tmp_path: Path) -> None:
    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        env = {**server.env, "LAKEMESH_URL": server.url, "LAKEMESH_TOKEN": server.token}
        command = [sys.executable, "-m", "lakemesh.cli.main", "glossary", *args]
        return subprocess.run(command, env=env, capture_output=True, text=True, timeout=120, check=False)

    file = tmp_path / "terms.yaml"
    file.write_text(
        f"terms:\n  - name: Party {domain}\n    domain: {domain}\n    definition: Anyone we deal with.\n"
        f"  - name: Client {domain}\n    domain: {domain}\n    parent: Party {domain}\n    synonyms: [buyer]\n"
    )
    planned = cli("apply", "-f", str(file), "--dry-run")
    assert planned.returncode == 0 and "create" in planned.stdout and "nothing was applied" in planned.stdout
    applied = cli("apply", "-f", str(file))
    assert applied.returncode == 0 and "2 added" in applied.stdout, applied.stderr
    again = cli("apply", "-f", str(file))
    assert "2 unchanged" in again.stdout
    shown = cli("show", f"Party {domain}", "--json")
    assert json.loads(shown.stdout)["children"] == [f"Client {domain}"]
    file.write_text(f"name: Client {domain}\ndomain: {domain}\nparent: Client {domain}\n")
    bad = cli("apply", "-f", str(file))
    assert bad.returncode != 0 and len(bad.stderr.strip().splitlines()) == 1 and "cycle" in bad.stderr
