"""Principal names and e-mails are one case-insensitive namespace, so a lookup by either finds exactly one."""

from __future__ import annotations

import importlib
from datetime import UTC, datetime

import pytest
from sqlalchemy import text

from lakemesh.catalog import migrate
from lakemesh.core.errors import Conflict
from lakemesh.mesh import Mesh
from lakemesh.platform import Platform

NAMESPACE = importlib.import_module("lakemesh.catalog.migrations.versions.0011_principal_namespace")


def test_an_email_belongs_to_one_principal_whatever_its_case(admin: Mesh) -> None:
    admin.create_principal("ada", email="Ada@Company.com")
    with pytest.raises(Conflict, match=r"ada@company\.com"):
        admin.create_principal("ada-2", email="ADA@company.com")


def test_a_name_cannot_be_another_principals_email_nor_the_reverse(admin: Mesh) -> None:
    admin.create_principal("alan", email="alan@company.com")
    with pytest.raises(Conflict):
        admin.create_principal("Alan@Company.com")  # a name equal to alan's e-mail
    admin.create_principal("svc-etl", kind="service")
    admin.create_principal("team@company.com", email=None)
    with pytest.raises(Conflict, match=r"'team@company\.com'"):
        admin.create_principal("imposter", email="TEAM@company.com")  # an e-mail equal to a principal's name
    assert admin.platform.principals.get_principal(admin.principal, "alan@company.com").name == "alan"
    assert admin.platform.principals.get_principal(admin.principal, "TEAM@COMPANY.COM").name == "team@company.com"


def test_the_catalog_refuses_a_second_row_with_the_same_email(platform: Platform) -> None:
    """Even a write that skips the service (a concurrent create) cannot give one e-mail to two principals."""
    insert = text(
        "INSERT INTO principals (id, name, key, kind, email, platform_role, disabled, created_at) "
        "VALUES (:id, :name, :name, 'user', :email, 'user', false, :at)"
    )
    now = datetime.now(UTC)
    with platform.catalog.engine.begin() as connection:
        connection.execute(insert, {"id": "prn_a", "name": "a", "email": "same@x.org", "at": now})
    with pytest.raises(Exception, match=r"(?i)unique|duplicate"), platform.catalog.engine.begin() as connection:
        connection.execute(insert, {"id": "prn_b", "name": "b", "email": "SAME@x.org", "at": now})


def test_the_migration_stops_and_lists_existing_clashes(platform: Platform) -> None:
    migrate.downgrade(platform.catalog, "0010")
    insert = text(
        "INSERT INTO principals (id, name, key, kind, email, platform_role, disabled, created_at) "
        "VALUES (:id, :name, :key, 'user', :email, 'user', false, :at)"
    )
    now = datetime.now(UTC)
    rows = [
        ("prn_1", "grace", "grace", "shared@x.org"),
        ("prn_2", "grace-2", "grace-2", "Shared@X.org"),
        ("prn_3", "hopper@x.org", "hopper@x.org", None),
        ("prn_4", "hopper", "hopper", "hopper@x.org"),
    ]
    with platform.catalog.engine.begin() as connection:
        for id_, name, key, email in rows:
            connection.execute(insert, {"id": id_, "name": name, "key": key, "email": email, "at": now})
    with pytest.raises(RuntimeError) as stopped:
        migrate.upgrade(platform.catalog)
    report = str(stopped.value)
    assert "'shared@x.org' is held by 2 principals: 'grace' (prn_1), 'grace-2' (prn_2)" in report
    assert "name 'hopper@x.org' (prn_3) is the e-mail of principal 'hopper' (prn_4)" in report
    assert migrate.current_revision(platform.catalog) == "0010"  # nothing half-done
    with platform.catalog.engine.begin() as connection:
        connection.execute(text("UPDATE principals SET email = NULL WHERE id IN ('prn_2', 'prn_4')"))
    migrate.upgrade(platform.catalog)
    assert migrate.is_current(platform.catalog) and NAMESPACE.clashes is not None
