"""Catalog tables of the quality capability."""

from __future__ import annotations
