"""Issue 28.14 (part): primaryKey becomes required + unique; v3.0 library rules become rules."""

from __future__ import annotations

from lakemesh.products.odcs import import_odcs

DOCUMENT = """
apiVersion: v3.0.2
kind: DataContract
id: 53581432-6c55-4ba2-a65f-72344a91553a
version: 1.0.0
status: active
name: seller_payments_v1
domain: seller
team:
  - username: ceastwood
    role: owner
servers:
  - server: my-postgres
    type: postgres
    host: localhost
    port: 5432
    database: pypl-edw
    schema: pp_access_views
schema:
  - name: tbl
    physicalName: tbl_1
    physicalType: table
    quality:
      - rule: countCheck
        type: library
        mustBeGreaterThan: 1000
    properties:
      - name: txn_ref_dt
        logicalType: date
        physicalType: date
        primaryKey: false
      - name: rcvr_id
        logicalType: string
        physicalType: varchar(18)
        primaryKey: true
        primaryKeyPosition: 1
        quality:
          - rule: nullCheck
            type: library
"""


def test_primary_keys_and_library_rules_are_imported() -> None:
    spec = import_odcs(DOCUMENT)
    key = spec.contract.columns["rcvr_id"]
    assert (key.required, key.unique) == (True, True)
    assert not spec.contract.columns["txn_ref_dt"].required
    assert spec.quality_rules == ["row_count > 1000", "rcvr_id is not null"]
