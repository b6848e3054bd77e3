"""Engine: DuckDB over Arrow data, one gate for user SQL, and fused quality-rule scans."""

from lakemesh.engine.gate import EngineLimits, GatedQuery, TableName, gate_query
from lakemesh.engine.rules import Rule, parse_rule, parse_threshold, validate_rule_columns
from lakemesh.engine.scan import RuleResult, ScanPlan, ScanResult, compile_scan, run_scan
from lakemesh.engine.session import EngineSession

__all__ = [
    "EngineLimits",
    "EngineSession",
    "GatedQuery",
    "Rule",
    "RuleResult",
    "ScanPlan",
    "ScanResult",
    "TableName",
    "compile_scan",
    "gate_query",
    "parse_rule",
    "parse_threshold",
    "run_scan",
    "validate_rule_columns",
]
