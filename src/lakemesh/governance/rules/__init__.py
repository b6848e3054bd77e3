"""The policy rule language: sentence rules and CEL, compiled once and evaluated against a catalog snapshot."""

from lakemesh.governance.rules.compiler import NoRule, SentenceRule, compile_policy, parse_policy_rule
from lakemesh.governance.rules.evaluator import (
    CompiledRule,
    EvaluationReport,
    Finding,
    FindingStatus,
    PolicyCounts,
    evaluate,
)

__all__ = [
    "CompiledRule",
    "EvaluationReport",
    "Finding",
    "FindingStatus",
    "NoRule",
    "PolicyCounts",
    "SentenceRule",
    "compile_policy",
    "evaluate",
    "parse_policy_rule",
]
