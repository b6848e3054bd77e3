"""The server's own input rules, stated in the OpenAPI document where JSON Schema can say them.

Each pattern is built from the code that enforces it (core names, durations, cursors, lineage nodes, cron and
version shapes), so the document and the server cannot drift apart: a value that matches is accepted by that
rule, one that does not is refused with a 422. What JSON Schema cannot say (a principal that must exist, SQL the
gate must accept, a cron field out of range) is listed per operation in `x-lakemesh-checked-beyond-schema`
(field → rule), and named in the operation's 422 description: those are the only fields a schema-valid request
can still be refused on with a 422.
"""

from __future__ import annotations

from typing import Any

from lakemesh.core.durations import unit_names
from lakemesh.core.names import (
    EMAIL_PATTERN,
    IDENTIFIER_PATTERN,
    MAX_EMAIL_LENGTH,
    MAX_NAME_LENGTH,
    TABLE_NAME_PATTERN,
    name_pattern,
)
from lakemesh.core.validation import MAX_INT64
from lakemesh.lineage.nodes import KINDS
from lakemesh.products.models import SEMVER

NO_NUL = "^[^\\x00]*$"  # PostgreSQL cannot store NUL in text: refused (422) everywhere, on both catalogs
END = "(?![\\s\\S])"  # the very end, in Python and ECMA-262 alike (Python's `$` allows one trailing newline)
CURSOR = {"pattern": "^[A-Za-z0-9_-]*" + END, "maxLength": 4096}
EMAIL = {"pattern": EMAIL_PATTERN, "maxLength": MAX_EMAIL_LENGTH}
# where an empty string means "none"
EMAIL_OR_EMPTY = {
    "pattern": f"^(?:{EMAIL_PATTERN.removeprefix('^').removesuffix(END)})?{END}",
    "maxLength": MAX_EMAIL_LENGTH,
}
CRON = {"pattern": "^\\s*[^\\s\\x00]+(?:\\s+[^\\s\\x00]+){4}\\s*" + END}
SEMVER_SHAPE = {"pattern": "^\\s*" + SEMVER.pattern.removeprefix("^").removesuffix("$") + "\\s*" + END}


# `domains.service._clean_tags`: 1 to 64 characters once trimmed, on one line (spaces inside are fine)
TAGS = {"type": "array", "items": {"type": "string", "pattern": "^\\s*\\S(?:(?:\\S| ){0,62}\\S)?\\s*" + END}}


def _duration() -> dict[str, Any]:
    units = "|".join("".join(f"[{c.lower()}{c.upper()}]" for c in unit) for unit in sorted(unit_names(), key=len)[::-1])
    # an empty string means "no expiry / none" where these fields are read
    return {"pattern": f"^(?:\\s*\\d{{1,15}}(?:\\.\\d{{1,9}})?\\s*(?:{units})\\s*)?{END}"}


def _node() -> dict[str, Any]:
    """`lineage.nodes.NodeIndex.parse`: `<kind>:<anything>`, or bare `d.l.t` (two dots, no slash) or `d/p`."""
    kinds = "|".join(KINDS)
    return {
        "pattern": f"^\\s*(?:(?:{kinds}):[^\\x00]*|[^./\\x00]*\\.[^./\\x00]*\\.[^./\\x00]*|[^/\\x00]*/[^/\\x00]*){END}"
    }


NAME_REF = {"$ref": "#/components/schemas/Name"}
IDENTIFIER = {"pattern": IDENTIFIER_PATTERN, "maxLength": MAX_NAME_LENGTH}
TABLE_NAME = {"pattern": TABLE_NAME_PATTERN, "maxLength": MAX_NAME_LENGTH}

