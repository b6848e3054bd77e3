"""Purview's policy store over plain HTTP: the seed's rule-less payload, an optional rule, and bad input."""

from __future__ import annotations

import uuid

import httpx

from lakemesh.sdk.client import RemoteMesh
from tests.integration.conftest import Server

STORE = "/purview/policystore/policies"


def _payload(name: str, effect: str, scope: str) -> dict[str, object]:
    """The seed's `policy_payload`, as `register_policy` builds it."""
    condition = {"attributeName": "scope", "attributeValueIncludes": scope}
    return {
        "name": name,
        "description": f"{name} policy",
        "decisionRules": [{"effect": effect, "dnfCondition": [[condition]]}],
    }


def _report_row(http: httpx.Client, name: str) -> dict[str, object]:
    report = http.get("/api/v1/governance/report").json()
    return next(p for p in report["policies"] if p["policy"] == name)


def test_a_rule_less_policy_is_stored_and_says_it_evaluates_nothing(server: Server) -> None:
    name = f"pii-{uuid.uuid4().hex[:6]}"
    with server.client() as http:
        put = http.put(f"{STORE}/{name}", json=_payload(name, "block", "GLOBAL"))
        assert put.status_code == 201, put.text
        assert put.json()["lakemesh"]["note"] == "no rule: evaluates nothing"
        assert put.json()["lakemesh"]["rule"] is None
        assert put.json()["decisionRules"][0]["effect"] == "block"
        native = http.get(f"/api/v1/policies/{name}").json()
        assert (native["enforcement"], native["scope"], native["rule"]) == ("block", "GLOBAL", "")
        assert native["note"] == "no rule: evaluates nothing"
        row = _report_row(http, name)
        assert row["note"] == "no rule: evaluates nothing" and row["checked"] == 0

        # The seed's WORKSPACE policy names no workspace in its payload: stored, rule-less, domain unknown.
        scoped = f"fresh-{uuid.uuid4().hex[:6]}"
        put = http.put(f"{STORE}/{scoped}", json=_payload(scoped, "alert", "WORKSPACE"))
        assert put.status_code == 201, put.text
        assert put.json()["lakemesh"]["scope"] == "WORKSPACE" and put.json()["lakemesh"]["domain"] is None

        assert http.get(f"{STORE}/{name}").json()["lakemesh"]["enforcement"] == "block"
        assert http.delete(f"{STORE}/{name}").status_code == 204
        assert http.get(f"/api/v1/policies/{name}").status_code == 404
        missing = http.get(f"{STORE}/{name}")
        assert missing.status_code == 404 and missing.json()["errorCode"] == "ATLAS-404-00-001"


def test_the_optional_rule_attribute_makes_a_policy_that_evaluates(server: Server) -> None:
    domain = f"Gov{uuid.uuid4().hex[:6]}"
    RemoteMesh(server.url, server.token).create_domain(domain)
    name = f"retention-{uuid.uuid4().hex[:6]}"
    body = {**_payload(name, "warn", "WORKSPACE"), "rule": "tables must have retention_days >= 7", "workspace": domain}
    with server.client() as http:
        put = http.put(f"{STORE}/{name}", json=body)
        assert put.status_code == 201, put.text
        assert put.json()["lakemesh"]["note"] is None
        assert put.json()["lakemesh"]["domain"] == domain.lower()
        native = http.get(f"/api/v1/policies/{name}").json()
        assert native["rule"] == "tables must have retention_days >= 7" and native["subject_kind"] == "table"
        assert _report_row(http, name)["note"] is None
        assert http.put(f"{STORE}/{name}", json=body).status_code == 200  # the same again: replaced, not created

        # Bad input: a rule that does not parse, an unknown effect, two decision rules, a domain that does not exist.
        bad_rule = http.put(f"{STORE}/{name}", json={**body, "rule": "tables must be purple"})
        assert bad_rule.status_code == 400 and bad_rule.json()["errorCode"].startswith("ATLAS-400")
        assert http.put(f"{STORE}/{name}", json={**body, "decisionRules": [{"effect": "Shrug"}]}).status_code == 400
        two = {**body, "decisionRules": [{"effect": "warn"}, {"effect": "block"}]}
        assert http.put(f"{STORE}/{name}", json=two).status_code == 400
        assert http.put(f"{STORE}/{name}", json={**body, "workspace": "No-Such-Domain"}).status_code == 400
        assert http.get(f"/api/v1/policies/{name}").json()["version"] == 1  # nothing half-changed

    viewer = f"viewer-{uuid.uuid4().hex[:6]}@company.com"
    with server.client() as http:
        assert http.post("/api/v1/principals", json={"name": viewer}).status_code == 201
        assert http.post(f"/api/v1/domains/{domain}/members", json={"principal": viewer, "role": "Viewer"}).is_success
        token = http.post("/api/v1/tokens", json={"principal": viewer}).json()["secret"]
    with server.client(token) as as_viewer:
        refused = as_viewer.put(f"{STORE}/{name}", json={**body, "enforcement": "block"})
        assert refused.status_code == 403 and refused.json()["errorCode"] == "ATLAS-403-00-001"
        assert as_viewer.delete(f"{STORE}/{name}").status_code == 403
        document = {
            "name": name,
            "scope": "WORKSPACE",
            "workspace": domain,
            "rule": body["rule"],
            "enforcement": "warn",
        }
        assert as_viewer.put(f"/api/v1/policies/{name}", json=document).status_code == 403
