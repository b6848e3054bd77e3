"""The company IdP's JWT access tokens on the REST API of a real server: valid ones sign in as the right principal
(created just in time, kept current), every forged or stale one is a 401 that says nothing about why, and a key
rotation at the IdP is picked up without a restart."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Iterator

import httpx
import pytest
from joserfc.jwk import RSAKey

from tests.conftest import PG_BASE, create_pg_database, drop_pg_database
from tests.integration.conftest import Server, start_server
from tests.integration.token_issuer import AUDIENCE, TokenIssuer

pytestmark = pytest.mark.integration
REFUSED = "Invalid, expired or revoked token"


@pytest.fixture(scope="module")
def issuer() -> Iterator[TokenIssuer]:
    running = TokenIssuer()
    yield running
    running.close()


@pytest.fixture(scope="module")
def idp_server(tmp_path_factory: pytest.TempPathFactory, issuer: TokenIssuer) -> Iterator[Server]:
    home = tmp_path_factory.mktemp("idp") / "home"
    catalog_url = create_pg_database(PG_BASE, "lakemesh_idp", migrated=True) if PG_BASE else None
    with pytest.MonkeyPatch.context() as patch:
        for name, value in issuer.env().items():
            patch.setenv(name, value)
        process, server = start_server(home, catalog_url)
    yield server
    process.terminate()
    process.wait(timeout=20)
    if PG_BASE and catalog_url:
        drop_pg_database(PG_BASE, catalog_url)


def me(server: Server, token: str) -> httpx.Response:
    return httpx.get(f"{server.url}/api/v1/me", headers={"Authorization": f"Bearer {token}"}, timeout=30)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def test_a_valid_token_signs_in_as_that_person_created_on_first_use(idp_server: Server, issuer: TokenIssuer) -> None:
    token = issuer.token("00u-ada", email="ada@company.com", name="Ada Lovelace", groups=["sales-data-team"])
    first = me(idp_server, token)
    assert first.status_code == 200, first.text
    assert first.json()["name"] == "ada@company.com"
    assert first.json()["kind"] == "user"
    assert first.json()["display_name"] == "Ada Lovelace"
    again = me(idp_server, token).json()
    assert again["id"] == first.json()["id"]


def test_email_and_display_name_follow_the_idp_but_the_principal_stays(idp_server: Server, issuer: TokenIssuer) -> None:
    before = me(idp_server, issuer.token("00u-grace", email="grace@company.com", name="Grace")).json()
    renamed = issuer.token("00u-grace", email="grace.hopper@company.com", name="Grace Hopper")
    after = me(idp_server, renamed).json()
    assert after["id"] == before["id"] and after["name"] == "grace@company.com"
    assert after["email"] == "grace.hopper@company.com" and after["display_name"] == "Grace Hopper"


def test_a_client_credentials_token_is_a_service_principal(idp_server: Server, issuer: TokenIssuer) -> None:
    token = issuer.token("etl-client", azp="etl-client")
    body = me(idp_server, token).json()
    assert body["kind"] == "service" and body["name"] == "etl-client"


def test_an_existing_token_principal_with_that_email_keeps_its_roles(idp_server: Server, issuer: TokenIssuer) -> None:
    with idp_server.client() as admin:
        created = admin.post("/api/v1/principals", json={"name": "linus@company.com"}).json()
        assert admin.post("/api/v1/domains", json={"name": "Finance"}).status_code == 201
        admin.post("/api/v1/domains/Finance/members", json={"principal": "linus@company.com", "role": "Admin"})
    token = issuer.token("00u-linus", email="linus@company.com", email_verified=True)
    assert me(idp_server, token).json()["id"] == created["id"]
    domain = httpx.get(f"{idp_server.url}/api/v1/domains/Finance", headers={"Authorization": f"Bearer {token}"})
    assert domain.status_code == 200


def test_an_unverified_email_never_takes_over_an_existing_principal(idp_server: Server, issuer: TokenIssuer) -> None:
    with idp_server.client() as admin:
        created = admin.post("/api/v1/principals", json={"name": "boss@company.com"}).json()
    token = issuer.token("00u-mallory", email="boss@company.com", email_verified=False)
    body = me(idp_server, token).json()
    assert body["id"] != created["id"] and body["email"] is None


def test_a_disabled_principal_is_refused(idp_server: Server, issuer: TokenIssuer) -> None:
    token = issuer.token("00u-eve", email="eve@company.com")
    assert me(idp_server, token).status_code == 200
    with idp_server.client() as admin:
        assert admin.delete("/api/v1/principals/eve@company.com").is_success
    refused = me(idp_server, token)
    assert refused.status_code == 401 and refused.json()["detail"] == REFUSED


def _forged(issuer: TokenIssuer) -> dict[str, str]:
    now = int(time.time())
    valid = issuer.claims("00u-ada", email="ada@company.com")
    header_none = _b64(json.dumps({"alg": "none", "typ": "JWT"}).encode())
    public_pem = issuer.key.as_pem(private=False)
    hs_header = _b64(json.dumps({"alg": "HS256", "kid": issuer.key.kid}).encode())
    hs_payload = _b64(json.dumps(valid).encode())
    hs_sig = _b64(hmac.new(public_pem, f"{hs_header}.{hs_payload}".encode(), hashlib.sha256).digest())
    good = issuer.token("00u-ada", email="ada@company.com")
    head, _, sig = good.split(".")
    tampered = _b64(json.dumps({**valid, "sub": "00u-admin", "email": "admin@company.com"}).encode())
    stranger = RSAKey.generate_key(2048, parameters={"kid": "not-published"}, private=True)
    return {
        "expired": issuer.sign({**valid, "iat": now - 7200, "nbf": now - 7200, "exp": now - 3600}),
        "not yet valid": issuer.sign({**valid, "nbf": now + 3600}),
        "wrong audience": issuer.sign({**valid, "aud": "api://someone-else"}),
        "wrong issuer": issuer.sign({**valid, "iss": "https://evil.example"}),
        "no expiry": issuer.sign({k: v for k, v in valid.items() if k != "exp"}),
        "alg none": f"{header_none}.{_b64(json.dumps(valid).encode())}.",
        "HS256 with the public key": f"{hs_header}.{hs_payload}.{hs_sig}",
        "unknown kid": issuer.sign(valid, key=stranger),
        "tampered payload": f"{head}.{tampered}.{sig}",
        "garbage": "a.b.c",
    }


@pytest.mark.parametrize(
    "case",
    ["expired", "not yet valid", "wrong audience", "wrong issuer", "no expiry", "alg none",
     "HS256 with the public key", "unknown kid", "tampered payload", "garbage"],
)  # fmt: skip
def test_forged_or_stale_tokens_are_401_without_a_reason(idp_server: Server, issuer: TokenIssuer, case: str) -> None:
    response = me(idp_server, _forged(issuer)[case])
    assert response.status_code == 401
    assert response.json()["detail"] == REFUSED  # the same words as a wrong Lakemesh token: nothing leaks
    lowered = response.text.lower()
    assert not any(word in lowered for word in ("kid", "audience", "issuer", "signature", "alg", "expired at"))


def test_key_rotation_at_the_idp_needs_no_restart(idp_server: Server, issuer: TokenIssuer) -> None:
    old_token = issuer.token("00u-rotate", email="rotate@company.com")
    assert me(idp_server, old_token).status_code == 200
    issuer.rotate()
    new_token = issuer.token("00u-rotate", email="rotate@company.com")
    response = me(idp_server, new_token)
    assert response.status_code == 200 and response.json()["email"] == "rotate@company.com"


def test_lakemesh_tokens_still_work_next_to_idp_tokens(idp_server: Server) -> None:
    assert me(idp_server, idp_server.token).json()["name"] == "admin"
    assert me(idp_server, "lm_not-a-token").status_code == 401


def test_audience_is_configurable_and_the_default_audience_is_accepted(idp_server: Server, issuer: TokenIssuer) -> None:
    token = issuer.sign(issuer.claims("00u-aud", email="aud@company.com", aud=[AUDIENCE, "other"]))
    assert me(idp_server, token).status_code == 200


def test_the_sql_endpoint_takes_an_idp_jwt_as_the_password(idp_server: Server, issuer: TokenIssuer) -> None:
    psycopg = pytest.importorskip("psycopg")
    token = issuer.token("00u-sql", email="sql@company.com")
    port = idp_server.env["LAKEMESH_SQL_PORT"]
    dsn = {"host": "127.0.0.1", "port": port, "user": "sql@company.com", "dbname": "lakemesh", "sslmode": "disable"}
    with psycopg.connect(**dsn, password=token, autocommit=True) as connection:
        assert connection.execute("SELECT 1").fetchone() == (1,)
    forged = _forged(issuer)["tampered payload"]
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(**dsn, password=forged, autocommit=True)
