"""The policy rule language: sentence rules and CEL, compiled once and evaluated against a catalog snapshot."""

from lakemesh.governance.rules.compiler import SentenceRule, parse_policy_rule
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
    "PolicyCounts",
    "SentenceRule",
    "evaluate",
    "parse_policy_rule",
]
