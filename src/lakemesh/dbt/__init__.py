"""dbt projects on Lakemesh: dbt-duckdb computes, Lakemesh governs.

Sources are read through the `lakemesh.dbt.plugin` dbt-duckdb plugin as the signed-in principal (masks apply);
built models are written back through Lakemesh's write path; manifest.json feeds lineage.
"""
