"""The table page's Suggestions section: what a scan found, accepted or rejected with a click (3)."""

from __future__ import annotations

from lakemesh.mesh import Mesh
from tests.unit.classification.test_scans import contacts
from tests.unit.metrics.test_web_pages import csrf_of, sign_in

PAGE = "/domains/sales/lakehouses/sales_lakehouse/tables/crm_contacts"


def test_suggestions_are_listed_and_accepting_one_labels_the_column(mesh: Mesh) -> None:
    mesh.write_table("Sales", "sales_lakehouse", "crm_contacts", contacts(100))
    client = sign_in(mesh)
    html = client.get(PAGE).text
    assert (
        "<h2>Suggestions</h2>" in html
        and "100 of 100 sampled" in html
        and "@" not in html.split("<h2>Suggestions")[1].split("</table>")[0]
    )
    contact = next(
        s for s in mesh.classification_suggestions("Sales", "sales_lakehouse", "crm_contacts") if s.column == "contact"
    )
    done = client.post(f"{PAGE}/suggestions/{contact.id}/accept", data={"csrf_token": csrf_of(html)})
    assert done.status_code == 303 and "Suggestion%20accepted" in done.headers["location"]
    after = client.get(PAGE).text
    assert f"suggestion-{contact.id}" not in after
    columns = {c.name: c for c in mesh.get_table("Sales", "sales_lakehouse", "crm_contacts").columns}
    assert columns["contact"].sensitivity_label == "Confidential"
    again = client.post(f"{PAGE}/suggestions/{contact.id}/reject", data={"csrf_token": csrf_of(after)})
    assert again.status_code == 409 and 'id="suggestions-error"' in again.text
