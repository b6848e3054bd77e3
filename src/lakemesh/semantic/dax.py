"""The DAX subset's parser: a lark LALR grammar and the small syntax tree the compiler reads.

Parsing only builds the tree; what each function means (and whether it is supported) is the
compiler's job, so an unsupported function is reported with its name and position, not as a syntax error.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from functools import cache
from typing import Any

from lark import Lark, Token, Transformer, v_args
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken, VisitError

from lakemesh.core.errors import ErrorItem, InvalidInput

MAX_DAX_LENGTH = 100_000

GRAMMAR = r"""
start: define? "EVALUATE"i expr order_by?

define: "DEFINE"i measure_def+
measure_def: "MEASURE"i table_ref? BRACKET "=" expr

order_by: "ORDER"i "BY"i order_item ("," order_item)*
order_item: expr DIRECTION?

?expr: or_expr
?or_expr: and_expr
    | or_expr "||" and_expr -> or_
?and_expr: not_expr
    | and_expr "&&" not_expr -> and_
?not_expr: cmp_expr
    | "NOT"i not_expr -> not_
?cmp_expr: concat_expr
    | cmp_expr CMP concat_expr -> compare
    | cmp_expr "IN"i "{" [expr ("," expr)*] "}" -> in_list
?concat_expr: add_expr
    | concat_expr "&" add_expr -> concat
?add_expr: mul_expr
    | add_expr ADDOP mul_expr -> arith
?mul_expr: unary
    | mul_expr MULOP unary -> arith
?unary: atom
    | "-" unary -> neg
    | "+" unary
?atom: table_ref BRACKET -> column
    | NAME "(" [arg ("," arg)*] ")" -> call
    | table_ref
    | BRACKET -> measure
    | STRING -> string
    | NUMBER -> number
    | "(" expr ")"
    | "{" [expr ("," expr)*] "}" -> table_list
arg: expr
    | DIRECTION -> direction
table_ref: NAME -> table_name
    | QUOTED -> quoted_table

