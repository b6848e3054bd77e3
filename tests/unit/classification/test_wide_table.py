"""The issue's bound: a 100-column table with 10M rows is classified from the sample alone."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from lakemesh.mesh import Mesh

ROWS = 10_000_000


def wide_table() -> pa.Table:
    """10M rows, 100 columns: e-mails (1000 distinct) and 99 integer columns, shared buffers to stay small."""
    block = 1_000_000
    zeros = pa.array(np.zeros(block, np.int8))
    emails = pa.array([f"user{i}@example.com" for i in range(1000)]).take(pa.array(np.arange(block) % 1000))
    one = pa.table({"contact": emails, **{f"n{i}": zeros for i in range(99)}})
    return pa.concat_tables([one] * (ROWS // block))


def test_a_100_column_table_with_10m_rows_is_scanned_within_the_sample(admin: Mesh) -> None:
    admin.create_domain("Wide")
    admin.create_lakehouse("Wide", "wide_lakehouse")
    admin.write_table("Wide", "wide_lakehouse", "events", wide_table())
    assert admin.get_table("Wide", "wide_lakehouse", "events").row_count == ROWS
    scan = admin.classify_table("Wide", "wide_lakehouse", "events")
    bound = admin.platform.classification.sample_rows
    assert scan.sample_rows == bound == 1000 and len(scan.columns_scanned) == 100
    [contact] = [s for s in scan.suggestions if s.column == "contact"]
    assert (contact.classification, contact.sample_count, contact.matched) == ("email", bound, bound)
    assert {s.column for s in scan.suggestions} == {"contact"}  # zeros are no phone numbers
