"""`lakemesh login`: sign the CLI in through the company identity provider, so no API token is pasted.

The device authorization flow when the provider offers it (sign in on any device with a short code), else the
browser and a loopback redirect to 127.0.0.1 with PKCE. The token is kept per server in the user's config (0600)
and used whenever LAKEMESH_URL names that server and LAKEMESH_TOKEN is not set.
"""

from __future__ import annotations

import hmac
import os
import secrets
import threading
import time
import webbrowser
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Annotated, Any
from urllib.parse import parse_qs, urlparse

import httpx
import typer

from lakemesh.core.errors import BadRequest, NotFound, ServiceUnavailable, Unauthorized
from lakemesh.sdk import credentials

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
WAIT_SECONDS = 300


def register(app: typer.Typer) -> None:
    app.command("login")(login)
    app.command("logout")(logout)


def _server_url(url: str | None) -> str:
    chosen = url or os.environ.get("LAKEMESH_URL")
    if not chosen:
        raise BadRequest("Name the server: `lakemesh login --url https://lakemesh.example.com` (or set LAKEMESH_URL)")
    return chosen.rstrip("/")


def login(
    url: Annotated[str | None, typer.Option(help="The Lakemesh server (default: LAKEMESH_URL).")] = None,
    no_browser: Annotated[
        bool, typer.Option("--no-browser", help="Print the sign-in link instead of opening a browser.")
    ] = False,
    client_secret: Annotated[
        str | None,
        typer.Option(
            envvar="LAKEMESH_LOGIN_CLIENT_SECRET",
            help="Only for providers whose desktop-app clients carry a (non-confidential) secret, e.g. Google.",
        ),
    ] = None,
) -> None:
    """Sign in with the company identity provider; the token is stored for this server (0600)."""
    server = _server_url(url)
    sso = _json("GET", f"{server}/api/v1/sso", missing="This server has no single sign-on; use an API token")
    metadata = _json("GET", str(sso["issuer"]).rstrip("/") + "/.well-known/openid-configuration")
    if metadata.get("issuer") != sso["issuer"]:
        raise ServiceUnavailable("The identity provider's discovery document names another issuer")
    client_id, scopes = str(sso["client_id"]), str(sso["scopes"])
    if metadata.get("device_authorization_endpoint"):
        token = _device_flow(metadata, client_id, scopes)
    else:
        token = _loopback_flow(metadata, client_id, scopes, client_secret, open_browser=not no_browser)
    credentials.save(server, token, token_endpoint=str(metadata["token_endpoint"]), client_id=client_id)
    who = httpx.get(f"{server}/api/v1/me", headers={"Authorization": f"Bearer {token['access_token']}"}, timeout=30)
    if who.status_code != 200:
        credentials.forget(server)
        raise Unauthorized("The server does not accept the identity provider's token; ask your admin")
    print(f"Signed in to {server} as {who.json()['name']} (token stored in {credentials.credentials_file()})")


def logout(
    url: Annotated[str | None, typer.Option(help="The Lakemesh server (default: LAKEMESH_URL).")] = None,
) -> None:
    """Forget the token `lakemesh login` stored for this server."""
    server = _server_url(url)
    print(f"Signed out of {server}" if credentials.forget(server) else f"Not signed in to {server}")


def _json(method: str, url: str, *, missing: str | None = None, **kwargs: Any) -> dict[str, Any]:
    try:
        response = httpx.request(method, url, timeout=30, **kwargs)
    except httpx.HTTPError as exc:
        raise ServiceUnavailable(f"Cannot reach {url}: {exc}") from exc
    if response.status_code == 404 and missing:
        raise NotFound(missing)
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise ServiceUnavailable(f"{url} answered {response.status_code} without JSON")
    if response.status_code >= 400 and "error" not in body:
        raise ServiceUnavailable(f"{url} answered {response.status_code}")
    return body


