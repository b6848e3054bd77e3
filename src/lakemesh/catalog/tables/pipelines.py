"""Catalog tables of the pipelines capability."""

from __future__ import annotations
