"""Fabric REST v1 bad input: Fabric's error shape and status codes, nothing half-created, the native 403s."""

from __future__ import annotations

import uuid

import httpx

from lakemesh.core.ids import uuid_of
from tests.integration.conftest import Server

FABRIC = "/fabric/v1"


def _name() -> str:
    return f"T{uuid.uuid4().hex[:8]}"


def _fabric_error(response: httpx.Response, status: int, code: str) -> dict[str, object]:
    assert response.status_code == status, response.text
    body: dict[str, object] = response.json()
    assert body["errorCode"] == code and body["message"] and uuid.UUID(str(body["requestId"]))
    return body


def _person(http: httpx.Client) -> tuple[str, str]:
    name = f"{uuid.uuid4().hex[:8]}@company.com"
    created = http.post("/api/v1/principals", json={"name": name})
    assert created.status_code == 201, created.text
    token = http.post("/api/v1/tokens", json={"principal": name}).json()["secret"]
    return created.json()["id"], token


def test_workspace_crud_paging_and_a_clashing_name(server: Server) -> None:
    name = _name()
    with server.client() as http:
        made = http.post(f"{FABRIC}/workspaces", json={"displayName": f"{name}-Domain", "capacityId": "cap-1"})
        assert made.status_code == 201, made.text
        workspace = made.json()
        assert workspace["displayName"] == f"{name}-Domain" and workspace["capacityId"] == "cap-1"
        native = http.get(f"/api/v1/domains/{workspace['id']}").json()  # the native API accepts the GUID
        assert native["slug"] == name.lower() and uuid_of(native["id"]) == workspace["id"]

        clash = http.post(f"{FABRIC}/workspaces", json={"displayName": name.upper()})
        _fabric_error(clash, 409, "WorkspaceNameAlreadyExists")
        listed = http.get(f"{FABRIC}/workspaces").json()
        assert set(listed) == {"value", "continuationToken", "continuationUri"}
        assert [w["displayName"] for w in listed["value"]].count(f"{name}-Domain") <= 1

        patched = http.patch(f"{FABRIC}/workspaces/{workspace['id']}", json={"description": "new"})
        assert patched.json()["description"] == "new"
        assert http.delete(f"{FABRIC}/workspaces/{workspace['id']}").status_code == 200
        _fabric_error(http.get(f"{FABRIC}/workspaces/{workspace['id']}"), 404, "EntityNotFound")


def test_role_assignments_and_a_viewer_mutating_gets_the_native_403(server: Server) -> None:
    with server.client() as http:
        workspace = http.post(f"{FABRIC}/workspaces", json={"displayName": _name()}).json()
        principal_id, token = _person(http)
        body = {"principal": {"id": uuid_of(principal_id), "type": "User"}, "role": "Viewer"}
        added = http.post(f"{FABRIC}/workspaces/{workspace['id']}/roleAssignments", json=body)
        assert added.status_code == 201, added.text
        assert added.json()["role"] == "Viewer" and added.json()["principal"]["id"] == uuid_of(principal_id)
        assignments = http.get(f"{FABRIC}/workspaces/{workspace['id']}/roleAssignments").json()["value"]
        assert uuid_of(principal_id) in [a["id"] for a in assignments]

    with server.client(token) as viewer:
        lakehouse = {"displayName": "viewer_lakehouse", "type": "Lakehouse"}
        compat = viewer.post(f"{FABRIC}/workspaces/{workspace['id']}/items", json=lakehouse)
        _fabric_error(compat, 403, "InsufficientPrivileges")
        native = viewer.post(f"/api/v1/domains/{workspace['id']}/lakehouses", json={"name": "viewer_lakehouse"})
        assert native.status_code == 403
        _fabric_error(
            viewer.patch(f"{FABRIC}/workspaces/{workspace['id']}", json={"description": "x"}),
            403,
            "InsufficientPrivileges",
        )
        assert viewer.get(f"{FABRIC}/workspaces/{workspace['id']}/items").json()["value"] == []

    with server.client() as http:
        assignment = f"{FABRIC}/workspaces/{workspace['id']}/roleAssignments/{uuid_of(principal_id)}"
        assert http.patch(assignment, json={"role": "Contributor"}).json()["role"] == "Contributor"
        assert http.delete(assignment).status_code == 200
        _fabric_error(http.get(assignment), 404, "EntityNotFound")