# (component schema, property) → what the property must look like. A test checks every name has a rule.
PROPERTIES: dict[tuple[str, str], dict[str, Any]] = {
    ("PrincipalCreate", "name"): NAME_REF,
    ("PrincipalCreate", "email"): EMAIL_OR_EMPTY,
    ("TokenCreate", "name"): NAME_REF,
    ("DomainCreate", "name"): NAME_REF,
    ("DomainCreate", "tags"): TAGS,
    ("DomainUpdate", "tags"): TAGS,
    ("DomainCreate", "owner"): EMAIL,
    ("DomainCreate", "steward"): EMAIL,
    ("DomainUpdate", "owner"): EMAIL,
    ("DomainUpdate", "steward"): EMAIL,
    ("LakehouseCreate", "name"): IDENTIFIER,
    ("LakehouseCreate", "data_steward"): EMAIL_OR_EMPTY,
    ("LakehouseUpdate", "data_steward"): EMAIL_OR_EMPTY,
    ("TableCreate", "name"): TABLE_NAME,
    ("ProductSpec", "name"): NAME_REF,
    ("ProductPatch", "name"): NAME_REF,
    ("ProductSpec", "version"): SEMVER_SHAPE,
    ("ProductPatch", "version"): SEMVER_SHAPE,
    ("ShareCreate", "name"): IDENTIFIER,
    ("ShareTableAdd", "schema"): IDENTIFIER,
    ("ShareTableAdd", "name"): IDENTIFIER,
    ("RecipientCreate", "name"): IDENTIFIER,
    ("PolicyDocument", "name"): NAME_REF,
    ("DomainLakehouseRequest", "domain_name"): NAME_REF,
    ("DomainLakehouseRequest", "steward_email"): EMAIL,
    ("ScheduleSet", "cron"): CRON,
    ("StorageBinding", "lakehouse"): IDENTIFIER,
    ("StorageBinding", "table"): IDENTIFIER,
    ("ColumnDef", "name"): IDENTIFIER,
    ("QualityRuleSpec", "name"): {"pattern": "\\S"},  # not blank (an unanchored pattern: anywhere)
    ("AccessRequestCreate", "columns"): {"type": "array", "minItems": 1},
    ("AccessDecision", "columns"): {"type": "array", "minItems": 1},
}
DURATIONS = (
    ("TokenCreate", "expires_in"),
    ("RecipientCreate", "expires_in"),
    ("AccessRequestCreate", "duration"),
    ("AccessDecision", "duration"),
    ("AgreementRenewal", "duration"),
)
# query parameters by name, on every operation that has them
PARAMETERS: dict[str, dict[str, Any]] = {"cursor": CURSOR, "version": SEMVER_SHAPE}
NODE_PARAMETERS = ("node",)

