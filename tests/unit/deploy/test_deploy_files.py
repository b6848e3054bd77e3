"""The deploy files parse, and every LAKEMESH_* variable in them is a real setting with a valid value.

Docker is not available in CI, so this is what keeps deploy/ from rotting when Settings change.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

from lakemesh.core.settings import Settings
from lakemesh.core.settings_reference import env_vars

ROOT = Path(__file__).parents[3]
DEPLOY = ROOT / "deploy"
CLIENT_VARS = {"LAKEMESH_URL", "LAKEMESH_TOKEN"}
_INTERPOLATION = re.compile(r"\$\{(\w+)(?::?-([^}]*))?\}")


def compose() -> dict[str, Any]:
    document = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())
    assert isinstance(document, dict)
    return document


def kubernetes() -> list[dict[str, Any]]:
    documents = []
    for path in sorted((DEPLOY / "kubernetes").glob("*.yaml")):
        documents += [d for d in yaml.safe_load_all(path.read_text()) if d is not None]
    return documents


def interpolate(value: str) -> str:
    """What `docker compose` substitutes when the variable is unset: the `${VAR:-default}` default."""
    return _INTERPOLATION.sub(lambda m: m.group(2) or "", value)


def settings_from(environment: dict[str, str]) -> Settings:
    values = {k.removeprefix("LAKEMESH_").lower(): v for k, v in environment.items() if k.startswith("LAKEMESH_")}
    return Settings.model_validate(values)


def test_every_lakemesh_variable_in_deploy_files_is_a_setting() -> None:
    known = env_vars() | CLIENT_VARS
    files = [p for p in DEPLOY.rglob("*") if p.is_file()] + [ROOT / "docs" / "deploy.md"]
    assert len(files) >= 9
    for path in files:
        unknown = set(re.findall(r"LAKEMESH_[A-Z0-9_]*[A-Z0-9]", path.read_text())) - known
        assert not unknown, f"{path.relative_to(ROOT)} uses variables Settings does not read: {sorted(unknown)}"


def test_compose_runs_the_team_deployment() -> None:
    services = compose()["services"]
    assert {"postgres", "minio", "createbucket", "ray-head", "lakemesh-1", "lakemesh-2", "proxy"} <= set(services)
    assert services["postgres"]["image"] == "postgres:15"
    assert "mc mb" in " ".join(services["createbucket"]["entrypoint"])
    for name, service in services.items():
        for dependency in service.get("depends_on", {}):
            assert dependency in services, f"{name} depends on unknown service {dependency}"
    for name in ("lakemesh-1", "lakemesh-2"):
        replica = services[name]
        assert replica["command"] == ["serve", "--migrate"]
        environment = {k: interpolate(str(v)) for k, v in replica["environment"].items()}
        settings = settings_from(environment)  # a typo in a value (executor: rey) fails here
        assert settings.executor == "ray" and settings.resolved_data_root.startswith("s3://")
        assert settings.catalog_url and settings.catalog_url.startswith("postgresql+psycopg://")
        assert "@postgres:5432/" in settings.catalog_url
        assert settings.s3_endpoint_url == "http://minio:9000" and settings.ray_address == "ray://ray-head:10001"
        assert settings.host == "0.0.0.0"
    caddyfile = (DEPLOY / "Caddyfile").read_text()
    assert "lakemesh-1:8484" in caddyfile and "lakemesh-2:8484" in caddyfile and "health_uri /readyz" in caddyfile
    assert "./Caddyfile:/etc/caddy/Caddyfile:ro" in services["proxy"]["volumes"]


def test_dockerfile_installs_extras_that_exist() -> None:
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    assert "FROM python:3.11-slim AS lakemesh" in dockerfile and "FROM rayproject/ray:" in dockerfile
    extras = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"])
    for installed in re.findall(r'pip install [^\n]*?"[^"]*\[([a-z,]+)\]"', dockerfile):
        assert set(installed.split(",")) <= extras, installed
    assert 'pip install ".[server,scale]"' in dockerfile
    compose_targets = {s["build"]["target"] for s in compose()["services"].values() if "build" in s}
    assert compose_targets <= set(re.findall(r"^FROM \S+ AS (\w+)$", dockerfile, re.MULTILINE))


def test_kubernetes_manifests_are_complete_and_consistent() -> None:
    documents = kubernetes()
    for document in documents:
        assert document.get("apiVersion") and document.get("kind"), document
        assert document.get("metadata", {}).get("name"), document
    by_kind = {(d["kind"], d["metadata"]["name"]): d for d in documents}
    secret_keys = set(by_kind["Secret", "lakemesh"]["stringData"])
    config = by_kind["ConfigMap", "lakemesh"]["data"]
    assert set(config) <= env_vars()
    deployment = by_kind["Deployment", "lakemesh"]
    assert deployment["spec"]["replicas"] == 2
    pod = deployment["spec"]["template"]
    assert deployment["spec"]["selector"]["matchLabels"].items() <= pod["metadata"]["labels"].items()
    service = by_kind["Service", "lakemesh"]
    assert service["spec"]["selector"].items() <= pod["metadata"]["labels"].items()
    container = pod["spec"]["containers"][0]
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    port_names = {p["name"] for p in container["ports"]}
    assert service["spec"]["ports"][0]["targetPort"] in port_names
    environment = {**config, **{e["name"]: "from-secret" for e in container["env"]}}
    environment["LAKEMESH_CATALOG_URL"] = "postgresql+psycopg://lakemesh@postgres/lakemesh"
    assert settings_from(environment).executor == "ray"
    job = by_kind["Job", "lakemesh-db-upgrade"]
    assert job["spec"]["template"]["spec"]["containers"][0]["args"] == ["db", "upgrade"]
    references = [ref for document in documents for ref in secret_references(document)]
    assert {"catalog-url", "s3-access-key-id", "s3-secret-access-key", "web-secret"} <= set(references)
    assert set(references) <= secret_keys


def secret_references(node: Any) -> list[str]:
    """Every key read from the `lakemesh` Secret: secretKeyRef entries and secret volume items."""
    found: list[str] = []
    if isinstance(node, dict):
        ref = node.get("secretKeyRef") or (node.get("secret") if isinstance(node.get("secret"), dict) else None)
        if ref and ref.get("name", ref.get("secretName")) == "lakemesh":
            found += [ref["key"]] if "key" in ref else [item["key"] for item in ref.get("items", [])]
        for value in node.values():
            found += secret_references(value)
    elif isinstance(node, list):
        for value in node:
            found += secret_references(value)
    return found


@pytest.mark.parametrize("bad", [{"LAKEMESH_EXECUTOR": "rey"}, {"LAKEMESH_PORT": "http"}])
def test_the_value_check_catches_bad_values(bad: dict[str, str]) -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError):
        settings_from(bad)
