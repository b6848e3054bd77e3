"""Policies written in CEL (`table.layer == "gold" && table.row_count > 0`), through cel-python.

The root variable (`table`, `column`, `product`, `lakehouse`, `domain`) says which subjects the rule is about;
`now` is the evaluation time. CEL has no loops, so bounding the expression's size, its nesting and its
comprehension macros bounds the work per subject; a rule outside those bounds is refused when written.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any, Literal

import celpy
from celpy import celtypes
from celpy.celparser import CELParseError
from celpy.evaluation import CELEvalError
from lark import Token, Tree

from lakemesh.core.errors import ErrorItem, InvalidInput
from lakemesh.governance.rules.evaluator import CompiledRule, Finding
from lakemesh.governance.subjects import Subject, SubjectKind, attribute_types

MAX_CEL_LENGTH = 4096
MAX_CEL_DEPTH = 200  # parse-tree levels; about 20 nested parentheses
MAX_CEL_NODES = 4000
MAX_COMPREHENSIONS = 8
ROOTS: Mapping[str, SubjectKind] = {
    "table": "table",
    "column": "column",
    "product": "product",
    "lakehouse": "lakehouse",
    "domain": "domain",
}
_MACROS = frozenset({"all", "exists", "exists_one", "map", "filter"})
_RUNTIME_ERRORS = (CELEvalError, TypeError, ValueError, ArithmeticError, KeyError, RecursionError)


def cel_error(message: str) -> InvalidInput:
    return InvalidInput(f"Invalid CEL rule: {message}", errors=[ErrorItem(("rule",), message)])


class CelRule(CompiledRule):
    """A CEL expression compiled once and evaluated per subject; false is a violation, a failure an error."""

    language: Literal["sentence", "cel"] = "cel"

    def __init__(self, text: str) -> None:
        source = text.strip()
        if len(source) > MAX_CEL_LENGTH:
            raise cel_error(f"is {len(source)} characters long; a CEL rule may have at most {MAX_CEL_LENGTH}")
        if not source:
            raise cel_error('is empty; write it like: table.layer == "gold" && table.row_count > 0')
        environment = celpy.Environment()
        try:
            ast = environment.compile(source)
        except CELParseError as error:
            line, column = getattr(error, "line", None), getattr(error, "column", None)
            where = f"line {line}, column {column}: " if line is not None else ""
            raise cel_error(f"{where}syntax error in {source!r}") from None
        except RecursionError:
            raise cel_error("is nested too deeply") from None
        self.text = source
        self.subject_kind, used = _check_tree(ast)
        self.root = next(name for name, kind in ROOTS.items() if kind == self.subject_kind)
        # Only the attributes the expression names are converted per subject, unless it indexes the whole map.
        self.attributes = used
        self._program = environment.program(ast)

    def applies_to(self, subject: Subject, *, now: datetime | None = None) -> bool:
        return subject.kind == self.subject_kind

    def judge(self, subject: Subject, *, now: datetime, policy: str = "") -> Finding | None:
        names = self.attributes if self.attributes is not None else subject.ATTRIBUTES
        values = {celtypes.StringType(n): to_cel(getattr(subject, n)) for n in names}
        activation = {self.root: celtypes.MapType(values), "now": to_cel(now)}
        result: object
        try:
            result = self._program.evaluate(activation)
        except _RUNTIME_ERRORS as error:
            result = error
        if isinstance(result, BaseException):
            message = f"could not evaluate on {subject.describe()}: {_reason(result)}"
            return self._finding(subject, policy, "error", message)
        if not isinstance(result, celtypes.BoolType):
            message = f"must produce true or false, got {result!r} for {subject.describe()}"
            return self._finding(subject, policy, "error", message)
        if bool(result):
            return None
        return self._finding(subject, policy, "violation", f"{subject.describe()} does not satisfy {self.text}")

    @staticmethod
    def _finding(subject: Subject, policy: str, status: Literal["violation", "error"], message: str) -> Finding:
        return Finding(policy, subject.subject_id, subject.kind, status, message)


def _reason(error: BaseException) -> str:
    """celpy wraps the Python error; its innermost message is the one a user understands."""
    args = error.args
    if isinstance(error, CELEvalError) and len(args) >= 3 and isinstance(args[2], tuple) and args[2]:
        return str(args[2][0])
    return str(args[0]) if args else type(error).__name__


def to_cel(value: Any) -> Any:
    """Python values of the subject model as CEL values (None stays null)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return celtypes.BoolType(value)
    if isinstance(value, int):
        return celtypes.IntType(value)
    if isinstance(value, float):
        return celtypes.DoubleType(value)
    if isinstance(value, str):
        return celtypes.StringType(value)
    if isinstance(value, datetime):
        return celtypes.TimestampType(value)
    if isinstance(value, timedelta):
        return celtypes.DurationType(value)
    if isinstance(value, Mapping):
        return celtypes.MapType({celtypes.StringType(k): to_cel(v) for k, v in value.items()})
    if isinstance(value, tuple | list):
        return celtypes.ListType([to_cel(v) for v in value])
    if hasattr(value, "attributes"):
        return to_cel(value.attributes())
    raise TypeError(f"no CEL value for {type(value).__name__}")


