from pathlib import Path

from lakemesh.auth.roles import PERMISSIONS, Action, DomainRole

DOC = Path(__file__).parents[3] / "docs" / "security.md"


def test_docs_permission_matrix_matches_the_code() -> None:
    rows = {
        line.split("|")[1].strip().strip("`"): line for line in DOC.read_text().splitlines() if line.startswith("| `")
    }
    order = [DomainRole.ADMIN, DomainRole.MEMBER, DomainRole.CONTRIBUTOR, DomainRole.VIEWER]
    for action in Action:
        cells = [c.strip() for c in rows[action.value].split("|")[3:-1]]
        assert cells == ["yes" if action in PERMISSIONS[r] else "—" for r in order], action