CURSOR_RULE = "a cursor this server issued (from `next_cursor`)"
EXISTS = "must name an existing object the caller may see"
ACTIVE = "must name an active principal"
_TERM_FIELDS = {
    "name": "the name in the path",
    "domain": "GLOBAL or an existing domain",
    "owners": "existing principals or groups",
    "stewards": "existing principals or groups",
    "related": "existing terms",
    "parent": "an existing term that is not the term itself or below it",
    "status": "a step the workflow allows (draft -> approved -> deprecated -> approved)",
}
LINK_TARGET = {"target": "domain/product, domain.lakehouse.table or domain.lakehouse.table.column"}
# "METHOD path" → {field: the rule checked beyond the schema}; `cursor` is added wherever the operation pages.
BEYOND_SCHEMA: dict[str, dict[str, str]] = {
    "POST /api/v1/domains/{domain}/members": {"principal": ACTIVE},
    "POST /api/v1/access-requests": {
        "product": EXISTS,
        "grantee": ACTIVE,
        "columns": "columns of the product",
        "duration": "more than zero and at most the platform's longest grant",
        "accept_terms": "true when the product has usage terms",
    },
    "POST /api/v1/access-requests/{request_id}/approve": {
        "columns": "columns of the product, within those requested",
        "duration": "more than zero and at most the platform's longest grant",
        "obligations": "not blank",
    },
    "POST /api/v1/agreements/{agreement_id}/renew": {
        "duration": "more than zero and at most the platform's longest grant",
    },
    "POST /api/v1/tokens": {"expires_in": "at most 100 years", "principal": ACTIVE},
    "POST /api/v1/shares/{share}/recipients": {"expires_in": "at most 100 years"},
    "POST /api/v1/domains/{domain}/lakehouses/{lakehouse}/shortcuts": {
        "target": "a table (domain, lakehouse, table) or a OneLake path",
        "path": "a path inside the lakehouse",
    },
    "POST /api/v1/domains/{domain}/lakehouses/{lakehouse}/tables": {
        "columns": "types Delta can store; partition and column names that exist",
        "partition_columns": "columns of the table",
        "layer": "a layer of the lakehouse",
    },
    "POST /api/v1/domains/{domain}/lakehouses/{lakehouse}/tables/{table}/data": {
        "body": "rows in the declared format that fit the table's schema",
        "merge_keys": "columns of the table",
    },
    "POST /api/v1/domains/{domain}/semantic-models/{model}/query": {
        "body": "either `dax`, or `dimensions` and/or `measures` of the model",
    },
    "PUT /api/v1/domains/{domain}/semantic-models/{model}": {"body": "a semantic model (YAML or JSON)"},
    "POST /api/v1/governance/webhooks": {"url": "an http(s) URL whose host resolves to a public address"},
    "POST /api/v1/lineage": {"body": "one OpenLineage RunEvent"},
    "POST /api/v1/products": {
        "body": "an ODCS document (YAML), an ODPS v4.1 document valid against its schema, or a product spec whose "
        "fields below are valid",
        "domain": EXISTS,
        "owner": "a name or e-mail",
        "contract": "a valid data contract",
        "storage": "a table of a lakehouse of the domain",
        "quality_rules": "rules in the quality grammar",
        "input_ports": EXISTS,
        "output_ports": "named output ports",
        "data_steward": "not blank",
        "documentation_url": "an http(s) URL",
        "classification": "Public, Internal, Confidential or Highly Confidential",
        "usage_terms": "not blank",
    },
    "PATCH /api/v1/products/{domain}/{product}": {
        "contract": "a valid data contract",
        "storage": "a table of a lakehouse of the domain",
        "quality_rules": "rules in the quality grammar",
        "input_ports": EXISTS,
        "output_ports": "named output ports",
        "owner": "not blank",
        "tags": "not blank",
        "data_steward": "not blank",
        "documentation_url": "an http(s) URL",
        "classification": "Public, Internal, Confidential or Highly Confidential",
        "version": "a version after the current one (a major bump for a breaking change)",
        "usage_terms": "not blank",
    },
    "PUT /api/v1/products/{domain}/{product}/contract": {
        "body": "a valid data contract",
        "version": "a version after the current one (a major bump for a breaking change)",
    },
    "POST /api/v1/products/{domain}/{product}/deprecate": {
        "sunset_date": "today or later",
        "replacement": EXISTS,
    },
    "POST /api/v1/query": {"sql": "one read query (SELECT, WITH, VALUES) the SQL gate accepts"},
    "POST /api/v1/self-serve/domain-lakehouse": {
        "template": EXISTS,
        "owner": "a name or e-mail",
        "steward_email": "an address that can also name a principal (with a letter or digit)",
        "lakehouse_name": "free in the domain",
    },
    "PUT /api/v1/domains/{domain}/pipelines/{pipeline}": {"body": "a pipeline spec (steps, schedule, retry)"},
    "PUT /api/v1/policies/{name}": {
        "name": "the name in the path",
        "rule": "a sentence rule or CEL expression that compiles",
        "domain": EXISTS,
        "workspace": EXISTS,
        "scope": "GLOBAL, or DOMAIN/WORKSPACE with `domain`/`workspace`",
    },
    "PUT /api/v1/products/{domain}/{product}/quality-schedule": {"cron": "each field within its range"},
    "PATCH /api/v1/products/{domain}/{product}/incidents/{incident_id}": {
        "resolution": "required (not blank) when state is resolved",
    },
    "POST /api/v1/products/{domain}/{product}/announcements": {
        "starts_at": "with a time zone",
        "ends_at": "with a time zone, after starts_at",
    },
    "POST /api/v1/products/{domain}/{product}/subscriptions": {
        "subscriber": "yourself, domain:<slug> of a domain you administer, or (platform admins) an active principal",
    },
    "DELETE /api/v1/products/{domain}/{product}/subscriptions": {
        "subscriber": "yourself, domain:<slug> of a domain you administer, or (platform admins) an active principal",
    },
    "PUT /api/v1/domains/{domain}/intake-form": {"body": "a JSON Schema of an object, with local $ref only"},
    "PUT /api/v1/classification/classifiers/{name}": {
        "name": "the name in the path, not a built-in classifier's",
        "pattern": "a regular expression RE2 accepts (no backreferences or look-around)",
        "validator": "one of the validators Lakemesh knows",
    },
    "PUT /api/v1/domains/{domain}/classification-settings": {"every": "a duration (e.g. 24h) of at least 15m"},
    "PUT /api/v1/council": {"representatives": "existing domains, each with existing active principals or groups"},
    "POST /api/v1/council/proposals": {
        "body": "a policy proposal needs `policy`, a voting-rule proposal `rule`",
        "policy": "a valid policy document (its rule compiles, its domain exists), or {name} of a policy to retire",
        "rule": "required for a voting-rule proposal",
        "template": "required for a template proposal: {name, document} as `PUT /templates/{name}` takes them",
        "labels": "required for a masking-policy proposal: redact, hash, partial or null per non-empty label",
        "form": "required for an intake-form proposal: a JSON Schema of an object, with local $ref only",
        "term": "required for a glossary-term proposal: a GLOBAL term's document (retire: {name} of a term)",
        "window": "more than zero and at most 90d",
    },
    "PATCH /api/v1/council/proposals/{proposal_id}": {
        "body": "an editable kind: a masking-policy, template, intake-form or glossary-term change is proposed anew",
        "policy": "a valid policy document (its rule compiles, its domain exists)",
        "rule": "only on a voting-rule proposal",
    },
    "POST /api/v1/council/proposals/{proposal_id}/votes": {"domain": "needed when you represent several domains"},
    "POST /api/v1/council/cases": {"domains": "existing domains"},
    "POST /api/v1/council/cases/{case_id}/decision": {
        "actions": "each kind's fields (grant_access: request; transfer_ownership: product, owner; fix_by: domain, "
        "by), naming an existing principal, domain or product",
    },
    "PUT /api/v1/glossary/terms/{name}": _TERM_FIELDS,
    "POST /api/v1/glossary/terms/{name}/links": LINK_TARGET,
    "DELETE /api/v1/glossary/terms/{name}/links/{target}": LINK_TARGET,
    "POST /api/v1/glossary/import": {"body": "a list of term documents, each as PUT takes it (with its name)"},
    "POST /api/v1/glossary/import.csv": {"body": "CSV in the export's columns, each row a term document"},
}


