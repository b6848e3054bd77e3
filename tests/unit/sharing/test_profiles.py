"""The grantee's personal sharing profile in-process: it follows grants, masks like SQL, and names what it serves."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lakemesh.cli.main import app
from lakemesh.core.errors import Conflict, Forbidden, NotFound
from lakemesh.core.settings import Settings
from tests.unit.access.conftest import World, grant_to


def test_the_profile_serves_what_the_grants_cover_and_follows_them(world: World) -> None:
    with pytest.raises(Conflict, match="request access first"):
        world.analyst.create_sharing_profile()
    with pytest.raises(NotFound):
        world.analyst.get_sharing_profile()
    grant = grant_to(world, world.analyst)
    issued = world.analyst.create_sharing_profile()
    assert issued.profile["bearerToken"] == issued.token and issued.profile["endpoint"].endswith("/delta-sharing")
    (table,) = issued.tables
    assert (table.share, table.schema_name, table.name) == ("grants", "sales", "customer_360")
    assert table.table == "sales.sales_lakehouse.gold_customer_360"
    sql = world.analyst.sql("SELECT * FROM sales.sales_lakehouse.gold_customer_360")
    assert table.columns is not None
    assert {"email", "customer_name"}.isdisjoint(table.columns)  # what SQL masks is not served
    assert set(table.columns) < set(sql.column_names)
    world.owner.revoke_grant(grant)
    assert world.analyst.get_sharing_profile().tables == []  # revoked with the grant, no new profile needed
    grant_to(world, world.analyst, columns=["customer_id", "email"])
    assert world.analyst.get_sharing_profile().tables[0].columns == ["customer_id", "email"]  # named: unmasked
    revoked = world.analyst.revoke_sharing_profile()
    assert revoked.state == "revoked" and revoked.tables == []


def test_creating_a_share_in_another_domain_says_what_to_do_instead(world: World) -> None:
    with pytest.raises(Forbidden) as refused:
        world.analyst.create_share("mine", "Sales")
    assert "lakemesh access profile --out my.share" in str(refused.value)
    assert "may not create share domain" not in str(refused.value)


def test_the_cli_writes_the_profile_file_and_revokes_it(
    world: World, settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    grant_to(world, world.analyst)
    monkeypatch.setenv("LAKEMESH_HOME", str(settings.home))
    monkeypatch.setenv("LAKEMESH_TOKEN", world.admin.create_token(principal="marketing-analyst@company.com").secret)
    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.delenv("LAKEMESH_URL", raising=False)
    if settings.catalog_url:
        monkeypatch.setenv("LAKEMESH_CATALOG_URL", settings.catalog_url)
    out = tmp_path / "my.share"
    made = CliRunner().invoke(app, ["access", "profile", "--out", str(out)])
    assert made.exit_code == 0, made.output
    assert json.loads(out.read_text())["bearerToken"].startswith("lmds_")
    assert out.stat().st_mode & 0o777 == 0o600
    assert "#grants.sales.customer_360" in "".join(made.output.split())
    revoked = CliRunner().invoke(app, ["access", "profile", "--revoke"])
    assert revoked.exit_code == 0 and "revoked" in revoked.output
