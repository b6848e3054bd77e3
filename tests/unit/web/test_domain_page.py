"""Owner pages (30.4, part): the domain page lists its products, the member form defaults to Viewer, removal asks
for confirmation, and an unknown person is an inline error with the typed name kept."""

from __future__ import annotations

from lakemesh.mesh import Mesh
from tests.unit.metrics.test_web_pages import csrf_of, sign_in


def test_domain_page_lists_products_defaults_to_viewer_and_confirms_removal(mesh: Mesh) -> None:
    html = sign_in(mesh).get("/domains/sales").text
    assert '<a href="/products/sales/customer-360">Customer 360</a>' in html
    assert "<option selected>Viewer</option>" in html and "<option selected>Admin</option>" not in html
    assert 'class="danger"' in html and 'data-confirm="Remove ' in html


def test_adding_an_unknown_person_is_an_inline_error(mesh: Mesh) -> None:
    client = sign_in(mesh)
    token = csrf_of(client.get("/domains/sales").text)
    response = client.post(
        "/domains/sales/members", data={"principal": "nobody@company.com", "role": "Viewer", "csrf_token": token}
    )
    assert response.status_code in (404, 422)
    assert 'role="alert"' in response.text and "<h2>Members</h2>" in response.text
    assert 'value="nobody@company.com"' in response.text
