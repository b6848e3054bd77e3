"""The glossary as CSV, for spreadsheets and other catalogs' exports.

Columns: name, domain, status, parent, owners, stewards, synonyms, related, classifications, definition; list cells are
separated by `;`. Only `name` is required. Pure functions: the remote client uses them too.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from pydantic import ValidationError

from lakemesh.core.errors import ErrorItem, InvalidInput, invalid
from lakemesh.glossary.models import TermSpec

COLUMNS = (
    "name",
    "domain",
    "status",
    "parent",
    "owners",
    "stewards",
    "synonyms",
    "related",
    "classifications",
    "definition",
)
LISTS = ("owners", "stewards", "synonyms", "related", "classifications")
MAX_CSV_BYTES = 20_000_000


def to_csv(specs: list[TermSpec]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for spec in specs:
        row: dict[str, Any] = spec.model_dump(mode="json")
        writer.writerow({c: "; ".join(row[c]) if c in LISTS else (row[c] or "") for c in COLUMNS})
    return out.getvalue()


def from_csv(text: str) -> list[TermSpec]:
    """Parse every row, or a 422 naming each bad row and field."""
    if len(text.encode()) > MAX_CSV_BYTES:
        raise invalid("csv", f"must be at most {MAX_CSV_BYTES} bytes")
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    if reader.fieldnames is None or "name" not in reader.fieldnames:
        raise invalid("csv", f"needs a header row with at least `name`; known columns: {', '.join(COLUMNS)}")
    unknown = [f for f in reader.fieldnames if f not in COLUMNS]
    if unknown:
        raise invalid("csv", f"unknown columns {', '.join(unknown)}; known: {', '.join(COLUMNS)}")
    specs, errors = [], []
    for line, row in enumerate(reader, start=2):
        document = {
            k: [v.strip() for v in (row[k] or "").split(";") if v.strip()] if k in LISTS else (row[k] or "").strip()
            for k in reader.fieldnames
        }
        document = {k: v for k, v in document.items() if v not in ("", [])}
        try:
            specs.append(TermSpec.model_validate(document))
        except ValidationError as exc:
            errors += [ErrorItem(("line", line, *e["loc"]), e["msg"]) for e in exc.errors()]
    if errors:
        raise InvalidInput("The CSV has rows that are not glossary terms", errors=errors)
    return specs
