"""Intake forms: the product fields a domain (or the platform) requires before a product is published."""
