"""principal namespace: one case-insensitive e-mail per principal (unique index on lower(email))

Names and e-mails share one namespace: a grant or membership addressed by e-mail must land on exactly one
principal. Existing rows that clash (two principals with one e-mail, or a name that is another principal's
e-mail) stop the upgrade with a report listing them, so an operator decides which principal keeps the address.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 00:30:00.000000
"""

from __future__ import annotations

from collections import defaultdict

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

INDEX = "uq_principals_email_lower"


def clashes(connection: sa.Connection) -> list[str]:
    """One line per clash, naming the principals (id and name) involved."""
    rows = connection.execute(sa.text("SELECT id, name, key, email FROM principals ORDER BY created_at, id")).all()
    by_email: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for row in rows:
        if row.email:
            by_email[row.email.strip().lower()].append((row.id, row.name))
    lines = [
        f"e-mail {email!r} is held by {len(holders)} principals: "
        + ", ".join(f"{name!r} ({id_})" for id_, name in holders)
        for email, holders in sorted(by_email.items())
        if len(holders) > 1
    ]
    for row in rows:
        for id_, name in by_email.get(row.key, []):
            if id_ != row.id:
                lines.append(f"name {row.name!r} ({row.id}) is the e-mail of principal {name!r} ({id_})")
    return lines


def upgrade() -> None:
    found = clashes(op.get_bind())
    if found:
        raise RuntimeError(
            "Cannot make principal names and e-mails unique; these principals clash:\n  - "
            + "\n  - ".join(found)
            + "\nGive each address to one principal (e.g. `UPDATE principals SET email = NULL WHERE id = '<id>'`), "
            "then run the upgrade again."
        )
    op.create_index(INDEX, "principals", [sa.text("lower(email)")], unique=True)


def downgrade() -> None:
    op.drop_index(INDEX, table_name="principals")
