"""PySpark's notebook API over governed Lakemesh tables: `from lakemesh.spark import SparkSession, functions as F`."""

from lakemesh.spark import functions
from lakemesh.spark.session import SparkSession, active_session

__all__ = ["SparkSession", "active_session", "functions"]
