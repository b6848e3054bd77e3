"""Signing in to the SQL endpoint: SCRAM-SHA-256 without TLS, the token as a password over TLS, and what happens
to tokens created before SCRAM verifiers existed. Real psql and psycopg against a real `lakemesh serve`."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import psycopg
import pytest
import sqlalchemy as sa

from tests.conftest import PG_BASE, create_pg_database, drop_pg_database
from tests.integration.conftest import Server, start_server


@dataclass
class TlsServer:
    server: Server
    catalog_url: str

    def dsn(self, **extra: Any) -> dict[str, Any]:
        return {"host": "127.0.0.1", "port": self.server.env["LAKEMESH_SQL_PORT"], "user": "admin",
                "dbname": "lakemesh", "password": self.server.token, "sslmode": "disable", **extra}  # fmt: skip

    def token(self) -> dict[str, str]:
        with self.server.client() as http:
            issued: dict[str, str] = http.post("/api/v1/tokens", json={"name": "bi"}).json()
        return issued


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TlsServer]:
    """A certificate and no cleartext setting: plain connections must use SCRAM."""
    home = tmp_path_factory.mktemp("sqlwire-tls") / "home"
    cert, key = home.parent / "cert.pem", home.parent / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    catalog_url = create_pg_database(PG_BASE, "lakemesh_sqlauth") if PG_BASE else None
    settings = {"LAKEMESH_SQL_TLS_CERT": str(cert), "LAKEMESH_SQL_TLS_KEY": str(key),
                "LAKEMESH_SQL_ALLOW_CLEARTEXT_LOOPBACK": "false"}  # fmt: skip
    os.environ.update(settings)
    try:
        process, server = start_server(home, catalog_url)
    finally:
        for name in settings:
            os.environ.pop(name, None)
    yield TlsServer(server, catalog_url or f"sqlite:///{home / 'catalog.db'}")
    process.terminate()
    process.wait(timeout=20)
    if PG_BASE and catalog_url:
        drop_pg_database(PG_BASE, catalog_url)


def _psql(dsn: dict[str, Any], sql: str) -> subprocess.CompletedProcess[str]:
    conninfo = " ".join(f"{k}='{v}'" for k, v in dsn.items())
    return subprocess.run(["psql", conninfo, "-X", "-A", "-t", "-c", sql], capture_output=True, text=True,
                          timeout=60, check=False)  # fmt: skip


def _forget_verifier(tls: TlsServer, token_id: str) -> None:
    """What migration 0022 leaves for a token created before it: no SCRAM verifier."""
    engine = sa.create_engine(tls.catalog_url)
    with engine.begin() as connection:
        connection.execute(
            sa.text("UPDATE tokens SET scram_salt = NULL, scram_iterations = NULL, scram_stored_key = NULL, "
                    "scram_server_key = NULL WHERE id = :id"),
            {"id": token_id},
        )  # fmt: skip
    engine.dispose()


def test_plain_psql_and_psycopg_sign_in_with_scram(tls_server: TlsServer) -> None:
    issued = tls_server.token()
    dsn = tls_server.dsn(password=issued["secret"])
    done = _psql(dsn, "SELECT 40 + 2")  # psql 15's libpq has no require_auth; cleartext is refused here
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "42"
    with psycopg.connect(**dsn, require_auth="scram-sha-256") as connection:
        assert not connection.pgconn.ssl_in_use
        assert connection.execute("SELECT 1 + 1").fetchone() == (2,)
    # The first token (from `lakemesh init`) works too: every token of a principal is tried.
    with psycopg.connect(**tls_server.dsn(require_auth="scram-sha-256")) as connection:
        assert connection.execute("SELECT 1").fetchone() == (1,)


def test_over_tls_the_token_is_the_password(tls_server: TlsServer) -> None:
    with psycopg.connect(**tls_server.dsn(sslmode="require", require_auth="password")) as connection:
        assert connection.pgconn.ssl_in_use
        assert connection.execute("SELECT 1").fetchone() == (1,)


def test_a_wrong_token_fails_with_28p01(tls_server: TlsServer) -> None:
    wrong = tls_server.dsn(password="lm_" + "x" * 43)
    done = _psql(wrong, "SELECT 1")
    assert done.returncode != 0
    assert 'password authentication failed for user "admin"' in done.stderr
    with pytest.raises(psycopg.OperationalError, match="password authentication failed") as failed:
        psycopg.connect(**wrong).close()
    assert failed.value.sqlstate in (None, "28P01")
    # An unknown user is told the same, after the same exchange.
    with pytest.raises(psycopg.OperationalError, match='failed for user "nobody"'):
        psycopg.connect(**tls_server.dsn(user="nobody")).close()


def test_a_revoked_token_fails_and_its_open_connection_ends(tls_server: TlsServer) -> None:
    issued = tls_server.token()
    dsn = tls_server.dsn(password=issued["secret"])
    with psycopg.connect(**dsn, autocommit=True) as connection:
        assert connection.execute("SELECT 1").fetchone() == (1,)
        with tls_server.server.client() as http:
            assert http.delete(f"/api/v1/tokens/{issued['id']}").status_code in (200, 204)
        with pytest.raises(psycopg.Error) as refused:
            connection.execute("SELECT 1")
        assert refused.value.sqlstate == "28000" or connection.closed
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        psycopg.connect(**dsn).close()


def test_a_token_older_than_scram_is_told_to_be_recreated_and_still_works_over_tls(tls_server: TlsServer) -> None:
    issued = tls_server.token()
    _forget_verifier(tls_server, issued["id"])
    old = tls_server.dsn(password=issued["secret"])
    done = _psql(old, "SELECT 1")
    assert done.returncode != 0
    assert "re-create it with `lakemesh token create`" in done.stderr
    with pytest.raises(psycopg.OperationalError, match="re-create it"):
        psycopg.connect(**old).close()
    with psycopg.connect(**{**old, "sslmode": "require"}) as connection:
        assert connection.execute("SELECT 1").fetchone() == (1,)
    # Over REST it never mattered.
    with tls_server.server.client(issued["secret"]) as http:
        assert http.get("/api/v1/tokens").status_code == 200


def test_no_api_shows_a_verifier(tls_server: TlsServer) -> None:
    issued = tls_server.token()
    engine = sa.create_engine(tls_server.catalog_url)
    with engine.connect() as connection:
        stored = connection.execute(
            sa.text("SELECT scram_salt, scram_stored_key, scram_server_key, scram_iterations FROM tokens "
                    "WHERE id = :id"), {"id": issued["id"]}
        ).one()  # fmt: skip
    engine.dispose()
    assert stored.scram_iterations == 4096
    with tls_server.server.client() as http:
        bodies = [str(issued), http.get("/api/v1/tokens").text, http.get("/api/v1/tokens?principal=admin").text,
                  http.get("/api/v1/audit", params={"limit": 200}).text]  # fmt: skip
    for body in bodies:
        assert "scram" not in body.lower()
        for secret in (stored.scram_salt, stored.scram_stored_key, stored.scram_server_key):
            assert secret not in body


def test_odbc_and_jdbc_drivers_sign_in_with_scram(tls_server: TlsServer) -> None:
    """Power BI / Excel (psqlODBC) and DBeaver / Tableau (JDBC) without TLS: SCRAM, no setting needed."""
    from tests.integration.test_sql_endpoint_drivers import JDBC_JAR, PROBE

    dsn = tls_server.dsn()
    pyodbc = pytest.importorskip("pyodbc")
    if "PostgreSQL Unicode" in pyodbc.drivers():
        connection = pyodbc.connect(
            f"Driver={{PostgreSQL Unicode}};Server=127.0.0.1;Port={dsn['port']};Database=lakemesh;Uid=admin;"
            f"Pwd={dsn['password']};SSLmode=disable",
            autocommit=True,
        )
        assert connection.cursor().execute("SELECT ? AS v", "scram").fetchone()[0] == "scram"
        connection.close()
    if JDBC_JAR.exists():
        url = f"jdbc:postgresql://127.0.0.1:{dsn['port']}/lakemesh?sslmode=disable"
        done = subprocess.run(
            ["java", "-cp", str(JDBC_JAR), str(PROBE), url, "admin", dsn["password"], "none", "none",
             "SELECT ? AS v", "scram"],
            capture_output=True, text=True, timeout=180, check=False,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr[-3000:]
        assert "row5\tscram" in done.stdout.splitlines()
        wrong = subprocess.run(
            ["java", "-cp", str(JDBC_JAR), str(PROBE), url, "admin", "lm_wrong", "none", "none", "SELECT 1", "x"],
            capture_output=True, text=True, timeout=180, check=False,
        )  # fmt: skip
        assert wrong.returncode != 0
        assert "password authentication failed" in wrong.stderr
