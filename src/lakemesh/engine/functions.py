"""Function allow-lists shared by the query gate and the rule language.

Functions are matched on sqlglot's expression classes, so every spelling sqlglot knows
(`len`, `length`, `char_length`) is covered at once. Functions sqlglot does not model come back
as `exp.Anonymous` and are matched by name. Anything else is refused: DuckDB has functions that
read files, query other relations or reveal settings, and an allow-list is the only safe default.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlglot import exp

from lakemesh.core.errors import ErrorItem, InvalidInput

SCALAR_FUNCTIONS: frozenset[type[exp.Func]] = frozenset(
    {
        # conditional and casts
        exp.Case,
        exp.If,
        exp.Coalesce,
        exp.Nullif,
        exp.Greatest,
        exp.Least,
        exp.Cast,
        exp.TryCast,
        # strings
        exp.Lower,
        exp.Upper,
        exp.Length,
        exp.Trim,
        exp.Concat,
        exp.ConcatWs,
        exp.Substring,
        exp.Replace,
        exp.Left,
        exp.Right,
        exp.Pad,
        exp.Reverse,
        exp.Repeat,
        exp.StrPosition,
        exp.StartsWith,
        exp.EndsWith,
        exp.Contains,
        exp.SplitPart,
        exp.Initcap,
        exp.Translate,
        exp.Ascii,
        exp.Chr,
        exp.Levenshtein,
        exp.RegexpLike,
        exp.RegexpILike,
        exp.RegexpFullMatch,
        exp.RegexpReplace,
        exp.RegexpExtract,
        exp.MD5,
        exp.SHA,
        exp.SHA2,
        exp.Hex,
        # dates and times
        exp.Date,
        exp.TimestampTrunc,
        exp.DateTrunc,
        exp.DatetimeTrunc,
        exp.Extract,
        exp.Year,
        exp.Quarter,
        exp.Month,
        exp.Week,
        exp.Day,
        exp.DayOfWeek,
        exp.DayOfWeekIso,
        exp.DayOfMonth,
        exp.DayOfYear,
        exp.Hour,
        exp.Minute,
        exp.Second,
        exp.Dayname,
        exp.Monthname,
        exp.LastDay,
        exp.DateDiff,
        exp.DateAdd,
        exp.DateSub,
        exp.DateBin,
        exp.DateFromParts,
        exp.TimeToStr,
        exp.StrToTime,
        exp.StrToDate,
        exp.TimeToUnix,
        exp.UnixToTime,
        exp.CurrentDate,
        exp.CurrentTimestamp,
        # math
        exp.Abs,
        exp.Round,
        exp.Floor,
        exp.Ceil,
        exp.Trunc,
        exp.Sign,
        exp.Sqrt,
        exp.Cbrt,
        exp.Pow,
        exp.Exp,
        exp.Ln,
        exp.Log,
        exp.Pi,
        exp.Degrees,
        exp.Radians,
        exp.Sin,
        exp.Cos,
        exp.Tan,
        exp.Asin,
        exp.Acos,
        exp.Atan,
        exp.Atan2,
        exp.IsNan,
        exp.IsInf,
    }
)

AGGREGATE_FUNCTIONS: frozenset[type[exp.Func]] = frozenset(
    {
        exp.Count,
        exp.CountIf,
        exp.Sum,
        exp.Avg,
        exp.Min,
        exp.Max,
        exp.Stddev,
        exp.StddevSamp,
        exp.StddevPop,
        exp.Variance,
        exp.VariancePop,
        exp.Corr,
        exp.CovarPop,
        exp.CovarSamp,
        exp.Kurtosis,
        exp.Skewness,
        exp.ApproxDistinct,
        exp.ApproxQuantile,
        exp.PercentileCont,
        exp.PercentileDisc,
        exp.Quantile,
        exp.Median,
        exp.Mode,
        exp.GroupConcat,
        exp.ArrayAgg,
        exp.LogicalAnd,
        exp.LogicalOr,
        exp.AnyValue,
        exp.First,
        exp.Last,
        exp.ArgMax,
        exp.ArgMin,
    }
)

WINDOW_FUNCTIONS: frozenset[type[exp.Func]] = frozenset(
    {
        exp.RowNumber,
        exp.Rank,
        exp.DenseRank,
        exp.PercentRank,
        exp.CumeDist,
        exp.Ntile,
        exp.Lag,
        exp.Lead,
        exp.FirstValue,
        exp.LastValue,
        exp.NthValue,
    }
)

# sqlglot models these operators as functions; they are plain logic.
OPERATORS: frozenset[type[exp.Func]] = frozenset({exp.And, exp.Or, exp.Xor})

# Query-only extras: subqueries in EXISTS, list/struct literals, JSON access, the current time.
QUERY_ONLY_FUNCTIONS: frozenset[type[exp.Func]] = frozenset(
    {exp.Exists, exp.Array, exp.Struct, exp.JSONExtract, exp.JSONExtractScalar, exp.CurrentTime}
)

# DuckDB functions sqlglot parses as `exp.Anonymous`, matched by lower-case name.
SCALAR_NAMES: frozenset[str] = frozenset(
    {"date_part", "datepart", "strlen", "octet_length", "bit_length", "epoch_ms", "age", "hash", "printf", "isodow"}
)
AGGREGATE_NAMES: frozenset[str] = frozenset({"product", "fsum", "favg", "bit_and", "bit_or", "bit_xor", "entropy"})
QUERY_ONLY_NAMES: frozenset[str] = frozenset({"now", "today", "get_current_timestamp"})


def function_name(node: exp.Func) -> str:
    """The name to show a user: what they wrote for unknown functions, the SQL name otherwise."""
    if isinstance(node, exp.Anonymous):
        return str(node.name).lower()
    names = type(node).sql_names()
    return str(names[0]).lower() if names else type(node).__name__.lower()


@dataclass(frozen=True)
class FunctionPolicy:
    """Which functions one kind of SQL may call."""

    classes: frozenset[type[exp.Func]]
    names: frozenset[str]

    def allows(self, node: exp.Func) -> bool:
        if isinstance(node, exp.Anonymous):
            return str(node.name).lower() in self.names
        return type(node) in self.classes


QUERY_FUNCTIONS = FunctionPolicy(
    OPERATORS | SCALAR_FUNCTIONS | AGGREGATE_FUNCTIONS | WINDOW_FUNCTIONS | QUERY_ONLY_FUNCTIONS,
    SCALAR_NAMES | AGGREGATE_NAMES | QUERY_ONLY_NAMES,
)
ROW_RULE_FUNCTIONS = FunctionPolicy(OPERATORS | SCALAR_FUNCTIONS, SCALAR_NAMES)
# Column masks also need the bytes functions their keyed hash (HMAC-SHA256) is written with.
COLUMN_MASK_FUNCTIONS = FunctionPolicy(ROW_RULE_FUNCTIONS.classes | {exp.Unhex, exp.Encode}, SCALAR_NAMES)


def refuse(loc: tuple[str | int, ...], message: str) -> InvalidInput:
    """The one error the gate and the rule parser raise: loc points at the SQL, message names the construct."""
    return InvalidInput(message, errors=[ErrorItem(loc, message)])
