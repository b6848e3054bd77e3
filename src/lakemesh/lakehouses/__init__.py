"""Lakehouses of a domain and the Delta tables and raw files in them."""
