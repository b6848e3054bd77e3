"""Delta tables, raw files and the data-root layout, on a local disk or an object store."""
