"""Principals, tokens, roles and the single authorization decision point."""
