"""Catalog tables of the governance capability."""

from __future__ import annotations
