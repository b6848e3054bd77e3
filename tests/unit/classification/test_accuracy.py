"""Accuracy of the built-in classifiers on labelled Faker columns: precision >= 0.95, recall >= 0.90 each."""

from __future__ import annotations

from lakemesh.classification.classifiers import BUILTIN_NAMES, classify_column

from .labelled_columns import labelled_columns


def confusion() -> tuple[dict[str, dict[str, int]], list[str]]:
    table = {name: {"tp": 0, "fp": 0, "fn": 0} for name in BUILTIN_NAMES}
    mistakes: list[str] = []
    for column, values, expected in labelled_columns():
        found = {f.classification for f in classify_column(column, values)}
        for name in BUILTIN_NAMES:
            if name in found and name in expected:
                table[name]["tp"] += 1
            elif name in found:
                table[name]["fp"] += 1
                mistakes.append(f"{column}: unexpected {name}")
            elif name in expected:
                table[name]["fn"] += 1
                mistakes.append(f"{column}: missed {name}")
    return table, mistakes


def test_every_builtin_classifier_is_precise_and_finds_what_it_should() -> None:
    table, mistakes = confusion()
    print(f"\n{'classifier':<16}{'tp':>4}{'fp':>4}{'fn':>4}{'precision':>11}{'recall':>8}")
    failing = []
    for name, c in table.items():
        precision = c["tp"] / (c["tp"] + c["fp"]) if c["tp"] + c["fp"] else 1.0
        recall = c["tp"] / (c["tp"] + c["fn"]) if c["tp"] + c["fn"] else 1.0
        print(f"{name:<16}{c['tp']:>4}{c['fp']:>4}{c['fn']:>4}{precision:>11.2f}{recall:>8.2f}")
        if precision < 0.95 or recall < 0.90 or c["tp"] == 0:
            failing.append(name)
    print("\n".join(mistakes))
    assert not failing, f"below precision 0.95 / recall 0.90: {failing}; {mistakes}"


def test_the_suite_is_big_enough_to_mean_something() -> None:
    columns = labelled_columns()
    assert len(columns) >= 40
    assert sum(1 for _, _, labels in columns if not labels) >= 15


def test_a_column_named_contact_full_of_emails_is_an_email_column() -> None:
    columns = {name: values for name, values, _ in labelled_columns()}
    best = classify_column("contact", columns["contact"])[0]
    assert (best.classification, best.sample_count) == ("email", len(columns["contact"]))
    assert best.matched == best.sample_count and best.confidence >= 0.95
