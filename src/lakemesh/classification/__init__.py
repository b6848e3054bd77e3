"""Sensitive data discovery: classifiers, scans, suggestions and their review."""
