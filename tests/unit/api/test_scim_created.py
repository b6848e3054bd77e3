"""A SCIM user create answers with the user as any later read gives it back (its answer is rendered from the
stored JSON, not by scim2-server's validate-copy-serialize path: `api/scim_created.py`)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from lakemesh.api.app import create_app
from lakemesh.platform import Platform

SCIM_TOKEN = "unit-scim-token-7d3e9a1b"
USER = "urn:ietf:params:scim:schemas:core:2.0:User"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"


@pytest.fixture(autouse=True)
def _scim_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LAKEMESH_SCIM_TOKEN", SCIM_TOKEN)  # read when the platform's settings are built


@pytest.fixture
def scim(platform: Platform) -> Iterator[TestClient]:
    with TestClient(create_app(platform), base_url="http://lakemesh.test") as client:
        client.headers.update({"Authorization": f"Bearer {SCIM_TOKEN}", "Content-Type": "application/scim+json"})
        yield client


def created(scim: TestClient, body: dict[str, Any]) -> dict[str, Any]:
    response = scim.post("/scim/v2/Users", json=body)
    assert response.status_code == 201, response.text
    location = f"http://lakemesh.test/scim/v2/Users/{response.json()['id']}"
    assert response.headers["location"] == response.headers["content-location"] == location
    assert response.headers["content-type"].startswith("application/scim+json")
    assert "etag" not in response.headers  # the provider config says ETags are not supported
    read = scim.get(location)
    assert read.status_code == 200
    assert response.json() == read.json(), "the create's answer differs from the user read back"
    return dict(response.json())


BODIES: dict[str, dict[str, Any]] = {
    "minimal": {"schemas": [USER], "userName": "mina@company.com"},
    "as an IdP sends it": {
        "schemas": [USER],
        "userName": "ada@company.com",
        "externalId": "00u-ada",
        "name": {"givenName": "Ada", "familyName": "Lovelace", "formatted": "Ada Lovelace"},
        "displayName": "Ada L.",
        "emails": [{"value": "ada.work@company.com", "type": "work", "primary": True}],
        "phoneNumbers": [{"value": "+44 20 7946 0000", "type": "work"}],
        "title": "Analyst",
        "locale": "en-GB",
        "active": True,
    },
    "inactive": {"schemas": [USER], "userName": "gone@company.com", "active": False},
    "enterprise extension": {
        "schemas": [USER, ENTERPRISE],
        "userName": "erin@company.com",
        ENTERPRISE: {"employeeNumber": "701984", "department": "Sales", "costCenter": "4130"},
    },
}


@pytest.mark.parametrize("body", BODIES.values(), ids=BODIES.keys())
def test_the_create_answers_with_the_user_as_read_back(scim: TestClient, body: dict[str, Any]) -> None:
    user = created(scim, body)
    assert user["userName"] == body["userName"]
    assert user["meta"]["resourceType"] == "User"
    assert user["meta"]["created"].endswith("Z") and "version" not in user["meta"]
    assert "password" not in user


def test_a_password_sent_is_never_answered(scim: TestClient) -> None:
    user = created(scim, {"schemas": [USER], "userName": "pat@company.com", "password": "s3cret-Pass"})
    assert "password" not in user


def test_a_manager_reference_is_answered_as_a_url(scim: TestClient) -> None:
    boss = created(scim, {"schemas": [USER], "userName": "boss@company.com"})
    body = {
        "schemas": [USER, ENTERPRISE],
        "userName": "ian@company.com",
        ENTERPRISE: {"manager": {"value": boss["id"]}},
    }
    body[ENTERPRISE]["manager"]["$ref"] = f"Users/{boss['id']}"
    user = created(scim, body)
    assert user[ENTERPRISE]["manager"]["$ref"] == f"http://lakemesh.test/scim/v2/Users/{boss['id']}"


def test_a_user_deleted_over_scim_is_revived_by_the_same_user_name(scim: TestClient) -> None:
    first = created(scim, {"schemas": [USER], "userName": "back@company.com", "externalId": "00u-1"})
    assert scim.delete(f"/scim/v2/Users/{first['id']}").status_code == 204
    again = created(scim, {"schemas": [USER], "userName": "back@company.com", "externalId": "00u-2"})
    assert again["id"] == first["id"] and again["externalId"] == "00u-2"


def test_a_taken_user_name_or_email_is_a_uniqueness_error(scim: TestClient) -> None:
    created(scim, {"schemas": [USER], "userName": "taken@company.com"})
    for body in (
        {"schemas": [USER], "userName": "TAKEN@company.com"},
        {"schemas": [USER], "userName": "other", "emails": [{"value": "taken@company.com", "primary": True}]},
    ):
        response = scim.post("/scim/v2/Users", json=body)
        assert response.status_code == 409
        assert response.json()["scimType"] == "uniqueness"


def test_an_invalid_user_is_refused_before_anything_is_stored(scim: TestClient) -> None:
    response = scim.post("/scim/v2/Users", json={"schemas": [USER], "userName": "x", "emails": [{"value": "no-at"}]})
    assert response.status_code == 400
    assert scim.get("/scim/v2/Users", params={"filter": 'userName eq "x"'}).json()["totalResults"] == 0
