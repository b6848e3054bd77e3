"""Where a governance subject lives in the UI: violations link to the page where they are fixed."""

from __future__ import annotations

from urllib.parse import quote

from lakemesh.core.names import slugify


def subject_href(subject_id: str) -> str | None:
    """`table:d/l/t` → its table page, `column:d/l/t/c` → the column's row there, `product:d/p` → the product."""
    kind, _, name = subject_id.partition(":")
    parts = [quote(part, safe="") for part in name.split("/")]
    if kind == "table" and len(parts) == 3:
        return f"/domains/{parts[0]}/lakehouses/{parts[1]}/tables/{parts[2]}"
    if kind == "column" and len(parts) >= 4:
        return f"/domains/{parts[0]}/lakehouses/{parts[1]}/tables/{parts[2]}#column-{'/'.join(parts[3:])}"
    if kind == "product" and len(parts) == 2:
        return f"/products/{parts[0]}/{parts[1]}"
    if kind in ("domain", "lakehouse") and parts[0]:
        return f"/domains/{parts[0]}"
    return None


def policy_anchor(policy: str) -> str:
    """The id of a policy's row on the governance page."""
    return f"policy-{slugify(policy)}"


def policy_href(policy: str) -> str:
    """The policy's row on the governance page, with its compliance."""
    return f"/governance#{policy_anchor(policy)}"
