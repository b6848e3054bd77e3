"""The sentence rule grammar (lark, LALR) and the translation of parse errors into one readable line."""

from __future__ import annotations

import re
from functools import cache

from lark import Lark, Token, Tree
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from lakemesh.core.errors import ErrorItem, InvalidInput

MAX_RULE_LENGTH = 4096

GRAMMAR = r"""
start: subject MUST negation HAVE predicate

negation: NOT?

subject: layer* noun qualifier*
layer: BRONZE | SILVER | GOLD
noun: TABLES | COLUMNS | PRODUCTS | LAKEHOUSES | DOMAINS

qualifier: CONTAINING strings        -> containing
         | NAMED strings             -> named
         | CLASSIFIED AS strings     -> classified
         | IN DOMAIN STRING          -> in_domain
         | TAGGED strings            -> tagged
         | LINKED TO TERM strings    -> linked_to_term
         | WHERE predicate           -> where

strings: STRING ("," STRING)*

?predicate: or_expr
?or_expr: and_expr (OR and_expr)*
?and_expr: not_expr (AND not_expr)*
?not_expr: NOT not_expr              -> not_expr
         | atom
?atom: "(" predicate ")"
     | condition

condition: attr COMPARE literal      -> compare
         | attr IN "(" literals ")"  -> in_list
         | attr NOT IN "(" literals ")" -> not_in_list
         | attr WITHIN DURATION      -> within
         | attr IS SET               -> is_set
         | attr IS NOT SET           -> is_not_set
         | attr MATCHES STRING       -> matches

attr: NAME
literals: literal ("," literal)*
literal: STRING | NUMBER | DURATION | TRUE | FALSE

MUST: "must"i
HAVE: "have"i
NOT: "not"i
BRONZE: "bronze"i
SILVER: "silver"i
GOLD: "gold"i
TABLES: /tables?/i
COLUMNS: /columns?/i
PRODUCTS: /products?/i
LAKEHOUSES: /lakehouses?/i
DOMAINS: /domains?/i
CONTAINING: "containing"i
NAMED: "named"i
CLASSIFIED: "classified"i
AS: "as"i
IN: "in"i
DOMAIN: "domain"i
TAGGED: "tagged"i
LINKED: "linked"i
TO: "to"i
TERM: /terms?(?![a-z0-9_])/i
WHERE: "where"i
AND: "and"i
OR: "or"i
WITHIN: "within"i
IS: "is"i
SET: "set"i
MATCHES: "matches"i
TRUE: "true"i
FALSE: "false"i

COMPARE: "<=" | ">=" | "!=" | "=" | "<" | ">"
NAME: /[a-z_][a-z0-9_]*/i
STRING: /'(?:[^'\\]|\\.)*'/ | /"(?:[^"\\]|\\.)*"/
DURATION.2: /\d+(?:\.\d+)?\s*(?:seconds?|secs?|s|minutes?|mins?|m|hours?|hrs?|h|days?|d|weeks?|w)(?![a-z0-9_])/i
NUMBER: /-?\d+(?:\.\d+)?/

%import common.WS
%ignore WS
"""

# What a user calls each token, for error messages.
_WORDS = {
    "MUST": "'must'",
    "HAVE": "'have'",
    "NOT": "'not'",
    "BRONZE": "'bronze'",
    "SILVER": "'silver'",
    "GOLD": "'gold'",
    "TABLES": "'tables'",
    "COLUMNS": "'columns'",
    "PRODUCTS": "'products'",
    "LAKEHOUSES": "'lakehouses'",
    "DOMAINS": "'domains'",
    "CONTAINING": "'containing'",
    "NAMED": "'named'",
    "CLASSIFIED": "'classified'",
    "AS": "'as'",
    "IN": "'in'",
    "DOMAIN": "'domain'",
    "TAGGED": "'tagged'",
    "LINKED": "'linked'",
    "TO": "'to'",
    "TERM": "'term'",
    "WHERE": "'where'",
    "AND": "'and'",
    "OR": "'or'",
    "WITHIN": "'within'",
    "IS": "'is'",
    "SET": "'set'",
    "MATCHES": "'matches'",
    "TRUE": "'true'",
    "FALSE": "'false'",
    "COMPARE": "a comparison (=, !=, <, <=, >, >=)",
    "NAME": "an attribute name",
    "STRING": "a quoted text like 'pii'",
    "DURATION": "a duration like 24h or 90d",
    "NUMBER": "a number",
    "LPAR": "'('",
    "RPAR": "')'",
    "COMMA": "','",
}

