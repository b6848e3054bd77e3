"""The object model rules are written against."""

from __future__ import annotations

import dataclasses

import pytest

from lakemesh.governance.subjects import ColumnSubject, LakehouseSubject, Subjects, TableSubject, attribute_types


def test_subject_ids_and_qualified_names_use_slugs(catalog: Subjects) -> None:
    table = catalog.tables[1]
    assert table.subject_id == "table:sales/sales_lakehouse/gold_customer_360"
    assert table.columns[0].subject_id == "column:sales/sales_lakehouse/gold_customer_360/customer_id"
    assert catalog.products[0].subject_id == "product:sales/customer-360"
    assert catalog.lakehouses[0].subject_id == "lakehouse:sales/sales_lakehouse"
    assert catalog.domains[0].subject_id == "domain:sales"


def test_layer_comes_from_the_table_name_unless_given() -> None:
    assert TableSubject("S", "lh", "gold_x").layer == "gold"
    assert TableSubject("S", "lh", "staging_x").layer is None
    assert TableSubject("S", "lh", "x", layer="Silver").layer == "silver"


def test_columns_know_their_table() -> None:
    table = TableSubject("Sales", "lh", "bronze_t", columns=(ColumnSubject("email"),))
    column = table.columns[0]
    assert (column.domain, column.lakehouse, column.table, column.layer) == ("Sales", "lh", "bronze_t", "bronze")
    assert column.describe() == "column email of sales/lh/bronze_t"


def test_tables_inherit_retention_from_their_lakehouse_unless_overridden(catalog: Subjects) -> None:
    retention = {t.name: t.retention_days for t in catalog.tables}
    assert retention["gold_customer_360"] == 90
    assert retention["gold_campaigns"] == 3
    assert retention["silver_events"] == 30


def test_columns_iterates_every_table_column(catalog: Subjects) -> None:
    assert [c.name for c in catalog.columns()][:2] == ["email", "Phone_Number"]
    assert len(list(catalog.columns())) == 6
    assert catalog.of_kind("column") == tuple(catalog.columns())


def test_attributes_cover_every_documented_attribute(catalog: Subjects) -> None:
    table = catalog.tables[1]
    attributes = table.attributes()
    assert set(attributes) == set(attribute_types("table"))
    assert attributes["column_names"] == ("customer_id", "ssn")
    assert attributes["qualified_name"] == "sales/sales_lakehouse/gold_customer_360"


def test_subjects_are_read_only() -> None:
    lakehouse = LakehouseSubject("Sales", "lh")
    with pytest.raises(dataclasses.FrozenInstanceError):
        lakehouse.retention_days = 1  # type: ignore[misc]
