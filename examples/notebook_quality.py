"""The seed's Quality Monitoring notebook block on Lakemesh: only its two import lines changed.

Runs in-process on a temporary home loaded with the demo (or on LAKEMESH_HOME / LAKEMESH_URL with `--here`):
    python examples/notebook_quality.py
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from lakemesh.mesh import Mesh


def prepare() -> Mesh:
    """The demo, plus a lakehouse named `lakehouse` in Sales holding Customer 360, as the seed's notebook expects."""
    mesh = Mesh.open(Path(tempfile.mkdtemp(prefix="lakemesh-notebook-")) / "home")
    from lakemesh.demo import load_demo

    load_demo(mesh.platform, say=lambda _: None)
    mesh.create_lakehouse("Sales", "lakehouse")
    mesh.write_table(
        "Sales", "lakehouse", "gold_customer_360", mesh.read_table("Sales", "sales_lakehouse", "gold_customer_360")
    )
    return mesh


if "--here" not in sys.argv:
    from lakemesh.spark import SparkSession as _Session

    _Session.builder.connect(prepare()).config("lakemesh.domain", "Sales").getOrCreate()

# ---- the seed's block, verbatim but for the two import lines ---------------------------------------------------
# Quality monitoring using PySpark and custom checks
from datetime import datetime, timedelta  # noqa: E402

from lakemesh.spark import SparkSession  # noqa: E402
from lakemesh.spark import functions as F  # noqa: E402, F401

spark = SparkSession.builder.getOrCreate()


def run_quality_checks(table_name: str, rules: list[dict]) -> dict:
    """Run data quality checks on a table."""
    df = spark.read.table(table_name)
    total_rows = df.count()

    results = {"table": table_name, "total_rows": total_rows, "checks": [], "score": 0}
    passed_checks = 0

    for rule in rules:
        rule_name = rule["name"]
        condition = rule["condition"]

        # Count rows that pass the condition
        passing_rows = df.filter(condition).count()
        pass_rate = (passing_rows / total_rows * 100) if total_rows > 0 else 0
        passed = pass_rate >= rule.get("threshold", 100)

        results["checks"].append(
            {
                "name": rule_name,
                "passed": passed,
                "pass_rate": round(pass_rate, 2),
                "failure_details": f"{total_rows - passing_rows} rows failed" if not passed else None,
            }
        )

        if passed:
            passed_checks += 1

    results["score"] = round(passed_checks / len(rules) * 100, 1) if rules else 100
    return results


# Define quality rules for Customer 360
quality_rules = [
    {"name": "customer_id_not_null", "condition": "customer_id IS NOT NULL", "threshold": 100},
    {"name": "lifetime_value_positive", "condition": "lifetime_value >= 0", "threshold": 100},
    {"name": "churn_risk_valid", "condition": "churn_risk BETWEEN 0 AND 1", "threshold": 100},
    {
        "name": "freshness_check",
        "condition": f"last_updated > '{(datetime.now() - timedelta(hours=25)).isoformat()}'",
        "threshold": 95,
    },
]

# Run quality checks
results = run_quality_checks("lakehouse.gold_customer_360", quality_rules)

print(f"Overall Quality Score: {results['score']}%")
for check in results["checks"]:
    status = "PASS" if check["passed"] else "FAIL"
    print(f"  {check['name']}: {status} ({check['pass_rate']}%)")
    if not check["passed"]:
        print(f"    Details: {check['failure_details']}")

# Save quality metrics to a monitoring table
quality_df = spark.createDataFrame(
    [
        {
            "table_name": results["table"],
            "check_time": datetime.now().isoformat(),
            "score": results["score"],
            "details": str(results["checks"]),
        }
    ]
)
quality_df.write.mode("append").saveAsTable("lakehouse.data_quality_metrics")
