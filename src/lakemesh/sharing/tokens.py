"""Recipient bearer tokens (shown once, stored hashed) and short-lived HMAC-signed file URLs."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import IntegrityError

from lakemesh.catalog import Catalog
from lakemesh.catalog.keys import KeyStore
from lakemesh.catalog.tables.sharing import SharingSettingRow
from lakemesh.core.clock import Clock
from lakemesh.core.errors import Forbidden

RECIPIENT_PREFIX = "lmds_"
SIGNING_KEY = "url-signing-key"


def new_recipient_token() -> str:
    return RECIPIENT_PREFIX + secrets.token_urlsafe(32)


def token_prefix(token: str) -> str:
    return token[: len(RECIPIENT_PREFIX) + 6]


@dataclass(frozen=True)
class SignedFile:
    """What a signed URL grants: one file (relative to the data root), to one recipient, until `expires`."""

    path: str
    recipient_id: str
    expires: int
    scope: str | None = None  # `<share table id>:<fingerprint of the exposed columns>`, checked again when served


def _key_bytes(text: str) -> bytes:
    """Generated (and older catalogs') keys are hex; a key set by hand in the environment may be any text."""
    try:
        return bytes.fromhex(text)
    except ValueError:
        return text.encode()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class UrlSigner:
    """HMAC-SHA256 over the file, the recipient and the expiry, with a key kept in the catalog (shared by replicas)."""

    def __init__(self, catalog: Catalog, clock: Clock, keys: KeyStore | None = None) -> None:
        self._catalog = catalog
        self._clock = clock
        self._keys = keys
        self._key: bytes | None = None

    def key(self) -> bytes:
        if self._key is not None:
            return self._key
        if self._keys is not None:  # a 0600 key file (or env), moved out of the catalog on first use
            self._key = _key_bytes(self._keys.get(SIGNING_KEY, legacy=self._legacy))
            with self._catalog.transaction() as session:
                session.query(SharingSettingRow).filter(SharingSettingRow.key == SIGNING_KEY).delete()
            return self._key
        with self._catalog.read() as session:
            row = session.get(SharingSettingRow, SIGNING_KEY)
        if row is None:
            try:
                with self._catalog.transaction() as session:
                    value = {"key": secrets.token_hex(32)}
                    session.add(SharingSettingRow(key=SIGNING_KEY, value=value, updated_at=self._clock.now()))
            except IntegrityError:  # another replica created it first; use theirs
                pass
            with self._catalog.read() as session:
                row = session.get(SharingSettingRow, SIGNING_KEY)
        if row is None:
            raise RuntimeError("the URL signing key could not be created")
        self._key = bytes.fromhex(str(row.value["key"]))
        return self._key

    def _legacy(self) -> str | None:
        with self._catalog.read() as session:
            row = session.get(SharingSettingRow, SIGNING_KEY)
            return str(row.value["key"]) if row else None

    def sign(self, path: str, recipient_id: str, expires: datetime, scope: str | None = None) -> str:
        grant: dict[str, object] = {"p": path, "r": recipient_id, "e": int(expires.timestamp())}
        if scope is not None:
            grant["s"] = scope
        payload = _b64(json.dumps(grant).encode())
        return f"{payload}.{self._mac(payload)}"

    def verify(self, token: str) -> SignedFile:
        """The signed grant; a forged, tampered or expired URL is Forbidden (and says which, never why beyond that)."""
        payload, _, mac = token.partition(".")
        # Bytes, not str: compare_digest refuses non-ASCII text with a TypeError (a 500 on `/files/a.é`).
        expected = self._mac(payload).encode()
        if not payload or not mac or not hmac.compare_digest(mac.encode("utf-8", "replace"), expected):
            raise Forbidden("The file URL is not valid (its signature does not match)")
        try:
            data = json.loads(_unb64(payload))
            scope = data.get("s")
            signed = SignedFile(
                path=str(data["p"]),
                recipient_id=str(data["r"]),
                expires=int(data["e"]),
                scope=None if scope is None else str(scope),
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise Forbidden("The file URL is not valid") from exc
        if signed.expires < int(self._clock.now().timestamp()):
            raise Forbidden("The file URL has expired; query the table again for fresh URLs")
        return signed

    def _mac(self, payload: str) -> str:
        return _b64(hmac.new(self.key(), payload.encode(), hashlib.sha256).digest())
