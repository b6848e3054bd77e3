"""Schemathesis hooks for the fuzz run: `positive_data_acceptance`, held to what the document itself declares.

A schema-valid request must be accepted (2xx) or refused for a reason a schema cannot state and the document
names: 401/403/404/409/429, 410/412 where the operation documents them, or a 422 (or a 400 on a raw body) whose every `errors[].loc` is a field the
operation lists in `x-lakemesh-checked-beyond-schema` (`body` for whole-body rules) or whose every error is the
document-wide "no NUL characters in text" rule (stated once in the document's description: a pattern on every
string made generation ten times slower). Anything else, a 422 on a field the schema claims to describe fully,
is a failure: the schema or the server is wrong.

`negative_data_rejection`, the same except for two cases HTTP defines: a request whose only "invalid" part is a
header the document does not list (clients may send any header; the server ignores unknown ones), and a 412 for
a failed If-Match, which RFC 9110 evaluates before the content is read.
"""

from __future__ import annotations

import json
from typing import Any

import schemathesis
from schemathesis.core.failures import AcceptedNegativeData
from schemathesis.openapi.checks import RejectedPositiveData
from schemathesis.specs.openapi.checks import negative_data_rejection, positive_data_acceptance

BEYOND = "x-lakemesh-checked-beyond-schema"
NUL = "must not contain NUL characters"


@schemathesis.check
def positive_data_acceptance_as_documented(ctx: Any, response: Any, case: Any) -> bool | None:
    try:
        return positive_data_acceptance(ctx, response, case)  # type: ignore[no-any-return]
    except RejectedPositiveData:
        if response.status_code in (400, 422) and _declared(case, response):
            return None
        responses = (case.operation.definition.raw or {}).get("responses", {})
        if response.status_code in (410, 412) and str(response.status_code) in responses:
            return None  # documented: vacuumed versions, a stale (or any) If-Match
        raise


@schemathesis.check
def negative_data_rejection_as_http(ctx: Any, response: Any, case: Any) -> bool | None:
    try:
        return negative_data_rejection(ctx, response, case)  # type: ignore[no-any-return]
    except AcceptedNegativeData:
        data = case.meta.phase.data if case.meta is not None else None
        description = str(getattr(data, "description", "") or "")
        location = str(getattr(data, "parameter_location", "") or "").lower()
        if "header" in location and "unexpected properties" in description:
            return None
        responses = (case.operation.definition.raw or {}).get("responses", {})
        if response.status_code == 412 and "412" in responses:
            return None  # RFC 9110 13.2.1: preconditions are evaluated before the content is processed
        raise


def _declared(case: Any, response: Any) -> bool:
    declared = set((case.operation.definition.raw or {}).get(BEYOND, {}))
    if "body" in declared:
        return True
    try:
        problem = json.loads(response.content)
    except ValueError:
        return False
    errors = problem.get("errors", [])
    if errors and all(error.get("message") == NUL for error in errors):
        return True
    if problem.get("errorCode") == "INVALID_PARAMETER_VALUE":  # Delta Sharing's shape: `loc: message; ...`
        parts = str(problem.get("message", "")).partition(": ")[2].split("; ")
        return all(part.endswith(NUL) for part in parts)
    fields = {_field(error.get("loc", [])) for error in errors}
    return bool(fields) and fields <= declared


def _field(loc: list[Any]) -> str:
    """The top-level field an error is about (`["columns", 0]` → `columns`; `["query", "cursor"]` → `cursor`)."""
    if len(loc) >= 2 and loc[0] in ("body", "query", "path", "header"):
        return str(loc[1])
    return str(loc[0]) if loc else "body"
