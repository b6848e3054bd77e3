"""Federated governance: policies written as sentence rules or CEL, evaluated against a catalog snapshot."""