def _check_tree(ast: Tree[Token]) -> tuple[SubjectKind, tuple[str, ...] | None]:
    """Refuse oversized or nested-loop expressions and unknown attributes.

    Returns the subject kind and the attributes named with `root.attr` (None when the root is used otherwise,
    e.g. `table["name"]` or `table.size()`, so every attribute must be bound).
    """
    nodes = 0
    used: set[str] = set()
    whole_root = False
    attribute_targets: set[int] = set()
    comprehensions = 0
    bound: set[str] = set()
    roots: set[str] = set()
    stack: list[tuple[Tree[Token], int, int]] = [(ast, 1, 0)]
    while stack:
        node, depth, loops = stack.pop()
        nodes += 1
        if depth > MAX_CEL_DEPTH or nodes > MAX_CEL_NODES:
            raise cel_error("is too large or nested too deeply to evaluate safely")
        inner_loops = loops
        if node.data == "member_dot_arg" and _name(node, 1) in _MACROS:
            comprehensions += 1
            inner_loops += 1
            if inner_loops > 1 or comprehensions > MAX_COMPREHENSIONS:
                raise cel_error(
                    f"comprehensions ({', '.join(sorted(_MACROS))}) may not be nested "
                    f"and at most {MAX_COMPREHENSIONS} may be used"
                )
            variable = _first_argument_ident(node)
            if variable is not None:
                bound.add(variable)
        if node.data == "ident":
            roots.add(str(node.children[0]))
        if node.data == "member_dot":
            attribute = _check_attribute(node)
            if attribute is not None:
                used.add(attribute)
                attribute_targets.add(id(node.children[0]))
        elif node.data == "member" and id(node) not in attribute_targets and _root_of(node) is not None:
            whole_root = True
        stack.extend((c, depth + 1, inner_loops) for c in node.children if isinstance(c, Tree))
    free = roots - bound - {"now"}
    unknown = free - set(ROOTS)
    if unknown:
        raise cel_error(f"unknown variable {sorted(unknown)[0]!r}; use one of {', '.join(ROOTS)} and now")
    if len(free) != 1:
        raise cel_error(f"must be about exactly one kind of subject ({', '.join(ROOTS)}), found {sorted(free)}")
    return ROOTS[free.pop()], None if whole_root else tuple(sorted(used))


def _check_attribute(node: Tree[Token]) -> str | None:
    """`table.nope` fails when the rule is written, not on every subject; returns the attribute named."""
    target, field = node.children[0], node.children[1]
    kind = _root_of(target) if isinstance(target, Tree) else None
    if kind is None:
        return None
    if str(field) not in attribute_types(kind):
        known = ", ".join(sorted(attribute_types(kind)))
        raise cel_error(f"{kind}s have no attribute {str(field)!r}; known attributes: {known}")
    return str(field)


def _root_of(member: Tree[Token]) -> SubjectKind | None:
    """The subject kind when `member` is just the root variable (`table`), else None."""
    if member.data != "member" or not member.children:
        return None
    primary = member.children[0]
    if not isinstance(primary, Tree) or primary.data != "primary":
        return None
    ident = primary.children[0]
    if not isinstance(ident, Tree) or ident.data != "ident":
        return None
    return ROOTS.get(str(ident.children[0]))


def _name(node: Tree[Token], index: int) -> str | None:
    child = node.children[index] if len(node.children) > index else None
    return str(child) if isinstance(child, Token) else None


def _first_argument_ident(node: Tree[Token]) -> str | None:
    """The variable a macro binds, e.g. `t` in `table.tags.exists(t, t == "pii")`."""
    args = node.children[2] if len(node.children) > 2 else None
    if not isinstance(args, Tree) or not args.children:
        return None
    first = args.children[0]
    while isinstance(first, Tree) and first.data != "ident" and len(first.children) == 1:
        first = first.children[0]
    if isinstance(first, Tree) and first.data == "ident":
        return str(first.children[0])
    return None
