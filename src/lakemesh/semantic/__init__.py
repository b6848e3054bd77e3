"""Shared semantic models over lakehouse tables and data products, queried with a DAX subset."""
