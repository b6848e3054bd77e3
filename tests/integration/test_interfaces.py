"""The same operations behave identically over REST, the remote SDK, the in-process Mesh and the CLI."""

from __future__ import annotations

import json
import os
import uuid
from typing import Any, Protocol

import pytest

from lakemesh import connect
from lakemesh.core.errors import LakemeshError
from lakemesh.core.settings import Settings
from lakemesh.mesh import Mesh
from tests.cli_support import run_cli
from tests.integration.conftest import Server


class Failed(Exception):
    """An operation was refused; `status` is the HTTP status it maps to (CLI: 1 for any refusal)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class Driver(Protocol):
    def create_domain(self, name: str, description: str, owner: str) -> dict[str, Any]: ...
    def get_domain(self, name: str) -> dict[str, Any]: ...
    def list_domains(self) -> list[dict[str, Any]]: ...
    def update_domain(self, name: str, description: str) -> dict[str, Any]: ...
    def add_member(self, domain: str, principal: str, role: str) -> dict[str, Any]: ...
    def list_members(self, domain: str) -> list[dict[str, Any]]: ...
    def remove_member(self, domain: str, principal: str) -> None: ...
    def delete_domain(self, name: str) -> None: ...


class Rest:
    def __init__(self, server: Server) -> None:
        self.http = server.client()

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.http.request(method, path, **kwargs)
        if response.status_code >= 400:
            assert response.headers["content-type"] == "application/problem+json"
            raise Failed(response.status_code, response.json()["detail"])
        return response.json() if response.content else None

    def create_domain(self, name: str, description: str, owner: str) -> dict[str, Any]:
        return self._call("POST", "/api/v1/domains", json={"name": name, "description": description, "owner": owner})

    def get_domain(self, name: str) -> dict[str, Any]:
        return self._call("GET", f"/api/v1/domains/{name}")

    def list_domains(self) -> list[dict[str, Any]]:
        return self._call("GET", "/api/v1/domains", params={"limit": 500})["items"]

    def update_domain(self, name: str, description: str) -> dict[str, Any]:
        return self._call("PATCH", f"/api/v1/domains/{name}", json={"description": description})

    def add_member(self, domain: str, principal: str, role: str) -> dict[str, Any]:
        return self._call("POST", f"/api/v1/domains/{domain}/members", json={"principal": principal, "role": role})

    def list_members(self, domain: str) -> list[dict[str, Any]]:
        return self._call("GET", f"/api/v1/domains/{domain}/members")["items"]

    def remove_member(self, domain: str, principal: str) -> None:
        self._call("DELETE", f"/api/v1/domains/{domain}/members/{principal}")

    def delete_domain(self, name: str) -> None:
        self._call("DELETE", f"/api/v1/domains/{name}")


class Sdk:
    """Wraps the remote SDK or the in-process Mesh: they have the same methods."""

    def __init__(self, mesh: Any) -> None:
        self.mesh = mesh

    def _call(self, method: str, *args: Any, **kwargs: Any) -> Any:
        try:
            result = getattr(self.mesh, method)(*args, **kwargs)
        except LakemeshError as exc:
            raise Failed(exc.status, exc.detail) from exc
        if isinstance(result, list):
            return [r.model_dump(mode="json") for r in result]
        return result.model_dump(mode="json") if result is not None else None

    def create_domain(self, name: str, description: str, owner: str) -> dict[str, Any]:
        return self._call("create_domain", name, description=description, owner=owner)

    def get_domain(self, name: str) -> dict[str, Any]:
        return self._call("get_domain", name)

    def list_domains(self) -> list[dict[str, Any]]:
        return self._call("list_domains")

    def update_domain(self, name: str, description: str) -> dict[str, Any]:
        return self._call("update_domain", name, description=description)

    def add_member(self, domain: str, principal: str, role: str) -> dict[str, Any]:
        return self._call("add_member", domain, principal, role)

    def list_members(self, domain: str) -> list[dict[str, Any]]:
        return self._call("list_members", domain)

    def remove_member(self, domain: str, principal: str) -> None:
        self._call("remove_member", domain, principal)

    def delete_domain(self, name: str) -> None:
        self._call("delete_domain", name)


class Cli:
    def __init__(self, server: Server, *, remote: bool) -> None:
        self.env = {**server.env}
        if remote:
            self.env |= {"LAKEMESH_URL": server.url, "LAKEMESH_TOKEN": server.token}

    def _run(self, *args: str) -> Any:
        done = run_cli(self.env, *args)  # in this process (tests/cli_support.py says why)
        if done.returncode != 0:
            lines = done.stderr.strip().splitlines()
            assert len(lines) == 1 and lines[0].startswith("error: "), done.stderr
            raise Failed(1, lines[0])
        return json.loads(done.stdout) if done.stdout.strip().startswith(("{", "[")) else None

    def create_domain(self, name: str, description: str, owner: str) -> dict[str, Any]:
        return self._run("domain", "create", name, "--description", description, "--owner", owner, "--json")

    def get_domain(self, name: str) -> dict[str, Any]:
        return self._run("domain", "show", name, "--json")

    def list_domains(self) -> list[dict[str, Any]]:
        return self._run("domain", "list", "--json")

    def update_domain(self, name: str, description: str) -> dict[str, Any]:
        return self._run("domain", "update", name, "--description", description, "--json")

    def add_member(self, domain: str, principal: str, role: str) -> dict[str, Any]:
        return self._run("member", "add", domain, principal, role, "--json")

    def list_members(self, domain: str) -> list[dict[str, Any]]:
        return self._run("member", "list", domain, "--json")

    def remove_member(self, domain: str, principal: str) -> None:
        self._run("member", "remove", domain, principal)

    def delete_domain(self, name: str) -> None:
        self._run("domain", "delete", name, "--yes")


DRIVERS = ["rest", "sdk-remote", "sdk-in-process", "cli-remote", "cli-in-process"]


@pytest.fixture(params=DRIVERS)
def driver(request: pytest.FixtureRequest, server: Server) -> Driver:
    kind = request.param
    if kind == "rest":
        return Rest(server)
    if kind == "sdk-remote":
        return Sdk(connect(server.url, server.token))
    if kind == "sdk-in-process":
        settings = Settings(
            home=server.home,
            catalog_url=os.environ.get("LAKEMESH_CATALOG_URL") or server.env.get("LAKEMESH_CATALOG_URL"),
        )
        return Sdk(Mesh.open(settings=settings, token=server.token))
    return Cli(server, remote=kind == "cli-remote")


@pytest.fixture(scope="module")
def analyst(server: Server) -> str:
    name = f"analyst-{uuid.uuid4().hex[:6]}@company.com"
    with server.client() as http:
        assert http.post("/api/v1/principals", json={"name": name}).status_code == 201
    return name


def test_domain_lifecycle_is_the_same_on_every_interface(driver: Driver, analyst: str) -> None:
    name = f"Sales {uuid.uuid4().hex[:6]}"
    slug = name.lower().replace(" ", "-")
    created = driver.create_domain(name, "Sales team's data products", "Owner@Company.com")
    assert {k: created[k] for k in ("name", "slug", "description", "owner")} == {
        "name": name,
        "slug": slug,
        "description": "Sales team's data products",
        "owner": "owner@company.com",
    }
    assert driver.get_domain(name.upper())["id"] == created["id"]
    assert slug in {d["slug"] for d in driver.list_domains()}
    assert driver.update_domain(slug, "changed")["description"] == "changed"

    member = driver.add_member(slug, analyst, "Viewer")
    assert (member["principal"], member["role"]) == (analyst, "Viewer")
    assert [(m["principal"], m["role"]) for m in driver.list_members(slug)] == [(analyst, "Viewer")]
    driver.remove_member(slug, analyst)
    assert driver.list_members(slug) == []

    with pytest.raises(Failed) as duplicate:
        driver.create_domain(name.lower(), "again", "owner@company.com")
    assert duplicate.value.status in {409, 1}
    driver.delete_domain(slug)
    with pytest.raises(Failed) as missing:
        driver.get_domain(slug)
    assert missing.value.status in {404, 1}
    assert "not found" in str(missing.value)
