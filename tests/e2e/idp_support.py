"""A real OpenID Connect provider process for the tests (`oidc-provider-mock` from PyPI) and a Lakemesh server
that trusts it. The provider issues opaque access tokens and RS256 ID tokens; its issuer is its own URL."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from tests.conftest import PG_BASE, create_pg_database, drop_pg_database
from tests.integration.conftest import Server, free_port, start_server

CLIENT_ID, CLIENT_SECRET = "lakemesh-web", "test-client-secret"
PROVIDER = "Test IdP"
ADA = {"sub": "00u-ada", "email": "ada@company.com", "email_verified": True, "name": "Ada Lovelace",
       "groups": ["sales-data-team"]}  # fmt: skip


@contextmanager
def mock_idp(log_dir: Path, *users: dict[str, object]) -> Iterator[str]:
    """The provider on a free port; yields its issuer URL."""
    port = free_port()
    claims = [arg for user in users for arg in ("--user-claims", json.dumps(user))]
    log = (log_dir / f"idp-{port}.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "oidc_provider_mock", "--port", str(port), *claims], stdout=log, stderr=log
    )
    issuer = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{issuer}/.well-known/openid-configuration", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        else:
            raise RuntimeError("the test OIDC provider did not start")
        yield issuer
    finally:
        process.terminate()
        process.wait(timeout=20)


@contextmanager
def sso_server(tmp_path_factory: pytest.TempPathFactory, issuer: str) -> Iterator[Server]:
    home = tmp_path_factory.mktemp("sso") / "home"
    catalog_url = create_pg_database(PG_BASE, "lakemesh_sso", migrated=True) if PG_BASE else None
    env = {"LAKEMESH_OIDC_ISSUER": issuer, "LAKEMESH_OIDC_CLIENT_ID": CLIENT_ID,
           "LAKEMESH_OIDC_CLIENT_SECRET": CLIENT_SECRET, "LAKEMESH_OIDC_PROVIDER_NAME": PROVIDER}  # fmt: skip
    with pytest.MonkeyPatch.context() as patch:
        for name, value in env.items():
            patch.setenv(name, value)
        process, server = start_server(home, catalog_url)
    try:
        yield server
    finally:
        process.terminate()
        process.wait(timeout=20)
        if PG_BASE and catalog_url:
            drop_pg_database(PG_BASE, catalog_url)


def environment_without_oidc() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("LAKEMESH_OIDC_")}