def apply(document: dict[str, Any]) -> None:
    """Add the patterns and beyond-schema lists above to `document` (in place)."""
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    schemas["Name"] = {
        "type": "string",
        "title": "Name",
        "description": "A name: no control characters, `/`, `\\` or `..`, with a letter or digit, at most "
        f"{MAX_NAME_LENGTH} characters; matched case-insensitively by its slug.",
        "pattern": name_pattern(),
        "maxLength": MAX_NAME_LENGTH,
    }
    rules = {**PROPERTIES, **{key: _duration() for key in DURATIONS}}
    named = {**_inline_bodies(document), **schemas}
    for (schema, prop), rule in rules.items():
        target = named.get(schema, {}).get("properties", {}).get(prop)
        if target is not None:
            _constrain(target, rule)
    for schema in schemas.values():
        _whole_numbers(schema)
    node = _node()
    for path, operations in document.get("paths", {}).items():
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []):
                schema = parameter.setdefault("schema", {})
                if parameter["in"] == "query" and parameter["name"] in PARAMETERS:
                    _constrain(schema, PARAMETERS[parameter["name"]])
                elif parameter["in"] == "query" and parameter["name"] in NODE_PARAMETERS:
                    _constrain(schema, node)
            beyond = dict(BEYOND_SCHEMA.get(f"{method.upper()} {path}", {}))
            if any(p.get("name") == "cursor" for p in operation.get("parameters", [])):
                beyond["cursor"] = CURSOR_RULE
            if beyond:
                operation["x-lakemesh-checked-beyond-schema"] = beyond


def _inline_bodies(document: dict[str, Any]) -> dict[str, Any]:
    """Bodies written inline in a route (POST /products), by their title."""
    return {
        c["schema"]["title"]: c["schema"]
        for operations in document.get("paths", {}).values()
        for operation in operations.values()
        for c in operation.get("requestBody", {}).get("content", {}).values()
        if "title" in c.get("schema", {}) and "properties" in c["schema"]
    }


def _constrain(schema: dict[str, Any], rule: dict[str, Any]) -> None:
    """Apply `rule` to the branch of `schema` of the rule's type (string unless it says; `anyOf: [x, null]` too)."""
    branches = schema.get("anyOf") or [schema]
    for branch in branches:
        if branch.get("type") == rule.get("type", "string"):
            if "$ref" in rule:
                branch.pop("type")
                branch["allOf"] = [rule]
            else:
                branch.update(rule)


def _no_nul(schema: Any) -> None:
    """Every free text (no pattern, enum or format of its own) and every object key: no NUL character."""
    if isinstance(schema, list):
        for item in schema:
            _no_nul(item)
        return
    if not isinstance(schema, dict):
        return
    if schema.get("type") == "string" and not ({"pattern", "enum", "const", "format"} & schema.keys()):
        schema["pattern"] = NO_NUL
    if schema.get("type") == "object" or "properties" in schema or "additionalProperties" in schema:
        schema.setdefault("propertyNames", {"pattern": NO_NUL})
    for key, value in schema.items():
        if key == "properties" and isinstance(value, dict):
            _no_nul(list(value.values()))
        elif key in ("items", "additionalProperties", "anyOf", "oneOf", "allOf", "prefixItems"):
            _no_nul(value)


def _whole_numbers(schema: Any) -> None:
    """Integer bounds as integers: Pydantic writes `le=2**63-1` as 9.223372036854776e18, a bound that lets
    9223372036854775999 through the schema while the server refuses it."""
    if isinstance(schema, list):
        for item in schema:
            _whole_numbers(item)
    elif isinstance(schema, dict):
        if schema.get("type") == "integer":
            for bound in ("minimum", "maximum"):
                if isinstance(schema.get(bound), float):
                    schema[bound] = MAX_INT64 if schema[bound] >= MAX_INT64 else int(schema[bound])
        for value in schema.values():
            _whole_numbers(value)
