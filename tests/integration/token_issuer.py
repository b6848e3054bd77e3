"""A local token issuer for the tests and the benchmark: a discovery document and a JWKS endpoint over HTTP, and
JWTs signed with its own keys (the test OIDC provider issues opaque access tokens, so JWT cases sign their own).
Keys rotate on demand: the JWKS then serves only the new key, as an IdP does after a rotation."""

from __future__ import annotations

import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from joserfc import jwt
from joserfc.jwk import RSAKey

AUDIENCE = "api://lakemesh"
CLIENT_ID = "lakemesh-web"


class TokenIssuer:
    def __init__(self) -> None:
        self.key = RSAKey.generate_key(2048, parameters={"kid": uuid.uuid4().hex[:12]}, private=True)
        self.jwks_fetches = 0
        issuer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if self.path == "/.well-known/openid-configuration":
                    body: dict[str, Any] = {"issuer": issuer.url, "jwks_uri": f"{issuer.url}/jwks",
                                            "authorization_endpoint": f"{issuer.url}/authorize",
                                            "token_endpoint": f"{issuer.url}/token"}  # fmt: skip
                elif self.path == "/jwks":
                    issuer.jwks_fetches += 1
                    body = {"keys": [issuer.key.as_dict(private=False)]}
                else:
                    self.send_error(404)
                    return
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def env(self) -> dict[str, str]:
        """What a Lakemesh server needs to trust this issuer."""
        return {
            "LAKEMESH_OIDC_ISSUER": self.url,
            "LAKEMESH_OIDC_CLIENT_ID": CLIENT_ID,
            "LAKEMESH_OIDC_AUDIENCE": f"{AUDIENCE},{CLIENT_ID}",
            "LAKEMESH_OIDC_PROVIDER_NAME": "Test IdP",
        }

    def claims(self, sub: str, **extra: Any) -> dict[str, Any]:
        now = int(time.time())
        return {"iss": self.url, "aud": AUDIENCE, "sub": sub, "iat": now, "nbf": now, "exp": now + 600, **extra}

    def sign(self, claims: dict[str, Any], key: RSAKey | None = None, alg: str = "RS256") -> str:
        signing = key or self.key
        return jwt.encode({"alg": alg, "kid": signing.kid}, claims, signing)

    def token(self, sub: str, **extra: Any) -> str:
        return self.sign(self.claims(sub, **extra))

    def rotate(self) -> RSAKey:
        """A new signing key; the old one is no longer published."""
        self.key = RSAKey.generate_key(2048, parameters={"kid": uuid.uuid4().hex[:12]}, private=True)
        return self.key

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
