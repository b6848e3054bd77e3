"""Data products: the product document, its contract, enforcement on write, ODCS v3 and compatibility."""
