"""Every operation is declared once: the remote client has each in-process method with the same signature and
docstring, and every route an operation declares exists in the server's OpenAPI document.

This replaces the older comparison of two hand-written classes (the seed's `request_access` once differed)."""

from __future__ import annotations

import inspect
import re
import typing
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import BaseModel

from lakemesh.api.app import create_app
from lakemesh.facade.methods import MeshMethods
from lakemesh.facade.operation import COMPOSED, Route, remote, route_of
from lakemesh.mesh import Mesh
from lakemesh.sdk.client import RemoteMesh
from lakemesh.sdk.remote import bind_remote

# Only in-process, by nature: opening a platform from settings, acting as another token's principal on the same
# platform, and registering Python code as a pipeline step type (a server loads step types at start).
IN_PROCESS_ONLY = {"open", "as_principal", "register_pipeline_step"}


def public_methods(instance: object) -> dict[str, Callable[..., Any]]:
    return {
        name: getattr(instance, name)
        for name in dir(instance)
        if not name.startswith("_")
        and callable(getattr(instance, name))
        and not inspect.isclass(getattr(instance, name))
    }


def declared() -> dict[str, Route]:
    """Every operation of `MeshMethods` with its route (`COMPOSED` ones call other operations)."""
    found = {name: route_of(getattr(MeshMethods, name)) for name in dir(MeshMethods) if not name.startswith("_")}
    missing = sorted(name for name, route in found.items() if route is None)
    assert missing == [], f"operations without a @remote declaration: {missing}"
    return {name: route for name, route in found.items() if route is not None}


@pytest.fixture
def remote_client() -> RemoteMesh:
    return RemoteMesh("http://127.0.0.1:9", "no-token-needed-nothing-is-sent")


def test_every_public_mesh_method_has_a_remote_twin_with_the_same_signature(
    admin: Mesh, remote_client: RemoteMesh
) -> None:
    local, remote_ = public_methods(admin), public_methods(remote_client)
    assert sorted(set(local) - set(remote_) - IN_PROCESS_ONLY) == []
    assert sorted(set(remote_) - set(local)) == []
    differing = {
        name: (str(inspect.signature(local[name])), str(inspect.signature(remote_[name])))
        for name in sorted(set(local) & set(remote_))
        if inspect.signature(local[name]) != inspect.signature(remote_[name])
        or inspect.getdoc(local[name]) != inspect.getdoc(remote_[name])
    }
    assert differing == {}


def test_the_remote_twin_calls_rest_and_only_composed_operations_share_the_body() -> None:
    for name, route in declared().items():
        shared = getattr(RemoteMesh, name) is getattr(Mesh, name)
        assert shared == (route is COMPOSED), name


def test_the_in_process_only_methods_exist() -> None:
    """The exceptions above stay exact: a method removed from Mesh must leave the list too."""
    assert set(dir(Mesh)) >= IN_PROCESS_ONLY
    assert not IN_PROCESS_ONLY & set(dir(RemoteMesh))


def test_every_declared_route_exists_in_the_openapi_document(admin: Mesh) -> None:
    document = TestClient(create_app(admin.platform)).get("/openapi.json").json()
    served = {(method.upper(), _unnamed(path)) for path, ops in document["paths"].items() for method in ops}
    routes = {name: route for name, route in declared().items() if route is not COMPOSED}
    missing = {name: (r.method, r.path) for name, r in routes.items() if (r.method, r.template) not in served}
    assert missing == {}
    assert len(routes) > 100  # every capability's operations are declared, not a handful


# Routes whose 2xx answer documents no JSON schema (this one may also answer CSV).
UNTYPED_ROUTES = {"compliance_report"}


def test_every_json_route_answers_with_the_model_the_operation_returns(admin: Mesh) -> None:
    """The generic twin validates the answer into the return annotation; the server documents the same model."""
    document = TestClient(create_app(admin.platform)).get("/openapi.json").json()
    served = {
        (method.upper(), _unnamed(path)): op for path, ops in document["paths"].items() for method, op in ops.items()
    }
    differing = {}
    for name, route in declared().items():
        if route is COMPOSED or route.call is not None or name in UNTYPED_ROUTES:
            continue
        returned = typing.get_type_hints(getattr(MeshMethods, name))["return"]
        model = typing.get_args(returned)[0] if typing.get_origin(returned) is list else returned
        if not (isinstance(model, type) and issubclass(model, BaseModel)):
            continue
        responses = served[(route.method, route.template)]["responses"]
        schemas = [
            str(body.get("schema"))
            for code, answer in responses.items()
            if code.startswith("2")
            for body in answer.get("content", {}).values()
        ]
        if not any(model.__name__ in schema for schema in schemas):
            differing[name] = (model.__name__, schemas)
    assert differing == {}


def _unnamed(path: str) -> str:
    return re.sub(r"\{[^}]*\}", "{}", path)


def test_a_client_class_with_an_undeclared_operation_is_refused() -> None:
    class Undeclared:
        def forgotten(self) -> None:
            """An operation someone added without a route."""

    with pytest.raises(TypeError, match="forgotten has no @remote declaration"):
        bind_remote(type("Client", (Undeclared,), {}))


def test_a_path_fills_segments_quoted_and_keeps_slashes_only_where_declared() -> None:
    @remote("PUT", "/api/v1/domains/{domain}/lakehouses/{lakehouse}/files/{path:path}")
    def upload(domain: str, lakehouse: str, path: str) -> None: ...

    route = route_of(upload)
    assert route is not None
    assert route.url({"domain": "a/b c", "lakehouse": "lh", "path": "raw/x y.csv"}) == (
        "/api/v1/domains/a%2Fb%20c/lakehouses/lh/files/raw/x%20y.csv"
    )
    assert route.template == "/api/v1/domains/{}/lakehouses/{}/files/{}"
