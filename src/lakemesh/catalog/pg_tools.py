"""pg_dump and pg_restore, run with an argument list (never a shell) and the password only in PGPASSWORD."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

from sqlalchemy.engine import URL, make_url

from lakemesh.core.errors import NotFound, ServiceUnavailable

# Debian/Ubuntu install PostgreSQL client tools here without putting them on PATH.
PG_BIN_DIRS = Path("/usr/lib/postgresql")
_SSL_ENV = {"sslmode": "PGSSLMODE", "sslrootcert": "PGSSLROOTCERT", "sslcert": "PGSSLCERT", "sslkey": "PGSSLKEY"}


def find_pg_tool(name: str) -> str:
    """The pg_dump/pg_restore binary: PATH first, then the newest Debian-style install."""
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(PG_BIN_DIRS.glob(f"*/bin/{name}"), key=_version_key, reverse=True)
    if candidates:
        return str(candidates[0])
    raise NotFound(f"{name} was not found on PATH; install the PostgreSQL client tools (e.g. postgresql-client-15)")


def _version_key(path: Path) -> tuple[int, str]:
    version = path.parent.parent.name
    return (int(version) if version.isdigit() else 0, version)


def pg_connection_args(url: str) -> tuple[list[str], dict[str, str]]:
    """pg_dump/pg_restore arguments and environment for a SQLAlchemy URL (the password only in PGPASSWORD)."""
    parsed: URL = make_url(url)
    args: list[str] = []
    host = parsed.host or _query_value(parsed, "host")
    if host:
        args.append(f"--host={host}")
    if parsed.port:
        args.append(f"--port={parsed.port}")
    if parsed.username:
        args.append(f"--username={parsed.username}")
    args += ["--no-password", f"--dbname={parsed.database or 'postgres'}"]
    env = {key: value for key, value in os.environ.items() if key not in {"PGPASSWORD", *_SSL_ENV.values()}}
    if parsed.password is not None:
        env["PGPASSWORD"] = str(parsed.password)
    for option, variable in _SSL_ENV.items():
        value = _query_value(parsed, option)
        if value:
            env[variable] = value
    return args, env


def _query_value(parsed: URL, key: str) -> str | None:
    value: Any = parsed.query.get(key)
    if isinstance(value, tuple):
        value = value[0] if value else None
    return str(value) if value else None


def run_pg_tool(name: str, url: str, extra: list[str]) -> None:
    """Run one tool against the catalog database; a failure becomes one line from its stderr."""
    connection, env = pg_connection_args(url)
    command = [find_pg_tool(name), *connection, *extra]
    try:
        result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    except OSError as exc:
        raise ServiceUnavailable(f"cannot run {name}: {exc}") from exc
    if result.returncode != 0:
        raise ServiceUnavailable(f"{name} failed: {_first_error(result.stderr)}")


def _first_error(stderr: str) -> str:
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    errors = [line for line in lines if "error" in line.lower() or "fatal" in line.lower()]
    return (errors or lines or ["no message"])[0]
