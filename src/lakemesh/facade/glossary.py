"""The business glossary on the in-process `Mesh`: terms, their versions, links, imports and exports."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lakemesh.auth.models import Principal
from lakemesh.core.validation import parse_model
from lakemesh.facade.operation import composed, remote
from lakemesh.glossary.csv_format import from_csv, to_csv
from lakemesh.glossary.models import (
    ImportResult,
    Term,
    TermBrief,
    TermDetail,
    TermLink,
    TermSpec,
    TermStatus,
    TermVersion,
)

if TYPE_CHECKING:
    from lakemesh.platform import Platform

TERMS = "/api/v1/glossary/terms"
TERM = TERMS + "/{name}"


class GlossaryMethods:
    platform: Platform
    principal: Principal

    @remote("PUT", TERM, body="term")
    def put_glossary_term(self, name: str, term: dict[str, Any]) -> Term:
        """Create or replace a term (name, definition, domain or GLOBAL, status, owners, stewards, synonyms,
        related, parent). Each change is a new version; approved terms are changed by the domain's Admins."""
        return self.platform.glossary.put_term(self.principal, name, parse_model(TermSpec, {"name": name, **term}))

    @remote("GET", TERM)
    def get_glossary_term(self, name: str) -> TermDetail:
        """The term, its sub-terms and everything linked to it that you may see, across domains."""
        return self.platform.glossary_links.detail(self.principal, name)

    @remote("GET", TERMS, query=("q", "domain", "parent", "status", "limit"))
    def list_glossary_terms(
        self,
        *,
        q: str | None = None,
        domain: str | None = None,
        parent: str | None = None,
        status: str | None = None,
        limit: int = 100,
    ) -> list[Term]:
        """Terms by name and synonym (`q`), in a domain (or GLOBAL), under a category (`parent`, `-` the top)."""
        wanted = TermStatus(status) if status else None
        return self.platform.glossary.list_terms(
            self.principal, q=q, domain=domain, parent=parent, status=wanted, limit=limit
        )

    @remote("DELETE", TERM)
    def delete_glossary_term(self, name: str) -> None:
        self.platform.glossary.delete_term(self.principal, name)

    @remote("GET", TERM + "/versions")
    def glossary_term_versions(self, name: str) -> list[TermVersion]:
        return self.platform.glossary.versions(self.principal, name)

    @remote("POST", TERM + "/links", body=("target",))
    def link_glossary_term(self, name: str, target: str) -> TermLink:
        """Link the term to `domain/product`, `domain.lakehouse.table` or `domain.lakehouse.table.column`
        (the target domain's Contributors and up); accepts a suggestion for the same target."""
        return self.platform.glossary_links.link(self.principal, name, target)

    @remote("DELETE", TERM + "/links/{target:path}")
    def unlink_glossary_term(self, name: str, target: str) -> None:
        """Remove a link, or reject a suggestion."""
        self.platform.glossary_links.unlink(self.principal, name, target)

    @remote("POST", TERM + "/suggestions")
    def suggest_glossary_links(self, name: str) -> list[TermLink]:
        """Suggest links to columns named like the term or a synonym, in tables you may write (for review)."""
        return self.platform.glossary_links.suggest(self.principal, name)

    @remote("GET", "/api/v1/glossary/export")
    def export_glossary(self) -> list[TermSpec]:
        """Every term's document, categories before their terms (what `import_glossary` reads back)."""
        return self.platform.glossary.all_specs(self.principal)

    @remote("POST", "/api/v1/glossary/import", body="terms")
    def import_glossary(self, terms: list[dict[str, Any]]) -> ImportResult:
        """Create or update many terms, each through the same checks as `put_glossary_term`."""
        specs = [parse_model(TermSpec, t) for t in terms]
        return self.platform.glossary_import.apply(self.principal, specs)

    @composed
    def export_glossary_csv(self) -> str:
        """The glossary as CSV (name, domain, status, parent, owners, stewards, synonyms, related, definition)."""
        return to_csv(self.export_glossary())

    @composed
    def import_glossary_csv(self, text: str) -> ImportResult:
        """Import a CSV in the export's columns (only `name` is required; list cells separated by `;`)."""
        return self.import_glossary([s.model_dump(mode="json") for s in from_csv(text)])

    @remote("GET", "/api/v1/domains/{domain}/lakehouses/{lakehouse}/tables/{table}/glossary-terms")
    def table_glossary_terms(self, domain: str, lakehouse: str, table: str) -> dict[str, list[TermBrief]]:
        """The table's terms (key "") and each column's, with their definitions."""
        return self.platform.glossary_links.table_terms(self.principal, domain, lakehouse, table)

    @remote("GET", "/api/v1/domains/{domain}/products/{product}/glossary-terms")
    def product_glossary_terms(self, domain: str, product: str) -> dict[str, list[TermBrief]]:
        """The product's terms (key "") and its table's columns' terms, with their definitions."""
        return self.platform.glossary_links.product_terms(self.principal, domain, product)
