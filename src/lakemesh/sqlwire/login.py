"""Signing in over the wire with SCRAM-SHA-256 (SASL messages of the PostgreSQL protocol), and what a
connection keeps to re-check its token before every statement."""

from __future__ import annotations

import asyncio
import struct
from dataclasses import dataclass

from lakemesh.auth.models import Principal
from lakemesh.auth.scram import MECHANISM, ScramExchange, ScramFailed
from lakemesh.core.errors import Unauthorized
from lakemesh.platform import Platform
from lakemesh.sqlwire import messages as m

SASL, SASL_CONTINUE, SASL_FINAL = 10, 11, 12
_OLD_TOKENS = (
    "A token created before SCRAM support (catalog migration 0022) has no SCRAM verifier: re-create it with "
    "`lakemesh token create`, or connect with sslmode=require to a server with a TLS certificate."
)


@dataclass(frozen=True)
class Credential:
    """How the connection signed in: a token's secret (cleartext) or the id of the token SCRAM proved."""

    secret: str | None = None
    token_id: str | None = None

    def check(self, platform: Platform) -> Principal:
        """The principal, checked again now (a revoked or expired token raises Unauthorized)."""
        if self.token_id is not None:
            return platform.principals.authenticate_token_id(self.token_id)
        return platform.authenticate(self.secret)


def failed(user: str, *, scram: bool) -> bytes:
    """28P01 as PostgreSQL words it; after SCRAM, the hint for tokens that predate verifiers."""
    message = f'password authentication failed for user "{user}"'
    return m.error_response("28P01", message, severity="FATAL", hint=_OLD_TOKENS if scram else None)


async def cleartext(
    platform: Platform, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
) -> tuple[Principal, Credential] | None:
    """Ask for the token as a password (only over TLS, or from loopback when the setting allows it)."""
    writer.write(m.message(b"R", struct.pack("!i", 3)))  # AuthenticationCleartextPassword
    await writer.drain()
    kind, payload = await m.read_message(reader)
    if kind != b"p":
        return None
    secret = payload.rstrip(b"\x00").decode(errors="replace")
    try:
        principal = await asyncio.to_thread(platform.authenticate, secret)
    except Unauthorized:
        return None
    return principal, Credential(secret=secret)


async def scram(
    platform: Platform, user: str, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
) -> tuple[Principal, Credential] | None:
    """Run the SASL exchange; the principal and its proven token, or None when the proof fails."""
    candidates = await asyncio.to_thread(platform.principals.scram_verifiers, user)
    exchange = ScramExchange(user, candidates)
    writer.write(m.message(b"R", struct.pack("!i", SASL) + m.cstring(MECHANISM) + b"\x00"))
    await writer.drain()
    kind, payload = await m.read_message(reader)
    if kind != b"p":
        return None
    data = m.Payload(payload)
    mechanism = data.string()
    size = data.int32()
    if mechanism != MECHANISM or size < 0:
        return None
    try:
        server_first = exchange.first(data.raw(size).decode())
        writer.write(m.message(b"R", struct.pack("!i", SASL_CONTINUE) + server_first.encode()))
        await writer.drain()
        kind, payload = await m.read_message(reader)
        if kind != b"p":
            return None
        token_id, server_final = exchange.final(payload.decode())
    except (ScramFailed, UnicodeDecodeError):
        return None
    try:
        principal = await asyncio.to_thread(platform.principals.authenticate_token_id, token_id)
    except Unauthorized:
        return None  # revoked between the lookup and the proof
    writer.write(m.message(b"R", struct.pack("!i", SASL_FINAL) + server_final.encode()))
    return principal, Credential(token_id=token_id)
