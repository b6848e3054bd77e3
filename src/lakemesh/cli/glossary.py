"""`lakemesh glossary`: apply terms from YAML, browse and show them, link them to data, import and export CSV."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
import yaml

from lakemesh.cli.output import console, emit_json, emit_table
from lakemesh.cli.session import open_mesh
from lakemesh.core.errors import ErrorItem, InvalidInput, invalid
from lakemesh.core.validation import parse_model
from lakemesh.glossary.models import TermSpec

JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]
MAX_FILE_BYTES = 20_000_000


def register(app: typer.Typer) -> None:
    glossary = typer.Typer(help="Business glossary: terms, their links to data, CSV exchange.", no_args_is_help=True)
    for name, command in (
        ("apply", glossary_apply),
        ("list", glossary_list),
        ("show", glossary_show),
        ("link", glossary_link),
        ("unlink", glossary_unlink),
        ("suggest", glossary_suggest),
        ("versions", glossary_versions),
        ("delete", glossary_delete),
        ("export", glossary_export),
        ("import", glossary_import),
    ):
        glossary.command(name)(command)
    app.add_typer(glossary, name="glossary")


def glossary_apply(
    file: Annotated[Path, typer.Option("-f", "--file", help="YAML: one term per document, a list, or `terms:`.")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show what would change, apply nothing.")] = False,
) -> None:
    """Create or update the terms in FILE (every term is checked before any is applied)."""
    documents = _load(file)
    specs = [_parse(i, d) for i, d in enumerate(documents)]
    mesh = open_mesh()
    if dry_run:
        current = {s.name.lower(): s for s in mesh.export_glossary()}
        for spec in specs:
            known = current.get(spec.name.lower())
            action = "create" if known is None else "unchanged" if known == spec else "update"
            console.print(f"{action:9} {spec.name}", markup=False, highlight=False)
        console.print("Dry run: nothing was applied.")
        return
    result = mesh.import_glossary([s.model_dump(mode="json") for s in specs])
    console.print(
        f"Applied: {len(result.created)} added, {len(result.updated)} changed, {len(result.unchanged)} unchanged."
    )


def glossary_list(
    q: Annotated[str | None, typer.Option("--q", "-q", help="Search names, synonyms and definitions.")] = None,
    domain: Annotated[str | None, typer.Option("--domain", help="A domain, or GLOBAL.")] = None,
    category: Annotated[str | None, typer.Option("--category", help="Terms under this term; - the top.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Browse or search the glossary."""
    terms = open_mesh().list_glossary_terms(q=q, domain=domain, parent=category)
    if as_json:
        emit_json(terms)
        return
    emit_table(terms, ["name", "domain", "status", "parent", "synonyms", "links"])


def glossary_show(name: str, as_json: JsonFlag = False) -> None:
    """A term: its definition, synonyms, sub-terms and everything linked to it that you may see."""
    term = open_mesh().get_glossary_term(name)
    if as_json:
        emit_json(term)
        return
    console.print(f"{term.name} ({term.status}, {term.domain}, version {term.version})", markup=False)
    console.print(term.definition or "(no definition)", markup=False, highlight=False)
    if term.synonyms:
        console.print("Synonyms: " + ", ".join(term.synonyms), markup=False)
    if term.children:
        console.print("Terms under it: " + ", ".join(term.children), markup=False)
    emit_table(term.linked, ["kind", "target", "status"], title="Linked to")


def glossary_link(name: str, target: str) -> None:
    """Link a term to domain/product, domain.lakehouse.table or domain.lakehouse.table.column."""
    link = open_mesh().link_glossary_term(name, target)
    console.print(f"{link.term} is linked to {link.target}.", markup=False)


def glossary_unlink(name: str, target: str) -> None:
    """Remove a link, or reject a suggestion."""
    open_mesh().unlink_glossary_term(name, target)
    console.print(f"{name} is no longer linked to {target}.", markup=False)


def glossary_suggest(name: str) -> None:
    """Suggest links to columns named like the term or a synonym (accept one with `glossary link`)."""
    emit_table(open_mesh().suggest_glossary_links(name), ["term", "target", "status"])


def glossary_versions(name: str) -> None:
    rows = [{"version": v.version, "changed_by": v.changed_by, "changed_at": v.changed_at,
             "status": v.document.status} for v in open_mesh().glossary_term_versions(name)]  # fmt: skip
    emit_table(rows, ["version", "status", "changed_by", "changed_at"])


def glossary_delete(name: str) -> None:
    open_mesh().delete_glossary_term(name)
    console.print(f"Deleted {name}.", markup=False)


def glossary_export(
    out: Annotated[Path | None, typer.Option("-o", "--out", help="Write the CSV here instead of printing it.")] = None,
) -> None:
    """The glossary as CSV."""
    text = open_mesh().export_glossary_csv()
    if out is None:
        print(text, end="")
        return
    out.write_text(text, encoding="utf-8")
    console.print(f"Wrote {text.count(chr(10)) - 1} terms to {out}.", markup=False)


def glossary_import(file: Annotated[Path, typer.Option("-f", "--file", help="A CSV in the export's columns.")]) -> None:
    """Create or update terms from CSV."""
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise invalid("file", f"cannot read {file}: {exc}") from None
    result = open_mesh().import_glossary_csv(text)
    console.print(
        f"Imported: {len(result.created)} added, {len(result.updated)} changed, {len(result.unchanged)} unchanged."
    )


def _load(file: Path) -> list[dict[str, Any]]:
    if not file.is_file():
        raise invalid("file", f"{file} does not exist")
    if file.stat().st_size > MAX_FILE_BYTES:
        raise invalid("file", f"{file} is larger than {MAX_FILE_BYTES} bytes")
    try:
        loaded = [d for d in yaml.safe_load_all(file.read_text(encoding="utf-8")) if d is not None]
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise invalid("file", f"{file} is not valid YAML: {str(exc).splitlines()[0]}") from None
    documents: list[dict[str, Any]] = []
    for item in loaded:
        listed = item.get("terms") if isinstance(item, dict) and "terms" in item else item
        for document in listed if isinstance(listed, list) else [listed]:
            if not isinstance(document, dict) or "name" not in document:
                raise invalid("file", f"{file}: every term must be a mapping with a name")
            documents.append(document)
    return documents


def _parse(index: int, document: dict[str, Any]) -> TermSpec:
    try:
        return parse_model(TermSpec, document)
    except InvalidInput as exc:
        raise InvalidInput(
            f"Term {document.get('name')!r} in the file is not valid",
            errors=[ErrorItem((index, *e.loc), e.message) for e in exc.errors],
        ) from None
