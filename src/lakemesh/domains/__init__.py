"""Domains: the teams that own data, and who holds which role in them."""