def test_shortcuts_to_missing_or_forbidden_items_create_nothing(server: Server) -> None:
    with server.client() as http:
        home = http.post(f"{FABRIC}/workspaces", json={"displayName": _name()}).json()
        other = http.post(f"{FABRIC}/workspaces", json={"displayName": _name()}).json()
        item = http.post(f"{FABRIC}/workspaces/{home['id']}/lakehouses", json={"displayName": "home_lh"}).json()
        theirs = http.post(f"{FABRIC}/workspaces/{other['id']}/items", json={"displayName": "their_lh"}).json()
        native_table = {"name": "gold_secret", "columns": [{"name": "id", "type": "string"}]}
        assert http.post(
            f"/api/v1/domains/{other['id']}/lakehouses/{theirs['id']}/tables", json=native_table
        ).is_success
        owner_id, token = _person(http)
        role = {"principal": {"id": uuid_of(owner_id), "type": "User"}, "role": "Admin"}
        assert http.post(f"{FABRIC}/workspaces/{home['id']}/roleAssignments", json=role).status_code == 201

    shortcuts = f"{FABRIC}/workspaces/{home['id']}/items/{item['id']}/shortcuts"
    missing = {"workspaceId": other["id"], "itemId": str(uuid.uuid4()), "path": "Tables/gold_secret"}
    forbidden = {"workspaceId": other["id"], "itemId": theirs["id"], "path": "Tables/gold_secret"}
    with server.client(token) as owner:
        for target in (missing, forbidden):
            body = {"path": "Tables", "name": "copy", "target": {"oneLake": target}}
            _fabric_error(owner.post(shortcuts, json=body), 404, "EntityNotFound")
        assert owner.get(shortcuts).json()["value"] == []
        body = {"path": "Tables", "name": "copy", "target": {"adlsGen2": {"location": "x", "subpath": "y"}}}
        _fabric_error(owner.post(shortcuts, json=body), 501, "NotSupportedByLakemesh")

    with server.client() as http:  # the real API's path + name form, read back and deleted
        body = {"path": "Tables", "name": "copy", "target": {"oneLake": forbidden}}
        made = http.post(shortcuts, json=body)
        assert made.status_code == 201, made.text
        assert made.json()["target"]["oneLake"] == forbidden
        assert http.get(f"{shortcuts}/Tables/copy").json()["name"] == "copy"
        _fabric_error(http.post(shortcuts, json=body), 409, "ItemDisplayNameAlreadyInUse")
        assert http.delete(f"{shortcuts}/Tables/copy").status_code == 200
        assert http.get(shortcuts).json()["value"] == []


def test_unsupported_operations_and_missing_auth_answer_in_fabric_shape(server: Server) -> None:
    with server.client() as http:
        workspace = http.post(f"{FABRIC}/workspaces", json={"displayName": _name()}).json()
        notebook = http.post(
            f"{FABRIC}/workspaces/{workspace['id']}/items", json={"displayName": "nb", "type": "Notebook"}
        )
        body = _fabric_error(notebook, 501, "NotSupportedByLakemesh")
        assert "compat.md" in str(body["message"])
        _fabric_error(http.get(f"{FABRIC}/capacities"), 501, "NotSupportedByLakemesh")
        assert http.get(f"{FABRIC}/workspaces/{workspace['id']}/items").json()["value"] == []
        bad = http.post(f"{FABRIC}/workspaces", json={"description": "no name"})
        _fabric_error(bad, 400, "InvalidInput")
    _fabric_error(httpx.get(f"{server.url}{FABRIC}/workspaces"), 401, "TokenExpired")
