"""Principals from the IdP, in-process: created once per (issuer, subject), kept current, and each sign-in's
groups handed to the groups hook (group sync plugs in there)."""

from __future__ import annotations

from typing import Any

import pytest

from lakemesh.auth.idp import IdpPrincipals, IdpSignIn
from lakemesh.auth.models import Principal
from lakemesh.auth.oidc import IdentityProvider, OidcConfig
from lakemesh.core.errors import Unauthorized
from lakemesh.platform import Platform


def sign_in_service(platform: Platform, calls: list[tuple[str, list[str]]]) -> IdpSignIn:
    settings = platform.settings.model_copy(update={"oidc_issuer": "https://idp.example", "oidc_client_id": "lm"})
    config = OidcConfig.from_settings(settings)
    assert config is not None
    principals = IdpPrincipals(platform.catalog, platform.clock, link_by_email=True)

    def hook(principal: Principal, names: list[str]) -> None:
        calls.append((principal.name, names))

    return IdpSignIn(IdentityProvider(config), principals, on_groups=hook)


def claims(sub: str, **extra: Any) -> dict[str, Any]:
    return {"iss": "https://idp.example", "sub": sub, **extra}


def test_the_groups_claim_reaches_the_hook_when_it_changes(platform: Platform) -> None:
    calls: list[tuple[str, list[str]]] = []
    idp = sign_in_service(platform, calls)
    idp.sign_in(claims("1", email="ada@corp.example", groups=["sales-data-team"]))
    idp.sign_in(claims("1", email="ada@corp.example", groups=["sales-data-team"]))
    idp.sign_in(claims("1", email="ada@corp.example", groups=[]))
    assert calls == [("ada@corp.example", ["sales-data-team"]), ("ada@corp.example", [])]


def test_the_same_subject_is_one_principal_and_a_new_subject_with_a_taken_name_another(platform: Platform) -> None:
    idp = sign_in_service(platform, [])
    first = idp.sign_in(claims("1", email="ada@corp.example"))
    assert idp.sign_in(claims("1", email="ada@corp.example")).id == first.id
    other = idp.sign_in(claims("2", email="ada@corp.example", email_verified=False))
    assert other.id != first.id and other.name.startswith("ada@corp.example-") and other.email is None


def test_hostile_names_become_safe_principal_names(platform: Platform) -> None:
    idp = sign_in_service(platform, [])
    principal = idp.sign_in(claims("3", preferred_username="../../etc/passwd"))
    assert "/" not in principal.name and ".." not in principal.name


def test_control_characters_never_reach_the_catalog(platform: Platform) -> None:
    idp = sign_in_service(platform, [])
    with pytest.raises(Unauthorized):
        idp.sign_in(claims("bad\x00subject"))
    principal = idp.sign_in(claims("4", email="x\x00@corp.example", name="Eve\x00\x1b[31m", groups=["a\x00"]))
    assert "\x00" not in principal.name and "\x00" not in (principal.display_name or "")
