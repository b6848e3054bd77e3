"""`lakemesh login` against a real OpenID Connect provider process: the loopback redirect with PKCE (the test
provider has no device flow), the token stored 0600 under the user's config, then used by every command for that
server, accepted by the server through the provider's userinfo (the provider's access tokens are opaque)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.e2e.idp_support import ADA, mock_idp, sso_server
from tests.integration.conftest import Server

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def idp_and_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Server]]:
    logs = tmp_path_factory.mktemp("idp-cli-logs")
    with mock_idp(logs, ADA) as issuer, sso_server(tmp_path_factory, issuer) as server:
        yield issuer, server


def cli_env(config: Path, server: Server) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LAKEMESH_")}
    return {**env, "XDG_CONFIG_HOME": str(config), "LAKEMESH_URL": server.url, "PYTHONUNBUFFERED": "1"}


def test_login_stores_a_private_token_that_commands_then_use(
    idp_and_server: tuple[str, Server], tmp_path: Path
) -> None:
    _, server = idp_and_server
    env = cli_env(tmp_path / "config", server)
    login = subprocess.Popen(
        # oidc-provider-mock accepts no public clients (no `none` token endpoint auth): any secret passes there.
        [sys.executable, "-m", "lakemesh.cli.main", "login", "--no-browser", "--client-secret", "any"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert login.stdout is not None
    line = login.stdout.readline()
    assert line.startswith("To sign in, open "), line
    authorize = line.removeprefix("To sign in, open ").strip()
    assert "code_challenge_method=S256" in authorize and "redirect_uri=http%3A%2F%2F127.0.0.1" in authorize
    # The person approves at the provider, whose redirect lands on the CLI's loopback listener.
    approved = httpx.post(authorize, data={"sub": ADA["sub"]}, follow_redirects=False, timeout=30)
    assert approved.status_code in {302, 303}, approved.text
    assert httpx.get(approved.headers["location"], timeout=30).status_code == 200
    output, _ = login.communicate(timeout=120)
    assert login.returncode == 0, output
    assert "Signed in to" in output and "as ada@company.com" in output

    stored = tmp_path / "config" / "lakemesh" / "credentials.json"
    assert stored.stat().st_mode & 0o777 == 0o600
    assert server.url in json.loads(stored.read_text())

    whoami = subprocess.run(
        [sys.executable, "-m", "lakemesh.cli.main", "domain", "list"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert whoami.returncode == 0, whoami.stdout + whoami.stderr

    logout = subprocess.run(
        [sys.executable, "-m", "lakemesh.cli.main", "logout"], env=env, capture_output=True, text=True, check=False
    )
    assert "Signed out" in logout.stdout
    after = subprocess.run(
        [sys.executable, "-m", "lakemesh.cli.main", "domain", "list"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert after.returncode != 0 and "lakemesh login" in (after.stdout + after.stderr)


def test_login_to_a_server_without_single_sign_on_says_so(idp_and_server: tuple[str, Server], tmp_path: Path) -> None:
    issuer, _ = idp_and_server  # any server answering 404 on /api/v1/sso: this one has no Lakemesh at all
    env = {**os.environ, "XDG_CONFIG_HOME": str(tmp_path / "config")}
    result = subprocess.run(
        [sys.executable, "-m", "lakemesh.cli.main", "login", "--url", issuer],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0 and "no single sign-on" in (result.stdout + result.stderr)
    assert not (tmp_path / "config" / "lakemesh" / "credentials.json").exists()


def test_an_opaque_idp_token_that_the_provider_does_not_know_is_401(idp_and_server: tuple[str, Server]) -> None:
    _, server = idp_and_server
    response = httpx.get(f"{server.url}/api/v1/me", headers={"Authorization": "Bearer not-a-real-opaque-token"})
    assert response.status_code == 401 and response.json()["detail"] == "Invalid, expired or revoked token"
