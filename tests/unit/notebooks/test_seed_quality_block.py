"""The seed's Quality Monitoring notebook block, verbatim but for its two import lines, on Lakemesh."""

from __future__ import annotations

import contextlib
import io

import pytest

from lakemesh.core.errors import InvalidInput
from lakemesh.mesh import Mesh
from lakemesh.spark import SparkSession
from lakemesh.spark import functions as F
from tests.unit.notebooks.conftest import BAD_CHURN, NEGATIVE_VALUES, NULL_IDS, NULL_VALUES, ROWS, STALE, seed_block

PYSPARK_IMPORTS = ("from pyspark.sql import SparkSession", "from pyspark.sql import functions as F")
LAKEMESH_IMPORTS = ("from lakemesh.spark import SparkSession", "from lakemesh.spark import functions as F")


def quality_block() -> str:
    code = seed_block("# Quality monitoring using PySpark", 'saveAsTable("lakehouse.data_quality_metrics")')
    for old, new in zip(PYSPARK_IMPORTS, LAKEMESH_IMPORTS, strict=True):
        assert code.count(old) == 1
        code = code.replace(old, new)
    return code


def pct(passing: int) -> float:
    return round(passing / ROWS * 100, 2)


def test_the_seed_quality_block_prints_the_score_and_appends_a_delta_row(demo_mesh: Mesh, spark: SparkSession) -> None:
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(quality_block(), "seed-quality-monitoring", "exec"), {"__name__": "notebook"})
    lines = printed.getvalue().splitlines()
    assert lines[0] == "Overall Quality Score: 25.0%"
    assert f"  customer_id_not_null: FAIL ({pct(ROWS - NULL_IDS)}%)" in lines
    assert f"    Details: {NULL_IDS} rows failed" in lines
    # NULL lifetime_value rows fail `lifetime_value >= 0`, as PySpark's filter drops rows whose condition is NULL.
    assert f"  lifetime_value_positive: FAIL ({pct(ROWS - NEGATIVE_VALUES - NULL_VALUES)}%)" in lines
    assert f"  churn_risk_valid: FAIL ({pct(ROWS - BAD_CHURN)}%)" in lines
    assert f"  freshness_check: PASS ({pct(ROWS - STALE)}%)" in lines

    metrics = demo_mesh.read_table("Sales", "lakehouse", "data_quality_metrics")
    assert metrics.num_rows == 1
    assert metrics.column("table_name").to_pylist() == ["lakehouse.gold_customer_360"]
    assert metrics.column("score").to_pylist() == [25.0]
    assert len(demo_mesh.table_history("Sales", "lakehouse", "data_quality_metrics")) == 1  # one Delta commit


def test_a_second_run_appends_and_overwrite_replaces(demo_mesh: Mesh, spark: SparkSession) -> None:
    rows = spark.createDataFrame([{"table_name": "t", "score": 50.0}])
    rows.write.mode("append").saveAsTable("lakehouse.append_target")
    rows.write.mode("append").saveAsTable("lakehouse.append_target")
    assert demo_mesh.read_table("Sales", "lakehouse", "append_target").num_rows == 2
    rows.write.mode("overwrite").saveAsTable("Sales.lakehouse.append_target")
    assert demo_mesh.read_table("Sales", "lakehouse", "append_target").to_pylist() == [
        {"table_name": "t", "score": 50.0}
    ]


def test_null_conditions_drop_rows_like_pyspark(spark: SparkSession) -> None:
    """PySpark's `filter(condition)` keeps rows where the condition is true: NULL is dropped, not kept."""
    frame = spark.createDataFrame([{"v": 1}, {"v": None}, {"v": -1}])
    assert frame.filter("v >= 0").count() == 1
    assert frame.filter("NOT (v >= 0)").count() == 1
    assert frame.where(frame.v.isNull()).count() == 1


def test_a_write_the_contract_refuses_raises_and_writes_nothing(demo_mesh: Mesh, spark: SparkSession) -> None:
    before = demo_mesh.table_history("Sales", "sales_lakehouse", "gold_customer_360")
    bad = spark.read.table("sales_lakehouse.gold_customer_360").limit(1).withColumn("customer_id", F.lit(None))
    with pytest.raises(InvalidInput):
        bad.write.mode("append").saveAsTable("sales_lakehouse.gold_customer_360")
    assert demo_mesh.table_history("Sales", "sales_lakehouse", "gold_customer_360") == before


def test_unsupported_calls_say_so_instead_of_answering_wrongly(spark: SparkSession) -> None:
    with pytest.raises(NotImplementedError, match="file reads"):
        spark.read.csv("/tmp/anything.csv")
    with pytest.raises(NotImplementedError, match="saveAsTable"):
        spark.createDataFrame([{"a": 1}]).write.save("/tmp/anywhere")


def test_ordinary_notebook_calls_answer_like_pyspark(demo_mesh: Mesh, spark: SparkSession) -> None:
    customers = spark.read.table("lakehouse.gold_customer_360")
    segments = spark.createDataFrame([{"segment": "SMB", "tier": "small"}, {"segment": "Enterprise", "tier": "big"}])
    joined = customers.join(segments, on="segment", how="inner").groupBy("tier").agg(F.count("*").alias("n"))
    counts = {row["tier"]: row["n"] for row in joined.collect()}
    expected = demo_mesh.sql(
        "SELECT segment, count(*) AS n FROM sales.lakehouse.gold_customer_360 GROUP BY segment"
    ).to_pylist()
    by_segment = {row["segment"]: row["n"] for row in expected}
    assert counts == {"small": by_segment["SMB"], "big": by_segment["Enterprise"]}
    top = customers.select("customer_id", "lifetime_value").where(F.col("lifetime_value") > 0)
    assert len(top.orderBy(F.col("lifetime_value").desc()).limit(3).toPandas()) == 3
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        spark.sql("SELECT segment FROM lakehouse.gold_customer_360 WHERE segment = 'SMB' LIMIT 1").show()
    assert "SMB" in printed.getvalue()