DIRECTION.2: /(ASC|DESC)\b/i
CMP: "==" | "<>" | "<=" | ">=" | "=" | "<" | ">"
ADDOP: "+" | "-"
MULOP: "*" | "/"
NAME: /[A-Za-z_][A-Za-z0-9_.]*/
QUOTED: /'(?:[^']|'')+'/
BRACKET: /\[(?:[^\]]|\]\])+\]/
STRING: /"(?:[^"]|"")*"/
NUMBER: /(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?/
COMMENT: /\/\/[^\n]*/ | /--[^\n]*/ | /\/\*(.|\n)*?\*\//
%import common.WS
%ignore WS
%ignore COMMENT
"""

Pos = tuple[int, int]


@dataclass(frozen=True)
class Node:
    pos: Pos


@dataclass(frozen=True)
class TableRef(Node):
    name: str


@dataclass(frozen=True)
class ColumnRef(Node):
    table: str
    column: str

    @property
    def dax(self) -> str:
        return f"{self.table}[{self.column}]"


@dataclass(frozen=True)
class MeasureRef(Node):
    name: str


@dataclass(frozen=True)
class Literal(Node):
    value: str | float | int | bool | None


@dataclass(frozen=True)
class Direction(Node):
    descending: bool


@dataclass(frozen=True)
class Call(Node):
    name: str  # upper case
    args: tuple[Node, ...]


@dataclass(frozen=True)
class BinaryOp(Node):
    op: str  # + - * / & = <> < <= > >= && ||
    left: Node
    right: Node


@dataclass(frozen=True)
class Not(Node):
    operand: Node


@dataclass(frozen=True)
class Negate(Node):
    operand: Node


@dataclass(frozen=True)
class InList(Node):
    operand: Node
    values: tuple[Node, ...]


@dataclass(frozen=True)
class TableList(Node):
    values: tuple[Node, ...]


@dataclass(frozen=True)
class OrderItem:
    expr: Node
    descending: bool


@dataclass(frozen=True)
class MeasureDef:
    name: str
    expr: Node
    pos: Pos


@dataclass(frozen=True)
class Query:
    table: Node
    order_by: tuple[OrderItem, ...] = ()
    measures: tuple[MeasureDef, ...] = field(default_factory=tuple)


def where(pos: Pos) -> str:
    return f"line {pos[0]}, column {pos[1]}"


def dax_error(message: str, pos: Pos | None = None, loc: str = "dax") -> InvalidInput:
    """A 422 naming what is wrong and where; the position is also in the error item for tools."""
    text = f"{message} at {where(pos)}" if pos else message
    extra: dict[str, Any] = {"line": pos[0], "column": pos[1]} if pos else {}
    return InvalidInput(f"DAX: {text}", errors=[ErrorItem((loc,), text, extra)])


def _pos(meta: Any, fallback: Any = None) -> Pos:
    line = getattr(meta, "line", None)
    if line is None and fallback is not None:
        return _pos(fallback)
    return (int(line or 1), int(getattr(meta, "column", None) or 1))


def _unbracket(text: str) -> str:
    return text[1:-1].replace("]]", "]").strip()


@v_args(meta=True)
class _Build(Transformer[Token, Any]):
    def start(self, meta: Any, items: list[Any]) -> Query:
        measures: tuple[MeasureDef, ...] = ()
        order: tuple[OrderItem, ...] = ()
        table: Node | None = None
        for item in items:
            if isinstance(item, list) and item and isinstance(item[0], MeasureDef):
                measures = tuple(item)
            elif isinstance(item, tuple):
                order = item
            elif isinstance(item, Node):
                table = item
        assert table is not None
        return Query(table=table, order_by=order, measures=measures)

    def define(self, meta: Any, items: list[MeasureDef]) -> list[MeasureDef]:
        return list(items)

    def measure_def(self, meta: Any, items: list[Any]) -> MeasureDef:
        bracket, expr = items[-2], items[-1]
        return MeasureDef(_unbracket(str(bracket)), expr, _pos(meta))

    def order_by(self, meta: Any, items: list[OrderItem]) -> tuple[OrderItem, ...]:
        return tuple(items)

    def order_item(self, meta: Any, items: list[Any]) -> OrderItem:
        descending = len(items) > 1 and str(items[1]).upper() == "DESC"
        return OrderItem(items[0], descending)

    def or_(self, meta: Any, items: list[Node]) -> Node:
        return BinaryOp(_pos(meta), "||", items[0], items[1])

    def and_(self, meta: Any, items: list[Node]) -> Node:
        return BinaryOp(_pos(meta), "&&", items[0], items[1])

    def not_(self, meta: Any, items: list[Node]) -> Node:
        return Not(_pos(meta), items[0])

    def compare(self, meta: Any, items: list[Any]) -> Node:
        op = "=" if str(items[1]) == "==" else str(items[1])
        return BinaryOp(_pos(meta), op, items[0], items[2])

    def in_list(self, meta: Any, items: list[Any]) -> Node:
        return InList(_pos(meta), items[0], tuple(i for i in items[1:] if i is not None))

    def concat(self, meta: Any, items: list[Node]) -> Node:
        return BinaryOp(_pos(meta), "&", items[0], items[1])

    def arith(self, meta: Any, items: list[Any]) -> Node:
        return BinaryOp(_pos(meta), str(items[1]), items[0], items[2])

    def neg(self, meta: Any, items: list[Node]) -> Node:
        return Negate(_pos(meta), items[0])

    def column(self, meta: Any, items: list[Any]) -> Node:
        table: TableRef = items[0]
        return ColumnRef(table.pos, table.name, _unbracket(str(items[1])))

    def call(self, meta: Any, items: list[Any]) -> Node:
        name: Token = items[0]
        args = tuple(a for a in items[1:] if a is not None)
        return Call((name.line or 1, name.column or 1), str(name).upper(), args)

    def arg(self, meta: Any, items: list[Node]) -> Node:
        return items[0]

    def direction(self, meta: Any, items: list[Token]) -> Node:
        token = items[0]
        return Direction((token.line or 1, token.column or 1), str(token).upper() == "DESC")

    def measure(self, meta: Any, items: list[Token]) -> Node:
        token = items[0]
        return MeasureRef((token.line or 1, token.column or 1), _unbracket(str(token)))

    def string(self, meta: Any, items: list[Token]) -> Node:
        token = items[0]
        return Literal((token.line or 1, token.column or 1), str(token)[1:-1].replace('""', '"'))

    def number(self, meta: Any, items: list[Token]) -> Node:
        token = items[0]
        text = str(token)
        value: int | float = int(text) if text.isdigit() else float(text)
        return Literal((token.line or 1, token.column or 1), value)

    def table_list(self, meta: Any, items: list[Any]) -> Node:
        return TableList(_pos(meta), tuple(i for i in items if i is not None))

    def table_name(self, meta: Any, items: list[Token]) -> Node:
        token = items[0]
        return TableRef((token.line or 1, token.column or 1), str(token))

    def quoted_table(self, meta: Any, items: list[Token]) -> Node:
        token = items[0]
        return TableRef((token.line or 1, token.column or 1), str(token)[1:-1].replace("''", "'"))


@cache
def _parser() -> Lark:
    return Lark(GRAMMAR, parser="lalr", propagate_positions=True, maybe_placeholders=True)


def parse_dax(text: str) -> Query:
    """Parse one `[DEFINE MEASURE ...] EVALUATE <table> [ORDER BY ...]` query."""
    if len(text) > MAX_DAX_LENGTH:
        raise dax_error(f"the query is longer than {MAX_DAX_LENGTH} characters")
    if not text.strip():
        raise dax_error("the query is empty; write EVALUATE <table expression>")
    try:
        tree = _parser().parse(text)
        query = _Build().transform(tree)
    except UnexpectedInput as exc:
        raise _syntax_error(exc, text) from None
    except VisitError as exc:
        raise dax_error(f"could not read the query: {exc.orig_exc}") from None
    except RecursionError:
        raise dax_error("the query is nested too deeply") from None
    if not isinstance(query, Query):
        raise dax_error("expected EVALUATE <table expression>")
    return query


def parse_expression(text: str, loc: str = "expression") -> Node:
    """A measure expression or a column reference, parsed as the table of `EVALUATE <expr>`."""
    if len(text) > MAX_DAX_LENGTH:
        raise dax_error(f"the expression is longer than {MAX_DAX_LENGTH} characters", loc=loc)
    try:
        tree = _parser().parse(f"EVALUATE\n{text}")
        query = _Build().transform(tree)
    except UnexpectedInput as exc:
        raise _syntax_error(exc, text, line_offset=1, loc=loc) from None
    except RecursionError:
        raise dax_error("the expression is nested too deeply", loc=loc) from None
    if query.order_by or query.measures:
        raise dax_error("expected a single expression", loc=loc)
    shifted: Node = _shift(query.table)
    return shifted


def _shift(node: Any) -> Any:
    """Positions as if the expression were parsed alone (it was parsed after an `EVALUATE` line)."""
    if isinstance(node, tuple):
        return tuple(_shift(n) for n in node)
    if not isinstance(node, Node):
        return node
    changes: dict[str, Any] = {"pos": (node.pos[0] - 1, node.pos[1])}
    for item in fields(node):
        if item.name != "pos":
            changes[item.name] = _shift(getattr(node, item.name))
    return replace(node, **changes)


def _syntax_error(exc: UnexpectedInput, text: str, *, line_offset: int = 0, loc: str = "dax") -> InvalidInput:
    line = max(1, (getattr(exc, "line", 1) or 1) - line_offset)
    column = getattr(exc, "column", 1) or 1
    if isinstance(exc, UnexpectedEOF) or (isinstance(exc, UnexpectedToken) and exc.token.type == "$END"):
        return dax_error("the query ends too early (an unclosed parenthesis or a missing argument?)", loc=loc)
    if isinstance(exc, UnexpectedToken):
        return dax_error(f"unexpected {str(exc.token)!r}", (line, column), loc=loc)
    if isinstance(exc, UnexpectedCharacters):
        snippet = text.splitlines()[line - 1][column - 1 : column + 9] if text.splitlines() else ""
        return dax_error(f"unexpected text {snippet!r}", (line, column), loc=loc)
    return dax_error("not valid DAX", (line, column), loc=loc)
