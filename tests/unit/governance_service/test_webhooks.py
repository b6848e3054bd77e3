"""Webhooks: only http(s) URLs, ownership like policies, HMAC-signed deliveries retried with backoff."""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest

from lakemesh.core.errors import Forbidden, InvalidInput
from lakemesh.governance.destinations import WebhookDestinations
from lakemesh.mesh import Mesh
from tests.conftest import user
from tests.unit.governance_service.conftest import SEED_POLICIES


class Receiver:
    """A local HTTP endpoint that answers with the queued status codes (200 once they run out)."""

    def __init__(self) -> None:
        self.requests: list[tuple[dict[str, str], bytes]] = []
        self.statuses: list[int] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append((dict(self.headers), body))
                self.send_response(receiver.statuses.pop(0) if receiver.statuses else 200)
                self.end_headers()

            def log_message(self, *_: Any) -> None:
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    running = Receiver()
    yield running
    running.server.shutdown()


@pytest.mark.parametrize("url", ["ftp://example.com/hook", "file:///etc/passwd", "javascript:alert(1)", "http://"])
def test_webhooks_must_point_at_http_urls(mesh: Mesh, url: str) -> None:
    with pytest.raises(InvalidInput) as error:
        mesh.create_webhook(url)
    assert error.value.errors[0].loc == ("url",)


def test_only_admins_configure_webhooks_and_secrets_are_shown_once(mesh: Mesh, sales_admin: Mesh) -> None:
    with pytest.raises(Forbidden):
        sales_admin.create_webhook("https://hooks.example.com/all")
    with pytest.raises(Forbidden):
        sales_admin.create_webhook("https://hooks.example.com/m", domain="Marketing")
    issued = sales_admin.create_webhook("https://hooks.example.com/sales", domain="Sales")
    assert len(issued.secret) >= 32 and issued.domain == "sales"
    assert [w.id for w in sales_admin.list_webhooks()] == [issued.id]
    assert not hasattr(sales_admin.list_webhooks()[0], "secret")
    assert user(mesh, "nobody@company.com").list_webhooks() == []


def test_alerts_are_delivered_signed_and_retried(mesh: Mesh, receiver: Receiver) -> None:
    webhooks = mesh.platform.governance.webhooks
    webhooks.wait_seconds = 0.01
    hook = mesh.create_webhook(receiver.url, domain="Sales", secret="s" * 32)
    receiver.statuses = [500, 503]  # two failures, then the third try inside one turn succeeds
    mesh.put_policy(copy.deepcopy(SEED_POLICIES[0]))
    mesh.list_violations()  # catch up
    assert webhooks.run_once() == 2
    deliveries = mesh.list_webhook_deliveries(hook.id)
    assert {d.status for d in deliveries} == {"delivered"} and sorted(d.attempts for d in deliveries) == [1, 3]
    headers, body = receiver.requests[-1]
    expected = "sha256=" + hmac.new(b"s" * 32, body, hashlib.sha256).hexdigest()
    assert headers["X-Lakemesh-Signature"] == expected
    event = json.loads(body)
    assert event["type"] == "governance.violation.opened" and event["domain"] == "sales"
    assert event["payload"]["policy"] == "pii-classification"


def test_a_failing_endpoint_is_retried_later_then_given_up(mesh: Mesh, receiver: Receiver) -> None:
    webhooks = mesh.platform.governance.webhooks
    webhooks.tries, webhooks.wait_seconds = 1, 0.0
    hook = mesh.create_webhook(receiver.url, events=["governance.violation.*"])
    receiver.statuses = [500] * 3
    mesh.put_policy({**SEED_POLICIES[0], "rule": "columns named 'email' must have sensitivity_label is set"})
    mesh.list_violations()
    webhooks.run_once()
    [delivery] = mesh.list_webhook_deliveries(hook.id)
    assert delivery.status == "pending" and delivery.attempts == 1 and delivery.last_error == "HTTP 500"
    assert delivery.next_attempt_at > delivery.created_at
    receiver.statuses = [410]
    assert webhooks.deliver_due() == 0  # not due yet
    assert webhooks.deliver_due(now=delivery.next_attempt_at) == 1
    [delivery] = mesh.list_webhook_deliveries(hook.id)
    assert delivery.status == "failed" and delivery.last_status_code == 410


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.2:8080/hook",  # loopback
        "http://169.254.169.254/latest/meta-data/",  # cloud metadata (link-local)
        "http://10.0.0.5/hook",  # private network
        "http://[::1]:5432/",  # loopback, IPv6, the catalog's port
        "http://localhost:8484/api/v1/principals",  # this server's own API
        "http://100.100.100.200/latest/meta-data/",  # carrier-grade NAT range, a cloud metadata address
        "http://100.64.0.1/",  # carrier-grade NAT
        "http://[2002:7f00:1::]/",  # 6to4 carrying 127.0.0.1
        "http://[::ffff:127.0.0.1]/",  # IPv4-mapped loopback
        "http://[::ffff:169.254.169.254]/",  # IPv4-mapped metadata
        "http://[2001:0:4136:e378:8000:63bf:80ff:fffe]/",  # Teredo carrying 127.0.0.1
        "http://[fd00::1]/",  # unique local
        "http://192.0.2.10/",  # documentation range, not routable
        "http://0.0.0.0:8484/",  # unspecified: reaches this host
        "http://[::]/",
    ],
)
def test_webhooks_may_not_call_internal_addresses_unless_allowed(mesh: Mesh, url: str) -> None:
    with pytest.raises(Forbidden, match="internal address"):
        mesh.create_webhook(url)
    assert mesh.list_webhooks() == []


