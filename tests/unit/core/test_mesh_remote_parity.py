"""The in-process `Mesh` and the remote `RemoteMesh` expose the same public methods with the same signatures.

Code written against one runs against the other (the seed's `request_access` once differed between them).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from lakemesh.mesh import Mesh
from lakemesh.sdk.client import RemoteMesh

# Only in-process, by nature: opening a platform from settings, acting as another token's principal on the same
# platform, and registering Python code as a pipeline step type (a server loads step types at start).
IN_PROCESS_ONLY = {"open", "as_principal", "register_pipeline_step"}


def public_methods(cls: type) -> dict[str, Callable[..., Any]]:
    return {
        name: member
        for name, member in inspect.getmembers(cls, callable)
        if not name.startswith("_") and not inspect.isclass(member)
    }


def signature(method: Callable[..., Any]) -> list[tuple[str, Any, Any, str]]:
    """Parameters (name, kind, default, annotation as written) and the return annotation, without `self`."""
    sig = inspect.signature(method)
    params = [(p.name, p.kind, p.default, str(p.annotation)) for p in sig.parameters.values() if p.name != "self"]
    return [*params, ("return", None, None, str(sig.return_annotation))]


def test_both_have_the_same_public_methods() -> None:
    local, remote = public_methods(Mesh), public_methods(RemoteMesh)
    assert sorted(set(local) - set(remote) - IN_PROCESS_ONLY) == []
    assert sorted(set(remote) - set(local)) == []


def test_every_shared_method_has_the_same_signature() -> None:
    local, remote = public_methods(Mesh), public_methods(RemoteMesh)
    differing = {
        name: (str(inspect.signature(local[name])), str(inspect.signature(remote[name])))
        for name in sorted(set(local) & set(remote))
        if signature(local[name]) != signature(remote[name])
    }
    assert differing == {}


def test_the_in_process_only_methods_exist() -> None:
    """The exceptions above stay exact: a method removed from Mesh must leave the list too."""
    assert set(public_methods(Mesh)) >= IN_PROCESS_ONLY
    assert not IN_PROCESS_ONLY & set(public_methods(RemoteMesh))
