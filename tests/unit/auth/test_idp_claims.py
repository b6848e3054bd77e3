"""What Lakemesh reads from an IdP token: names from the configured claims, service principals from
client-credentials tokens, and odd claim values dropped rather than trusted."""

from __future__ import annotations

from pathlib import Path

import pytest

from lakemesh.auth.idp_claims import MAX_GROUPS, read_claims
from lakemesh.auth.oidc import OidcConfig
from lakemesh.core.settings import Settings


def config(tmp_path: Path, **overrides: str) -> OidcConfig:
    settings = Settings(home=tmp_path, oidc_issuer="https://idp.example", oidc_client_id="lakemesh", **overrides)  # type: ignore[arg-type]
    made = OidcConfig.from_settings(settings)
    assert made is not None
    return made


def test_a_person_is_named_by_the_first_present_name_claim(tmp_path: Path) -> None:
    claims = read_claims(config(tmp_path), {"sub": "1", "preferred_username": "ada@corp.example", "name": "Ada"})
    assert (claims.name, claims.email, claims.display_name, claims.is_service) == (
        "ada@corp.example", "ada@corp.example", "Ada", False,
    )  # fmt: skip


@pytest.mark.parametrize(
    "raw",
    [
        {"sub": "app-1", "idtyp": "app", "azp": "app-1"},  # Entra
        {"sub": "0oa-client", "cid": "0oa-client"},  # Okta
        {"sub": "x", "preferred_username": "service-account-etl", "azp": "etl"},  # Keycloak
    ],
)
def test_client_credentials_tokens_are_service_principals(tmp_path: Path, raw: dict[str, str]) -> None:
    claims = read_claims(config(tmp_path), raw)
    assert claims.is_service and claims.email is None and claims.groups == ()


def test_odd_groups_and_emails_are_dropped_not_trusted(tmp_path: Path) -> None:
    raw = {"sub": "1", "email": "not an email", "groups": ["ok", 7, None, "", "x" * 300, "ok", {"a": 1}]}
    claims = read_claims(config(tmp_path), raw)
    assert claims.email is None and claims.groups == ("ok",)
    many = read_claims(config(tmp_path), {"sub": "1", "groups": [f"g{i}" for i in range(5000)]})
    assert len(many.groups) == MAX_GROUPS


def test_none_and_hmac_algorithms_are_never_accepted_whatever_the_setting(tmp_path: Path) -> None:
    made = config(tmp_path, oidc_algorithms="none,HS256,RS256")
    assert made.algorithms == ("RS256",)


def test_unconfigured_means_no_single_sign_on(tmp_path: Path) -> None:
    assert OidcConfig.from_settings(Settings(home=tmp_path)) is None