def test_a_host_that_turns_internal_after_saving_is_never_called(mesh: Mesh, receiver: Receiver) -> None:
    webhooks = mesh.platform.governance.webhooks
    hook = mesh.create_webhook(receiver.url, domain="Sales")
    webhooks.destinations = WebhookDestinations()  # as if its DNS answer had changed to an internal address
    mesh.put_policy(copy.deepcopy(SEED_POLICIES[0]))
    mesh.list_violations()
    webhooks.run_once()
    assert receiver.requests == []
    deliveries = mesh.list_webhook_deliveries(hook.id)
    assert deliveries and all("internal address" in (d.last_error or "") for d in deliveries)


class FlippingResolver:
    """A DNS stub: the first answer for a name is `first`, every later one `then` (a rebinding attacker)."""

    def __init__(self, first: str, then: str) -> None:
        self.first, self.then, self.lookups = first, then, 0

    def __call__(self, host: str, port: int) -> list[str]:
        self.lookups += 1
        return [self.first if self.lookups == 1 else self.then]


def test_a_name_that_rebinds_to_an_internal_address_is_refused_at_delivery(mesh: Mesh) -> None:
    webhooks = mesh.platform.governance.webhooks
    sent: list[str] = []
    webhooks._post = lambda url, body, headers, address: sent.append(address) or 200
    webhooks.destinations = WebhookDestinations(resolver=FlippingResolver("93.184.216.34", "127.0.0.1"))
    hook = mesh.create_webhook("http://rebind.example.test/hook", domain="Sales")  # first answer: public
    mesh.put_policy(copy.deepcopy(SEED_POLICIES[0]))
    mesh.list_violations()
    webhooks.run_once()
    assert sent == []  # nothing was sent; no test traffic leaves loopback
    deliveries = mesh.list_webhook_deliveries(hook.id)
    assert deliveries and all("internal address (127.0.0.1)" in (d.last_error or "") for d in deliveries)


def test_delivery_connects_to_the_checked_address_with_the_name_as_host(mesh: Mesh, receiver: Receiver) -> None:
    """The name is resolved once per delivery, by the check; the HTTP client never resolves it again."""
    webhooks = mesh.platform.governance.webhooks
    resolver = FlippingResolver("127.0.0.1", "127.0.0.1")
    webhooks.destinations = WebhookDestinations("hooks.example.test", resolver=resolver)
    port = receiver.server.server_port
    hook = mesh.create_webhook(f"http://hooks.example.test:{port}/hook", domain="Sales")
    mesh.put_policy(copy.deepcopy(SEED_POLICIES[0]))
    mesh.list_violations()
    lookups = resolver.lookups
    sent = webhooks.run_once()
    assert sent >= 1 and resolver.lookups - lookups == sent  # one lookup per delivery: the checked one
    assert {d.status for d in mesh.list_webhook_deliveries(hook.id)} == {"delivered"}
    headers, _ = receiver.requests[-1]
    assert headers["Host"] == f"hooks.example.test:{port}"  # the system resolver could not have found this name


def test_public_addresses_pass_the_check() -> None:
    destinations = WebhookDestinations(resolver=lambda host, port: ["8.8.8.8", "2606:4700::1111"])
    assert destinations.check("https://hooks.example.com/x") == "8.8.8.8"
