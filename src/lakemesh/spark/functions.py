"""PySpark's `functions` module (`from lakemesh.spark import functions as F`), as sqlframe implements it."""

from sqlframe.duckdb.functions import *  # noqa: F403
