"""Glossary pages: browse terms by category or search them, a term's page with what it is linked to, a link form.

Definitions are Markdown rendered without raw HTML (markdown-it's CommonMark with `html` off also refuses
`javascript:` links), so a definition cannot inject script into the page.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markdown_it import MarkdownIt
from markupsafe import Markup

from lakemesh.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from lakemesh.glossary.csv_format import to_csv
from lakemesh.glossary.models import Term
from lakemesh.web.render import Viewer, WebRoute, page, platform_of, require_csrf

router = APIRouter(route_class=WebRoute, include_in_schema=False)
FormText = Annotated[str | None, Form()]
MARKDOWN = MarkdownIt("commonmark", {"html": False})
MAX_TREE = 1000


def definition_html(text: str) -> Markup:
    return Markup(MARKDOWN.render(text or ""))  # noqa: S704 (escaped by markdown-it: raw HTML is off)


@router.get("/glossary", response_class=HTMLResponse)
def glossary_page(request: Request, me: Viewer, q: str = "") -> Response:
    platform = platform_of(request)
    q = q[:200]
    if q.strip():
        found = platform.glossary.list_terms(me, q=q, limit=100)
        return page(request, "glossary.html", {"q": q, "found": found, "tree": []})
    terms = platform.glossary.list_terms(me, limit=MAX_TREE)
    return page(request, "glossary.html", {"q": "", "found": None, "tree": _tree(terms)})


@router.get("/glossary/export.csv")
def glossary_csv(request: Request, me: Viewer) -> Response:
    text = to_csv(platform_of(request).glossary.all_specs(me))
    headers = {"Content-Disposition": 'attachment; filename="glossary.csv"'}
    return Response(text, media_type="text/csv; charset=utf-8", headers=headers)


@router.get("/glossary/terms/{name}", response_class=HTMLResponse)
def term_page(request: Request, me: Viewer, name: str, notice: str = "") -> Response:
    return page(request, "glossary_term.html", _term_context(request, me, name, notice=notice[:200]))


@router.post("/glossary/terms/{name}/links")
def link_term(
    request: Request, me: Viewer, name: str, target: FormText = None, csrf_token: FormText = None
) -> Response:
    require_csrf(request, csrf_token)
    wanted = (target or "").strip()
    try:
        link = platform_of(request).glossary_links.link(me, name, wanted)
    except (InvalidInput, Conflict, Forbidden, NotFound) as exc:
        context = _term_context(request, me, name, error=str(exc), typed=wanted)
        return page(request, "glossary_term.html", context, status=exc.status)
    notice = quote(f"Linked to {link.target}.")
    return RedirectResponse(f"/glossary/terms/{quote(name, safe='')}?notice={notice}", status_code=303)


def _term_context(request: Request, me: Any, name: str, **extra: Any) -> dict[str, Any]:
    platform = platform_of(request)
    term = platform.glossary_links.detail(me, name)
    return {
        "term": term,
        "definition": definition_html(term.definition),
        "versions": platform.glossary.versions(me, name)[:20],
        "notice": "",
        "error": None,
        "typed": "",
        **extra,
    }


def _tree(terms: list[Term]) -> list[tuple[Term, int]]:
    """Terms in category order: each category followed by its terms, indented by depth."""
    by_parent: dict[str | None, list[Term]] = {}
    names = {t.name for t in terms}
    for term in terms:
        by_parent.setdefault(term.parent if term.parent in names else None, []).append(term)
    ordered: list[tuple[Term, int]] = []

    def walk(parent: str | None, depth: int) -> None:
        for term in by_parent.get(parent, []):
            ordered.append((term, depth))
            if depth < 20:
                walk(term.name, depth + 1)

    walk(None, 0)
    return ordered
