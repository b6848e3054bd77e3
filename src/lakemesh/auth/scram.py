"""SCRAM-SHA-256 (RFC 5802/7677) for API tokens: the verifier stored when a token is created, and the server
side of one exchange, so the SQL endpoint checks a token without the token crossing the network.

Written on hashlib/hmac: `scramp` (pg8000's library) was evaluated, but its server refuses the empty user name
(`n=,`) every PostgreSQL client sends (the server takes the user from the start-up message instead).

A principal may hold several tokens, and the client proves one without naming it. All tokens of a principal
therefore share one salt (derived from the principal's id) and iteration count: the server can send its first
message before it knows which token the client holds, then try the proof against each token's StoredKey. A token
has 256 random bits, so a shared (or even public) salt costs nothing.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass

MECHANISM = "SCRAM-SHA-256"
ITERATIONS = 4096  # PostgreSQL's default scram_iterations; a larger count would only slow down `token create`
_MOCK_KEY = secrets.token_bytes(32)  # per process: mock salts for unknown users are stable, yet unguessable


@dataclass(frozen=True)
class Verifier:
    """What the catalog keeps of a token for SCRAM (base64 fields, as in PostgreSQL's pg_authid)."""

    salt: str
    iterations: int
    stored_key: str
    server_key: str


@dataclass(frozen=True)
class TokenVerifier:
    token_id: str
    verifier: Verifier


class ScramFailed(Exception):
    """The client's proof matches none of the tokens, or a message was malformed."""


def principal_salt(principal_id: str) -> bytes:
    """The salt every token of one principal shares (see the module docstring for why)."""
    return hashlib.sha256(b"lakemesh scram salt\x00" + principal_id.encode()).digest()[:16]


def make_verifier(
    secret: str, principal_id: str, iterations: int = ITERATIONS, *, salt: bytes | None = None
) -> Verifier:
    salt = principal_salt(principal_id) if salt is None else salt
    # Tokens are ASCII (urlsafe base64), so SASLprep leaves them unchanged.
    salted = hashlib.pbkdf2_hmac("sha256", secret.encode(), salt, iterations)
    stored_key = hashlib.sha256(_hmac(salted, b"Client Key")).digest()
    return Verifier(_b64(salt), iterations, _b64(stored_key), _b64(_hmac(salted, b"Server Key")))


class ScramExchange:
    """The server side of one exchange against the verifiers of one principal's active tokens.

    With no verifier (unknown user, or only tokens older than SCRAM support) the exchange still runs with a mock
    salt and fails at the proof, as in PostgreSQL, so a client cannot tell which user names exist.
    """

    def __init__(self, user: str, candidates: list[TokenVerifier]) -> None:
        if candidates:
            newest = candidates[-1].verifier
            key = (newest.salt, newest.iterations)
            # Only tokens with the salt and count the client is told about can be proven.
            self._candidates = [c for c in candidates if (c.verifier.salt, c.verifier.iterations) == key]
        else:
            mock = _hmac(_MOCK_KEY, user.lower().encode())
            self._candidates = [TokenVerifier("", Verifier(_b64(mock[:16]), ITERATIONS, "", ""))]
        self._gs2 = "n,,"
        self._nonce = ""
        self._first_bare = ""
        self._server_first = ""

    def first(self, client_first: str) -> str:
        """server-first-message (r=nonce, s=salt, i=count) for the client-first-message."""
        header, _, bare = _split_gs2(client_first)
        # "y": the client could bind to the channel but we offered no -PLUS mechanism (fine, RFC 5802 5.1);
        # "p=..." asks for binding we did not offer, and an authorization identity is not supported (as in PostgreSQL).
        if header not in ("n,,", "y,,"):
            raise ScramFailed("channel binding and authorization identities are not supported")
        attributes = _attributes(bare)
        client_nonce = attributes.get("r", "")
        if not client_nonce or "m" in attributes:
            raise ScramFailed("malformed client-first-message")
        verifier = self._candidates[0].verifier
        self._gs2 = header
        self._nonce = client_nonce + self._server_nonce()
        self._first_bare = bare
        self._server_first = f"r={self._nonce},s={verifier.salt},i={verifier.iterations}"
        return self._server_first

    def _server_nonce(self) -> str:
        return secrets.token_urlsafe(18)

    def final(self, client_final: str) -> tuple[str, str]:
        """(id of the token the client proved, server-final-message); ScramFailed when it proves none."""
        without_proof, _, proof_part = client_final.rpartition(",p=")
        attributes = _attributes(without_proof)
        channel = base64.b64encode(self._gs2.encode()).decode()
        if not proof_part or attributes.get("c") != channel or attributes.get("r") != self._nonce:
            raise ScramFailed("malformed client-final-message")
        try:
            proof = base64.b64decode(proof_part, validate=True)
        except ValueError as exc:
            raise ScramFailed("malformed proof") from exc
        message = f"{self._first_bare},{self._server_first},{without_proof}".encode()
        for candidate in self._candidates:
            if candidate.token_id and len(proof) == 32 and _proves(candidate.verifier, message, proof):
                signature = _hmac(base64.b64decode(candidate.verifier.server_key), message)
                return candidate.token_id, f"v={_b64(signature)}"
        raise ScramFailed("the proof matches no token")


def _proves(verifier: Verifier, message: bytes, proof: bytes) -> bool:
    stored_key = base64.b64decode(verifier.stored_key)
    client_key = bytes(a ^ b for a, b in zip(proof, _hmac(stored_key, message), strict=True))
    return hmac.compare_digest(hashlib.sha256(client_key).digest(), stored_key)


def _split_gs2(message: str) -> tuple[str, str, str]:
    parts = message.split(",", 2)
    if len(parts) != 3:
        raise ScramFailed("malformed client-first-message")
    return f"{parts[0]},{parts[1]},", "", parts[2]


def _attributes(text: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for item in text.split(","):
        name, sep, value = item.partition("=")
        if sep and len(name) == 1:
            found.setdefault(name, value)
    return found


def _hmac(key: bytes, data: bytes) -> bytes:
    return hmac.new(key, data, hashlib.sha256).digest()


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()
