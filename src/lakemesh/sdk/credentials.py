"""Tokens `lakemesh login` got from the company identity provider, kept per server URL in the user's config
directory (`$XDG_CONFIG_HOME/lakemesh/credentials.json`, 0600), and refreshed when they expire."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

import httpx

_REFRESH_MARGIN = 30  # seconds before expiry a token is refreshed rather than sent


def credentials_file() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "lakemesh" / "credentials.json"


def _read() -> dict[str, Any]:
    try:
        data = json.loads(credentials_file().read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _write(data: dict[str, Any]) -> None:
    """Written to a new 0600 file and renamed over the old one: the tokens are never readable by others."""
    path = credentials_file()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    temporary = path.with_suffix(f".{os.getpid()}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(data, handle, indent=2)
    temporary.replace(path)


def _key(url: str) -> str:
    return url.rstrip("/")


def save(url: str, token: dict[str, Any], *, token_endpoint: str, client_id: str) -> None:
    expires_in = token.get("expires_in")
    entry = {
        "access_token": token["access_token"],
        "refresh_token": token.get("refresh_token"),
        "expires_at": time.time() + float(expires_in) if isinstance(expires_in, int | float) else None,
        "token_endpoint": token_endpoint,
        "client_id": client_id,
    }
    data = _read()
    data[_key(url)] = entry
    _write(data)


def forget(url: str) -> bool:
    data = _read()
    if data.pop(_key(url), None) is None:
        return False
    _write(data)
    return True


def access_token(url: str) -> str | None:
    """The stored token for this server, refreshed first if it expired; None when there is none (or it cannot be
    refreshed: the user signs in again)."""
    entry = _read().get(_key(url))
    if not isinstance(entry, dict) or not isinstance(entry.get("access_token"), str):
        return None
    expires_at = entry.get("expires_at")
    if expires_at is None or float(expires_at) - _REFRESH_MARGIN > time.time():
        return str(entry["access_token"])
    if not entry.get("refresh_token"):
        return None
    form = {"grant_type": "refresh_token", "refresh_token": entry["refresh_token"], "client_id": entry["client_id"]}
    try:
        response = httpx.post(str(entry["token_endpoint"]), data=form, timeout=30)
        response.raise_for_status()
        token = response.json()
    except (httpx.HTTPError, ValueError):
        return None
    if not isinstance(token, dict) or not isinstance(token.get("access_token"), str):
        return None
    token.setdefault("refresh_token", entry["refresh_token"])
    save(url, token, token_endpoint=str(entry["token_endpoint"]), client_id=str(entry["client_id"]))
    return str(token["access_token"])
