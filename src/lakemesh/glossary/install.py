"""Glossary: terms and their links; linked terms and their synonyms are added to the search documents."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lakemesh.classification.store import register_findings_listener
from lakemesh.glossary.classified import on_findings
from lakemesh.glossary.exchange import GlossaryImport
from lakemesh.glossary.links import GlossaryLinks, column_terms, terms_for_search
from lakemesh.glossary.orphans import DomainPurge, count_terms, drop_product_links, drop_table_links
from lakemesh.glossary.service import GlossaryService

if TYPE_CHECKING:
    from lakemesh.platform import Platform


def install(platform: Platform) -> None:
    p = platform
    p.glossary = GlossaryService(p.catalog, p.authorizer, p.clock)
    p.glossary_links = GlossaryLinks(p.catalog, p.authorizer, p.clock, p.glossary, p.tables, p.products)
    p.glossary_import = GlossaryImport(p.glossary)
    p.domains.register_dependent(count_terms, DomainPurge(p.clock))  # held back (409) unless forced, then purged
    p.tables.register_removal(drop_table_links)
    p.products.register_removal(drop_product_links)
    p.discovery.index.register_terms_source(terms_for_search)
    p.governance.compliance.register_column_terms(column_terms)
    register_findings_listener(on_findings)  # a newly classified column is suggested for the terms covering it
