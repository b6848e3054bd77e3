from datetime import timedelta

import pytest

from lakemesh.auth.models import PrincipalCreate, TokenCreate
from lakemesh.core.clock import FrozenClock
from lakemesh.core.errors import Conflict, Forbidden, NotFound, Unauthorized
from lakemesh.core.settings import Settings
from lakemesh.mesh import Mesh
from lakemesh.platform import Platform
from tests.conftest import user


def test_bootstrap_creates_one_admin_and_an_owner_only_token_file(platform: Platform) -> None:
    path = platform.settings.admin_token_file
    assert path.stat().st_mode & 0o777 == 0o600
    secret = path.read_text().strip()
    assert platform.principals.authenticate(secret).is_platform_admin
    assert platform.initialize() is None  # second start: no new admin, no new secret


def test_tokens_are_stored_only_as_hashes(admin: Mesh) -> None:
    issued = admin.create_token(name="ci")
    from sqlalchemy import select

    from lakemesh.catalog.tables.auth import TokenRow

    with admin.platform.catalog.read() as session:
        stored = [row.token_hash for row in session.scalars(select(TokenRow))]
    assert issued.secret not in stored
    assert all(issued.secret not in t.model_dump_json() for t in admin.list_tokens())


@pytest.mark.parametrize("secret", [None, "", "lm_wrong", "Bearer x" * 50])
def test_missing_or_unknown_tokens_are_refused(platform: Platform, secret: str | None) -> None:
    with pytest.raises(Unauthorized):
        platform.principals.authenticate(secret)


def test_revoked_token_stops_working_at_once(admin: Mesh) -> None:
    issued = admin.create_token(name="temp")
    assert admin.as_principal(issued.secret).whoami().name == "admin"
    admin.revoke_token(issued.id)
    with pytest.raises(Unauthorized):
        admin.as_principal(issued.secret)


def test_expired_token_is_refused(settings: Settings) -> None:
    clock = FrozenClock()
    platform = Platform(settings, clock=clock)
    platform.initialize()
    admin = platform.principals.bootstrap_admin()
    issued = platform.principals.create_token(admin, TokenCreate(name="short", expires_in="1h"))
    assert platform.principals.authenticate(issued.secret).name == "admin"
    clock.advance(timedelta(hours=1, seconds=1))
    with pytest.raises(Unauthorized):
        platform.principals.authenticate(issued.secret)
    platform.close()


def test_users_manage_only_their_own_tokens(admin: Mesh) -> None:
    ana = user(admin, "ana@company.com")
    admin_token = admin.create_token(name="mine")
    with pytest.raises(NotFound):
        ana.revoke_token(admin_token.id)
    with pytest.raises(Forbidden):
        ana.create_token(principal="admin")
    assert {t.principal for t in ana.list_tokens()} == {"ana@company.com"}


def test_only_platform_admins_create_principals(admin: Mesh) -> None:
    ana = user(admin, "ana@company.com")
    with pytest.raises(Forbidden):
        ana.create_principal("bob@company.com")
    with pytest.raises(Conflict):
        admin.create_principal("ANA@company.com")


def test_disabled_principal_loses_its_tokens(admin: Mesh) -> None:
    ana = user(admin, "ana@company.com")
    secret = ana.create_token(name="x").secret
    admin.platform.principals.disable_principal(admin.principal, "ana@company.com")
    with pytest.raises(Unauthorized):
        admin.as_principal(secret)


def test_principal_email_defaults_to_its_name(admin: Mesh) -> None:
    created = admin.platform.principals.create_principal(admin.principal, PrincipalCreate(name="Ana@Company.com"))
    assert created.email == "ana@company.com"