# When one of these is expected, the message says where in the sentence the user is.
_PLACES = (
    ("MUST", "'must' after the subject"),
    ("HAVE", "'have' after 'must'"),
    ("SET", "'set' after 'is'"),
    ("STRING NUMBER", "a value: a quoted text, a number, a duration, true or false"),
    ("TABLES", "the subject: tables, columns, products, lakehouses or domains"),
    ("COMPARE", "a condition after the attribute: =, !=, <, <=, >, >=, in, not in, within, is set, matches"),
)
_WORD = re.compile(r"\S+")


@cache
def rule_parser() -> Lark:
    """The parser is immutable and costly to build, so it is built once, on first use."""
    return Lark(GRAMMAR, parser="lalr", lexer="contextual", propagate_positions=False, maybe_placeholders=False)


def parse_sentence(text: str) -> Tree[Token]:
    """Parse a sentence rule, or raise InvalidInput at ("rule",) saying where and what was expected."""
    if len(text) > MAX_RULE_LENGTH:
        raise rule_error(f"is {len(text)} characters long; a rule may have at most {MAX_RULE_LENGTH}")
    if not text.strip():
        raise rule_error("is empty; write it like: tables must have retention_days >= 7")
    try:
        return rule_parser().parse(text)
    except UnexpectedInput as error:
        raise rule_error(describe_parse_error(text, error)) from None


def rule_error(message: str) -> InvalidInput:
    return InvalidInput(f"Invalid policy rule: {message}", errors=[ErrorItem(("rule",), message)])


def describe_parse_error(text: str, error: UnexpectedInput) -> str:
    """Turn lark's exception into `line 1, column 17: expected 'must' after the subject, got 'should'`."""
    if isinstance(error, UnexpectedToken):
        expected: set[str] = set(error.accepts or error.expected)
        got = "the end of the rule" if error.token.type == "$END" else repr(str(error.token))
    elif isinstance(error, UnexpectedCharacters):
        expected = set(error.allowed or ())
        match = _WORD.match(text, error.pos_in_stream or 0)
        got = repr(match.group(0)) if match else "a space"
    elif isinstance(error, UnexpectedEOF):
        expected = set(error.expected)
        got = "the end of the rule"
    else:  # pragma: no cover - lark has no other UnexpectedInput subclasses
        expected, got = set(), "something unexpected"
    line, column = _end_position(text) if got == "the end of the rule" else _position(text, error)
    return f"line {line}, column {column}: expected {_expected_words(expected)}, got {got}"


def _position(text: str, error: UnexpectedInput) -> tuple[int, int]:
    line, column = getattr(error, "line", -1), getattr(error, "column", -1)
    if isinstance(line, int) and isinstance(column, int) and line > 0 and column > 0:
        return line, column
    return _end_position(text)


def _end_position(text: str) -> tuple[int, int]:
    lines = text.rstrip().splitlines() or [""]
    return len(lines), len(lines[-1]) + 1


def _expected_words(expected: set[str]) -> str:
    if expected == {"DURATION"}:
        return "a duration like 24h or 90d after 'within'"
    for tokens, place in _PLACES:
        if expected.issuperset(tokens.split()):
            return place
    words = sorted(_WORDS.get(name, name.lower()) for name in expected - {"$END"})
    if "$END" in expected:
        words.append("the end of the rule")
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]
