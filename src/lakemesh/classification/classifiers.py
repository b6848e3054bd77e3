"""Classifiers: a value detector plus column-name hints, turned into a confidence over a sample of values.

Confidence is `sqrt(share of sampled values that match)`, raised by 0.2 when the column's name carries one of
the classifier's hints. Some things cannot be told from content alone (a person's name from a city's, a birth
date from an order date): those classifiers need a name hint to reach a suggestion (`needs_hint`).
"""

from __future__ import annotations

import bisect
import math
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from lakemesh.classification import detectors as d

HINT_BONUS = 0.2
NO_HINT_CAP = 0.5  # what a `needs_hint` classifier reaches at most without a hint (below the default threshold)
DEFAULT_THRESHOLD = 0.6
PROBE = 100


@dataclass(frozen=True)
class Classifier:
    """One kind of sensitive data: `detect` judges one value, `name_hints` are words of likely column names."""

    name: str
    description: str
    detect: Callable[[str], bool]
    name_hints: tuple[str, ...] = ()
    needs_hint: bool = False
    builtin: bool = True
    not_hints: tuple[str, ...] = ()  # words that cancel a hint: a `street_name` is not a person's name

    def hinted(self, column: str) -> bool:
        words = _name_words(column)
        joined = "_".join(words)
        if any(w in words for w in self.not_hints):
            return False
        return any(h in words or (len(h) > 3 and h in joined) for h in self.name_hints)


@dataclass(frozen=True)
class Finding:
    """What a classifier found in one column's sample: never the values, only counts and a confidence."""

    column: str
    classification: str
    confidence: float
    sample_count: int
    matched: int


_NOT_PERSON = (
    "street", "company", "product", "city", "file", "user", "host", "table", "column", "brand", "country",
    "category", "business", "project", "team", "domain", "town", "region", "place", "store", "shop", "display",
)  # fmt: skip

BUILTIN: tuple[Classifier, ...] = (
    Classifier("email", "E-mail address", d.contains_email, ("email", "e_mail", "mail")),
    Classifier("phone", "Phone number", d.is_phone, ("phone", "tel", "telephone", "mobile", "cell", "fax")),
    Classifier(
        "person_name",
        "A person's name",
        d.is_person_name,
        ("name", "full_name", "first_name", "last_name", "surname", "customer", "contact_name", "employee"),
        needs_hint=True,
        not_hints=_NOT_PERSON,
    ),
    Classifier("postal_address", "Postal address", d.is_postal_address, ("address", "street", "addr", "postal")),
    Classifier("us_ssn", "US Social Security number", d.is_us_ssn, ("ssn", "social_security")),
    Classifier("uk_nino", "UK National Insurance number", d.is_uk_nino, ("nino", "national_insurance", "ni_number")),
    Classifier("iban", "International bank account number", d.is_iban, ("iban", "account", "bank")),
    Classifier("credit_card", "Payment card number (Luhn)", d.is_credit_card, ("card", "credit_card", "cc", "pan")),
    Classifier(
        "national_id",
        "National id number (python-stdnum schemes)",
        lambda v: d.national_id_scheme(v) is not None,
        ("national_id", "personal_id", "id_number", "tax_id", "bsn", "nir", "pesel", "cpf", "personnummer"),
    ),
    Classifier("ip_address", "IPv4 or IPv6 address", d.is_ip_address, ("ip", "ip_address", "client_ip", "host")),
    Classifier(
        "date_of_birth",
        "Date of birth",
        d.is_date_value,
        ("birth", "dob", "birthday", "born", "date_of_birth", "birthdate"),
        needs_hint=True,
    ),
)
BUILTIN_NAMES = tuple(c.name for c in BUILTIN)


def _name_words(column: str) -> list[str]:
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", column)
    return [w for w in re.split(r"[^a-z0-9]+", spaced.lower()) if w]


def sample_strings(values: Iterable[object]) -> list[str]:
    """The non-empty values as text; booleans and floats carry none of the kinds we look for."""
    out: list[str] = []
    for value in values:
        if value is None or isinstance(value, bool | float):
            continue
        text = value.isoformat() if hasattr(value, "isoformat") else str(value)
        if text.strip():
            out.append(text)
    return out


def confidence(classifier: Classifier, column: str, matched: int, sample_count: int) -> float:
    if sample_count == 0 or matched == 0:
        return 0.0
    score = math.sqrt(matched / sample_count)
    if classifier.hinted(column):
        score += HINT_BONUS
    elif classifier.needs_hint:
        score = min(score, NO_HINT_CAP)
    return round(min(score, 1.0), 3)


def classify_column(
    column: str,
    values: Sequence[str],
    classifiers: Sequence[Classifier] = BUILTIN,
    threshold: float = DEFAULT_THRESHOLD,
) -> list[Finding]:
    """Every classification at or above `threshold` for one column's sampled values, best first.

    Each distinct value is judged once. A classifier that recognises none of the first `PROBE` distinct values is
    not run on the rest: a column where it would reach the threshold (>= 16% matches with a name hint) shows no
    match in 100 values with a probability below 1e-7. Nor is it run once the values left could no longer lift it
    to the threshold, or at all when no count of matches would (the findings are the same as judging every value).
    """
    counts = Counter(values)
    distinct = list(counts)
    findings = []
    for classifier in classifiers:
        need = fewest_matches(classifier, column, len(values), threshold)
        if need is None:
            continue  # e.g. a classifier that needs a name hint, on a column without one
        matched, unseen = 0, len(values)
        for position, value in enumerate(distinct):
            if (position == PROBE and matched == 0) or matched + unseen < need:
                break  # the threshold is out of reach: the rest would not change the outcome
            unseen -= counts[value]
            if classifier.detect(value):
                matched += counts[value]
        if matched >= need:
            score = confidence(classifier, column, matched, len(values))
            findings.append(Finding(column, classifier.name, score, len(values), matched))
    return sorted(findings, key=lambda f: (-f.confidence, f.classification))


def fewest_matches(classifier: Classifier, column: str, sample_count: int, threshold: float) -> int | None:
    """The fewest matching values that reach `threshold` (confidence grows with matches), None if none do."""
    if sample_count == 0 or confidence(classifier, column, sample_count, sample_count) < threshold:
        return None
    return (
        bisect.bisect_left(
            range(1, sample_count + 1), True, key=lambda m: confidence(classifier, column, m, sample_count) >= threshold
        )
        + 1
    )
