"""Importing many terms at once (a CSV file, YAML documents): each through the same checks as a PUT.

Parents are written before their children; a term whose related terms come later in the same batch gets
them in a second pass. The result says which terms were created, updated or already as written.
"""

from __future__ import annotations

from lakemesh.auth.models import Principal
from lakemesh.core.errors import Conflict, NotFound, invalid
from lakemesh.glossary.checks import term_key
from lakemesh.glossary.models import ImportResult, TermSpec
from lakemesh.glossary.service import GlossaryService


class GlossaryImport:
    def __init__(self, glossary: GlossaryService) -> None:
        self._glossary = glossary

    def apply(self, actor: Principal, specs: list[TermSpec]) -> ImportResult:
        return apply_specs(self._glossary, actor, specs)


def apply_specs(glossary: GlossaryService, actor: Principal, specs: list[TermSpec]) -> ImportResult:
    """Create or update each term; the result says which were created, updated or already as written."""
    names = {term_key(s.name) for s in specs}
    if len(names) != len(specs):
        raise invalid("csv", "names a term more than once")
    governed = glossary.council_governed(specs)
    if governed:
        raise Conflict(
            f"{', '.join(governed)}: GLOBAL terms reviewed by the council (LAKEMESH_GOVERNANCE_MODE=council); nothing "
            "was imported. Propose them with POST /api/v1/council/proposals (kind glossary-term)"
        )
    result = ImportResult(created=[], updated=[], unchanged=[])
    later: list[TermSpec] = []
    for spec in _parents_first(specs):
        try:
            before = glossary.get_term(actor, spec.name).version
        except NotFound:
            before = None
        waiting = [r for r in spec.related if term_key(r) in names and not _exists(glossary, actor, r)]
        first = spec.model_copy(update={"related": [r for r in spec.related if r not in waiting]}) if waiting else spec
        after = glossary.put_term(actor, spec.name, first).version
        if waiting:
            later.append(spec)
        (result.created if before is None else result.updated if after != before else result.unchanged).append(
            spec.name
        )
    for spec in later:
        glossary.put_term(actor, spec.name, spec)
    return result


def _exists(glossary: GlossaryService, actor: Principal, name: str) -> bool:
    try:
        glossary.get_term(actor, name)
    except NotFound:
        return False
    return True


def _parents_first(specs: list[TermSpec]) -> list[TermSpec]:
    in_file = {term_key(s.name) for s in specs}

    def free(spec: TermSpec) -> bool:
        return spec.parent is None or term_key(spec.parent) in done or term_key(spec.parent) not in in_file

    placed: list[TermSpec] = []
    done: set[str] = set()
    pending = list(specs)
    while pending:
        ready = [
            s for s in pending if s.parent is None or term_key(s.parent) in done or term_key(s.parent) not in in_file
        ]
        if not ready:
            raise invalid("parent", "the file's categories form a cycle: " + ", ".join(s.name for s in pending))
        placed += ready
        done |= {term_key(s.name) for s in ready}
        pending = [s for s in pending if s not in ready]
    return placed