def _device_flow(metadata: dict[str, Any], client_id: str, scopes: str) -> dict[str, Any]:
    start = _json(
        "POST", str(metadata["device_authorization_endpoint"]), data={"client_id": client_id, "scope": scopes}
    )
    if "device_code" not in start:
        raise Unauthorized(f"The identity provider refused the sign-in: {start.get('error', 'no device code')}")
    link = start.get("verification_uri_complete") or start.get("verification_uri")
    print(f"To sign in, open {link} and enter the code {start.get('user_code')}")
    interval = float(start.get("interval", 5))
    deadline = time.monotonic() + float(start.get("expires_in", WAIT_SECONDS))
    while time.monotonic() < deadline:
        time.sleep(interval)
        form = {"grant_type": DEVICE_GRANT, "device_code": start["device_code"], "client_id": client_id}
        token = _json("POST", str(metadata["token_endpoint"]), data=form)
        if "access_token" in token:
            return token
        if token.get("error") == "slow_down":
            interval += 5
        elif token.get("error") != "authorization_pending":
            raise Unauthorized(f"Sign-in did not complete: {token.get('error', 'unknown error')}")
    raise Unauthorized("Sign-in timed out; run `lakemesh login` again")


class _Callback(BaseHTTPRequestHandler):
    """Receives the one redirect back from the provider on 127.0.0.1."""

    received: dict[str, str]

    def do_GET(self) -> None:
        query = parse_qs(urlparse(self.path).query)
        if urlparse(self.path).path != "/callback":
            self.send_error(404)
            return
        type(self).received = {k: v[0] for k, v in query.items()}
        body = b"Signed in. You can close this tab and return to the terminal."
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        return


def _loopback_flow(
    metadata: dict[str, Any], client_id: str, scopes: str, client_secret: str | None, *, open_browser: bool
) -> dict[str, Any]:
    from authlib.integrations.httpx_client import OAuth2Client

    handler: type[_Callback] = type("Callback", (_Callback,), {"received": {}})
    listener = HTTPServer(("127.0.0.1", 0), handler)
    redirect_uri = f"http://127.0.0.1:{listener.server_address[1]}/callback"
    state, verifier = secrets.token_urlsafe(24), secrets.token_urlsafe(48)
    client = OAuth2Client(
        client_id=client_id,
        client_secret=client_secret,
        # A public client: PKCE instead of a secret (a desktop app's "secret" is no secret where one is required)
        token_endpoint_auth_method="client_secret_post" if client_secret else "none",
        scope=scopes,
        redirect_uri=redirect_uri,
        code_challenge_method="S256",
        timeout=30.0,
    )
    with client:
        link, _ = client.create_authorization_url(
            str(metadata["authorization_endpoint"]), state=state, code_verifier=verifier
        )
        print(f"To sign in, open {link}", flush=True)
        if open_browser:
            webbrowser.open(link)
        waiter = threading.Thread(target=_wait_for_redirect, args=(listener, handler), daemon=True)
        waiter.start()
        waiter.join(WAIT_SECONDS)
        listener.server_close()
        received: dict[str, str] = handler.received
        if not received:
            raise Unauthorized("Sign-in timed out; run `lakemesh login` again")
        if "code" not in received or not hmac.compare_digest(received.get("state", ""), state):
            raise Unauthorized(f"Sign-in did not complete: {received.get('error', 'the answer did not match')}")
        token: dict[str, Any] = dict(client.fetch_token(str(metadata["token_endpoint"]), code=received["code"],
                                                         code_verifier=verifier))  # fmt: skip
    return token


def _wait_for_redirect(listener: HTTPServer, handler: type[_Callback]) -> None:
    """Serve until the callback arrives (a stray request such as /favicon.ico does not end the wait)."""
    listener.timeout = 1
    deadline = time.monotonic() + WAIT_SECONDS
    while not handler.received and time.monotonic() < deadline:
        listener.handle_request()
