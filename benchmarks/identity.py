"""An API read with the company IdP's JWT access token vs with a Lakemesh API token, side by side on one server.

Target (issue 20): the IdP token costs at most 1.1x the Lakemesh token; its keys are cached, so no request calls
the IdP. The JWTs are RS256, signed by a local issuer that serves discovery and JWKS (tests/integration/
token_issuer.py); the server fetches the keys once. Rounds alternate between the two tokens so drift on a shared
machine hits both alike; the figure is the median per-request latency over the rounds.
Run: python benchmarks/identity.py [--requests 300] [--rounds 7]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import httpx
from _harness import start_server

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.integration.token_issuer import TokenIssuer

PATH = "/api/v1/domains/Sales"


def per_request_ms(client: httpx.Client, token: str, requests: int) -> float:
    headers = {"Authorization": f"Bearer {token}"}
    started = time.perf_counter()
    for _ in range(requests):
        response = client.get(PATH, headers=headers)
        if response.status_code != 200:
            raise RuntimeError(f"{response.status_code}: {response.text}")
    return (time.perf_counter() - started) * 1000 / requests


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    issuer = TokenIssuer()
    os.environ.update(issuer.env())
    server = start_server()
    try:
        with httpx.Client(base_url=server.url, timeout=30) as client:
            admin = {"Authorization": f"Bearer {server.token}"}
            client.post("/api/v1/domains", json={"name": "Sales"}, headers=admin).raise_for_status()
            jwt = issuer.token("00u-bench", email="bench@company.com", name="Bench Person")
            client.get("/api/v1/me", headers={"Authorization": f"Bearer {jwt}"}).raise_for_status()  # JIT + keys
            client.post("/api/v1/domains/Sales/members", json={"principal": "bench@company.com", "role": "Viewer"},
                        headers=admin).raise_for_status()  # fmt: skip
            lakemesh = client.post("/api/v1/tokens", json={"principal": "bench@company.com"}, headers=admin)
            lakemesh_token = lakemesh.json()["secret"]
            fetches = issuer.jwks_fetches
            per_request_ms(client, lakemesh_token, 50)  # warm-up, both paths
            per_request_ms(client, jwt, 50)
            token_ms, jwt_ms = [], []
            for _ in range(args.rounds):
                token_ms.append(per_request_ms(client, lakemesh_token, args.requests))
                jwt_ms.append(per_request_ms(client, jwt, args.requests))
    finally:
        server.stop()
        issuer.close()
    token_median, jwt_median = statistics.median(token_ms), statistics.median(jwt_ms)
    print(f"GET {PATH}, {args.rounds} rounds x {args.requests} requests each, one connection, SQLite catalog")
    print(f"{'Lakemesh API token':<28}{token_median:8.3f} ms/request  ({1000 / token_median:7.0f} req/s)")
    print(f"{'IdP JWT (RS256, JWKS cached)':<28}{jwt_median:8.3f} ms/request  ({1000 / jwt_median:7.0f} req/s)")
    print(f"ratio IdP JWT / Lakemesh token: {jwt_median / token_median:.3f}x  (target <= 1.1x)")
    print(f"JWKS fetches during the timed rounds: {issuer.jwks_fetches - fetches}")


if __name__ == "__main__":
    main()
