"""A resource hidden from the caller answers exactly like one that does not exist: same status, same bytes.

The hidden resources are named `hidden_*`, the missing ones `absent_*` (the same length): once the asked name is
swapped, the two answers must be byte-identical, or the difference tells an outsider what exists.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from tests.integration.conftest import Server

KINDS = {
    "lakehouse": "/api/v1/domains/{d}/lakehouses/{x}_lh",
    "lakehouse files": "/api/v1/domains/{d}/lakehouses/{x}_lh/files",
    "lakehouse file": "/api/v1/domains/{d}/lakehouses/{x}_lh/files/in/a.csv",
    "table": "/api/v1/domains/{d}/lakehouses/open_lh/tables/{x}_table",
    "table in a hidden lakehouse": "/api/v1/domains/{d}/lakehouses/{x}_lh/tables/orders",
    "table data": "/api/v1/domains/{d}/lakehouses/open_lh/tables/{x}_table/data",
    "table classification suggestions": "/api/v1/domains/{d}/lakehouses/open_lh/tables/{x}_table/classification-suggestions",
    "product draft": "/api/v1/products/{d}/{x}-draft",
    "product draft versions": "/api/v1/products/{d}/{x}-draft/versions",
    "pipeline": "/api/v1/domains/{d}/pipelines/{x}_pipe",
    "pipeline runs": "/api/v1/domains/{d}/pipelines/{x}_pipe/runs",
}


@pytest.fixture(scope="module")
def world(server: Server) -> Iterator[dict[str, str]]:
    """A domain (the outsider has no role in it) holding one of each hidden resource, and the outsider's token."""
    domain = f"nf{uuid.uuid4().hex[:6]}"
    outsider = f"outsider-{domain}"
    with server.client() as http:
        assert http.post("/api/v1/principals", json={"name": outsider}).status_code == 201
        assert http.post("/api/v1/domains", json={"name": domain}).status_code == 201
        for lakehouse in ("hidden_lh", "open_lh"):
            assert http.post(f"/api/v1/domains/{domain}/lakehouses", json={"name": lakehouse}).status_code == 201
        put = http.put(f"/api/v1/domains/{domain}/lakehouses/hidden_lh/files/in/a.csv", content=b"a\n1\n")
        assert put.status_code == 201, put.text
        for lakehouse, table in (("open_lh", "hidden_table"), ("hidden_lh", "orders")):
            spec = {"name": table, "columns": [{"name": "id", "type": "int64"}]}
            created = http.post(f"/api/v1/domains/{domain}/lakehouses/{lakehouse}/tables", json=spec)
            assert created.status_code == 201, created.text
        product = {
            "name": "Hidden Draft",
            "domain": domain,
            "owner": outsider,
            "contract": {"schema": {"id": {"type": "bigint"}}},
            "storage": {"type": "lakehouse_table", "lakehouse": "open_lh", "table": "hidden_table"},
        }
        made = http.post("/api/v1/products", json=product)
        assert made.status_code == 201, made.text
        assert made.headers["Location"].endswith("/hidden-draft")
        pipeline = {
            "name": "hidden_pipe",
            "lakehouse": "open_lh",
            "steps": [{"name": "s", "type": "sql", "sql": "select 1 as x", "target": {"table": "out"}}],
        }
        piped = http.put(f"/api/v1/domains/{domain}/pipelines/hidden_pipe", json=pipeline)
        assert piped.status_code == 200, piped.text
        token = http.post("/api/v1/tokens", json={"principal": outsider}).json()["secret"]
    yield {"domain": domain, "token": token}


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_hidden_and_missing_answer_byte_for_byte_alike(server: Server, world: dict[str, str], kind: str) -> None:
    with server.client(world["token"]) as http:
        hidden = http.get(KINDS[kind].format(d=world["domain"], x="hidden"))
        missing = http.get(KINDS[kind].format(d=world["domain"], x="absent"))
    assert hidden.status_code == missing.status_code == 404, (hidden.text, missing.text)
    assert hidden.content == missing.content.replace(b"absent", b"hidden")
    assert hidden.headers["content-type"] == missing.headers["content-type"]


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_the_answer_names_only_what_was_asked(server: Server, world: dict[str, str], kind: str) -> None:
    """Asked in another casing, the answer repeats the request's spelling, not the stored row's."""
    path = KINDS[kind].format(d=world["domain"].upper(), x="HIDDEN")
    with server.client(world["token"]) as http:
        answer = http.get(path)
    assert answer.status_code == 404
    assert world["domain"] not in answer.text and "hidden" not in answer.text.replace("HIDDEN", "")


def test_a_member_still_tells_forbidden_from_missing(server: Server, world: dict[str, str]) -> None:
    with server.client() as http:
        assert http.get(KINDS["pipeline"].format(d=world["domain"], x="absent")).status_code == 404
        assert http.get(KINDS["pipeline"].format(d=world["domain"], x="hidden")).status_code == 200
