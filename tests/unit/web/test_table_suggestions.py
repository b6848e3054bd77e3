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


def test_the_governance_page_lists_what_the_viewer_may_decide_and_returns_there(mesh: Mesh) -> None:
    mesh.write_table("Sales", "sales_lakehouse", "crm_contacts", contacts(100))
    client = sign_in(mesh)
    html = client.get("/governance").text
    assert html.count('id="classification-suggestions"') == 1 and "<h2" not in html.split("</title>")[0]
    section = html.split('id="classification-suggestions"')[1]
    assert "sales.sales_lakehouse.crm_contacts" in section and "found by a scan" in section and "@" not in section
    contact = next(
        s for s in mesh.classification_suggestions("Sales", "sales_lakehouse", "crm_contacts") if s.column == "contact"
    )
    assert 'aria-label="Accept email on sales.sales_lakehouse.crm_contacts.contact"' in section
    form = {"csrf_token": csrf_of(html), "back": "governance"}
    done = client.post(f"{PAGE}/suggestions/{contact.id}/accept", data=form)
    assert done.status_code == 303 and done.headers["location"].startswith("/governance?notice=Suggestion%20accepted")
    after = client.get(done.headers["location"]).text
    assert "Suggestion accepted: sales.sales_lakehouse.crm_contacts.contact as email" in after
    assert f"suggestion-{contact.id}" not in after
    columns = {c.name: c for c in mesh.get_table("Sales", "sales_lakehouse", "crm_contacts").columns}
    assert columns["contact"].sensitivity_label == "Confidential"
    again = client.post(f"{PAGE}/suggestions/{contact.id}/reject", data=form)
    assert again.status_code == 409 and 'id="suggestions-error"' in again.text and "<h1>Governance</h1>" in again.text
    forged = client.post(f"{PAGE}/suggestions/{contact.id}/reject", data={"back": "governance"})
    assert forged.status_code == 403


def test_readers_who_may_not_decide_and_other_domains_see_no_suggestions_there(mesh: Mesh) -> None:
    mesh.write_table("Sales", "sales_lakehouse", "crm_contacts", contacts(100))
    for who in ("viewer@company.com", "analyst@company.com"):
        html = sign_in(mesh, who).get("/governance").text
        assert 'id="no-suggestions"' in html and "crm_contacts" not in html, who
