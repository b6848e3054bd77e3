"""Notebook reads obey the same gate, grants, masks and audit as governed SQL; nothing is read around them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from lakemesh.core.errors import LakemeshError, NotFound
from lakemesh.mesh import Mesh
from lakemesh.spark import SparkSession
from lakemesh.spark import functions as F
from tests.unit.access.conftest import World, grant_to, world

__all__ = ["world"]
CUSTOMERS = "Sales.sales_lakehouse.gold_customer_360"
HOSTILE = [
    "DROP TABLE Sales.sales_lakehouse.gold_customer_360",
    "SELECT * FROM read_csv('/etc/passwd')",
    "COPY (SELECT 1) TO '/tmp/out.csv'",
    "SELECT * FROM Sales.sales_lakehouse.gold_customer_360; DELETE FROM Sales.sales_lakehouse.gold_customer_360",
    "ATTACH '/tmp/x.db' AS x",
]


def session_for(mesh: Mesh) -> SparkSession:
    return SparkSession.builder.connect(mesh).getOrCreate()


@pytest.fixture
def analyst(world: World) -> Iterator[SparkSession]:
    session = session_for(world.analyst)
    yield session
    session.stop()


def test_without_a_grant_another_domains_table_is_not_readable(analyst: SparkSession) -> None:
    with pytest.raises(NotFound):
        analyst.read.table(CUSTOMERS)
    with pytest.raises(NotFound):
        analyst.sql(f"SELECT * FROM {CUSTOMERS}")


def test_the_default_domain_is_the_only_one_the_principal_writes_to(analyst: SparkSession) -> None:
    assert analyst.domain == "Marketing"
    assert analyst.lakehouse == "marketing_lakehouse"
    assert analyst.read.table("silver_campaigns").count() == 3
    assert analyst.table("marketing_lakehouse.silver_campaigns").filter(F.col("segment") == "SMB").count() == 1


def test_masked_columns_stay_masked_through_dataframes_sql_and_pandas(world: World, analyst: SparkSession) -> None:
    grant_to(world, analyst.mesh)  # type: ignore[arg-type]
    frame = analyst.read.table(CUSTOMERS)
    rows = frame.select("customer_id", "email", "customer_name").orderBy("customer_id").collect()
    assert rows[0]["email"] == "a***@x.com"
    assert rows[0]["customer_name"] != "Ada Lovelace"
    by_sql = analyst.sql(f"SELECT email FROM {CUSTOMERS} ORDER BY customer_id").toPandas()
    assert by_sql["email"].tolist()[0] == "a***@x.com"
    pandas = frame.toPandas()
    assert "ada@x.com" not in pandas["email"].tolist()
    assert "Ada Lovelace" not in pandas["customer_name"].tolist()
    # Filtering on the clear value finds nothing: the condition runs on the masked column, inside the gate.
    assert frame.filter("email = 'ada@x.com'").count() == 0


def test_reads_are_audited_as_the_notebook_user(world: World, analyst: SparkSession) -> None:
    grant_to(world, analyst.mesh)  # type: ignore[arg-type]
    analyst.read.table(CUSTOMERS).count()
    entries = [e for e in world.admin.audit(limit=200) if e.actor == "marketing-analyst@company.com"]
    assert any("gold_customer_360" in str(e.summary) or "gold_customer_360" in str(e.resource_name) for e in entries)


@pytest.mark.parametrize("sql", HOSTILE)
def test_hostile_sql_is_refused_as_on_the_query_endpoint(world: World, analyst: SparkSession, sql: str) -> None:
    with pytest.raises(LakemeshError) as direct:
        world.analyst.sql(sql)
    with pytest.raises(LakemeshError) as through_spark:
        analyst.sql(sql)
    assert type(through_spark.value) is type(direct.value)


def test_hostile_expressions_inside_dataframe_code_hit_the_gate(world: World, analyst: SparkSession) -> None:
    campaigns = analyst.read.table("silver_campaigns")
    with pytest.raises(LakemeshError):
        campaigns.filter("segment IN (SELECT * FROM read_csv('/etc/passwd'))").count()
    with pytest.raises(NotImplementedError, match="file reads"):
        analyst.read.parquet("/etc/passwd")
    with pytest.raises(NotImplementedError, match="saveAsTable"):
        campaigns.write.parquet("/tmp/leak.parquet")


def test_a_write_to_another_domain_writes_nothing(world: World, analyst: SparkSession) -> None:
    rows = analyst.createDataFrame([{"deal": "x", "amount": 2.0}])
    with pytest.raises(LakemeshError):
        rows.write.mode("append").saveAsTable("Sales.sales_lakehouse.silver_secret_deals")
    assert world.admin.read_table("Sales", "sales_lakehouse", "silver_secret_deals").num_rows == 1


def test_getorcreate_for_another_principal_never_reuses_the_active_identity(
    world: World, analyst: SparkSession
) -> None:
    outsider = session_for(world.outsider)
    assert outsider is not analyst or outsider.mesh is world.outsider
    with pytest.raises(NotFound):
        outsider.read.table("Marketing.marketing_lakehouse.silver_campaigns")
    outsider.stop()
