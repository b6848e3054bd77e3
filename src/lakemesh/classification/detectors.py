"""Value detectors of the built-in classifiers: each says whether one value is (or, in free text, contains)
the thing it looks for, validated by a maintained library wherever one exists rather than by a regex alone."""

from __future__ import annotations

import datetime as dt
import ipaddress
import re
from collections.abc import Callable
from types import ModuleType

import phonenumbers
from email_validator import EmailNotValidError, validate_email
from stdnum import iban, isbn, luhn
from stdnum.us import ssn

Detector = Callable[[str], bool]

# Candidate finders: cheap regexes that only pick tokens for the library validators to judge.
_EMAIL_TOKEN = re.compile(r"[^\s<>(),;:\"']+@[^\s<>(),;:\"']+\.[A-Za-z]{2,}")
_IPV4_TOKEN = re.compile(r"\b(?:\d{1,3}\.){3}\d{1,3}\b")
_SSN_SHAPE = re.compile(r"\d{3}-\d{2}-\d{4}")
_ID_SHAPE = re.compile(r"[0-9A-Za-z][0-9A-Za-z .+/-]*")
_PHONE_SHAPE = re.compile(r"\+?[\d(][\d ().\-/]*\d")
_EXTENSION = re.compile(r"(?i)\s*(?:x|ext\.?|extension)\s*\d{1,6}$")
_CARD_SHAPE = re.compile(r"\d(?:[ -]?\d){11,18}")
_NINO = re.compile(r"(?!BG|GB|NK|KN|TN|NT|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z] ?\d{2} ?\d{2} ?\d{2} ?[A-D]")
_WORD = re.compile(r"[^\W\d_][^\W\d_'\-.]*\.?", re.UNICODE)
_STREET_WORDS = re.compile(
    r"(?i)\b(street|st\.?|avenue|ave\.?|road|rd\.?|lane|ln\.?|drive|dr\.?|boulevard|blvd\.?|way|court|ct\.?|place|"
    r"plaza|square|highway|hwy|parkway|terrace|crescent|close|gardens|rue|avenue|chemin|allée|boulevard|via|viale|"
    r"piazza|contrada|calle|avenida|plaza|paseo|camino|ulica|ul\.|aleja|plac|weg|gasse|allee|ring|platz|"
    r"laan|straat|singel|gracht|kade|plein|katu|tie|gatan|vägen|apt\.?|suite|unit)\b|"
    r"(straße|strasse|weg|gasse|allee|platz|ring|straat|laan|singel|gracht|kade|plein|katu|tie|gatan|vägen|väg)\b"
)
_POSTCODE = re.compile(r"\b(\d{5}(?:-\d{4})?|\d{4} ?[A-Z]{2}|[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}|\d{2}-\d{3})\b")
_DATE = re.compile(r"(\d{4}|\d{1,2})[-/.](\d{1,2})[-/.](\d{4}|\d{1,2})(?:$|[T ])")
_NAME_TITLES = {"mr", "mrs", "ms", "miss", "dr", "prof", "sig", "sig.ra", "dott", "herr", "frau", "m", "mme", "mlle"}


def is_email(value: str) -> bool:
    """The whole value is a syntactically valid address (`email-validator`, no DNS look-up)."""
    if "@" not in value or len(value) > 320 or any(c.isspace() for c in value.strip()):
        return False
    try:
        validate_email(value.strip(), check_deliverability=False)
    except EmailNotValidError:
        return False
    return True


def contains_email(value: str) -> bool:
    return "@" in value and any(is_email(t) for t in _EMAIL_TOKEN.findall(value))


def is_phone(value: str) -> bool:
    """A possible phone number (`phonenumbers`) written as people write phone numbers: separators or a `+`.

    A bare run of digits is not enough (order numbers and ids look just like that), nor is a value another
    classifier claims: dates, IP addresses, SSNs, ISBNs, national ids and card numbers share the shape."""
    text = _EXTENSION.sub("", value.strip())
    digits = sum(c.isdigit() for c in text)
    if not 8 <= digits <= 15 or not _PHONE_SHAPE.fullmatch(text) or text.isdigit():
        return False
    if _claimed_elsewhere(text):
        return False
    for region in ("US", "GB", "DE", "FR"):
        try:
            number = phonenumbers.parse(text, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_possible_number(number):
            return True
    return False


def _claimed_elsewhere(text: str) -> bool:
    return (
        is_date_value(text)
        or is_ip_address(text)
        or bool(_SSN_SHAPE.fullmatch(text))
        or isbn.is_valid(text)
        or is_credit_card(text)
        or national_id_scheme(text) is not None
    )


def is_ip_address(value: str) -> bool:
    """IPv4 or IPv6 (`ipaddress`); a four-part version number with parts above 255 is not one."""
    try:
        ipaddress.ip_address(value.strip())
    except ValueError:
        return False
    return True


def contains_ip_address(value: str) -> bool:
    return any(is_ip_address(t) for t in _IPV4_TOKEN.findall(value)) or (
        value.count(":") >= 2 and any(is_ip_address(t.strip(",;()[]")) for t in value.split())
    )


def is_us_ssn(value: str) -> bool:
    """`123-45-6789` with the SSA's rules (no 000/666/9xx area, no 00 group, no 0000 serial) via `python-stdnum`."""
    text = value.strip()
    return bool(_SSN_SHAPE.fullmatch(text)) and ssn.is_valid(text)


def is_uk_nino(value: str) -> bool:
    """A National Insurance number: HMRC's prefix rules, six digits, suffix A-D (python-stdnum has no NINO)."""
    return bool(_NINO.fullmatch(value.strip().upper()))


def is_iban(value: str) -> bool:
    text = value.strip()
    return 15 <= len(text.replace(" ", "")) <= 34 and text[:2].isalpha() and iban.is_valid(text)


def is_credit_card(value: str) -> bool:
    """12-19 digits (spaces or dashes allowed) with a valid Luhn check digit and a card network's prefix."""
    text = value.strip()
    if not _CARD_SHAPE.fullmatch(text):
        return False
    digits = text.replace(" ", "").replace("-", "")
    return digits[0] in "23456" and luhn.is_valid(digits)


def _stdnum_modules() -> list[tuple[str, ModuleType]]:
    from stdnum.be import nn
    from stdnum.br import cpf
    from stdnum.ca import sin
    from stdnum.ch import ssn as ch_ssn
    from stdnum.de import idnr
    from stdnum.dk import cpr
    from stdnum.es import dni, nie
    from stdnum.fi import hetu
    from stdnum.fr import nir
    from stdnum.it import codicefiscale
    from stdnum.nl import bsn
    from stdnum.no import fodselsnummer
    from stdnum.pl import pesel
    from stdnum.se import personnummer

    modules = {
        "be.nn": nn, "br.cpf": cpf, "ca.sin": sin, "ch.ssn": ch_ssn, "de.idnr": idnr, "dk.cpr": cpr, "es.dni": dni,
        "es.nie": nie, "fi.hetu": hetu, "fr.nir": nir, "it.codicefiscale": codicefiscale, "nl.bsn": bsn,
        "no.fodselsnummer": fodselsnummer, "pl.pesel": pesel, "se.personnummer": personnummer,
    }  # fmt: skip
    return sorted(modules.items())


NATIONAL_ID_MODULES = _stdnum_modules()
# Lengths without separators per scheme: python-stdnum's validators are thorough but slow (Unicode clean-up per
# call), so a value only meets the schemes its length fits.
_LENGTHS: dict[str, frozenset[int]] = {
    "be.nn": frozenset({11}), "br.cpf": frozenset({11}), "ca.sin": frozenset({9}), "ch.ssn": frozenset({13}),
    "de.idnr": frozenset({11}), "dk.cpr": frozenset({10}), "es.dni": frozenset({9}), "es.nie": frozenset({9}),
    "fi.hetu": frozenset({10, 11}), "fr.nir": frozenset({15}), "it.codicefiscale": frozenset({11, 16}),
    "nl.bsn": frozenset({8, 9}), "no.fodselsnummer": frozenset({11}), "pl.pesel": frozenset({11}),
    "se.personnummer": frozenset({10, 12}),
}  # fmt: skip
_SEPARATORS = re.compile(r"[\s./+-]")


def national_id_scheme(value: str) -> str | None:
    """The first national-id scheme of `python-stdnum` (besides SSN and NINO) that validates the value."""
    text = value.strip()
    if not 8 <= len(text) <= 20 or sum(c.isdigit() for c in text) < 6 or not _ID_SHAPE.fullmatch(text):
        return None
    size = len(_SEPARATORS.sub("", text))
    for name, module in NATIONAL_ID_MODULES:
        if size in _LENGTHS.get(name, frozenset({size})) and module.is_valid(text):
            return name  # stdnum's is_valid never raises: an odd value just does not validate
    return None


def is_date_value(value: str) -> bool:
    """A calendar date a living person could be born on (the last 120 years, not in the future)."""
    match = _DATE.match(value.strip())
    if match is None:
        return False
    a, b, c = (int(g) for g in match.groups())
    # year first (2024-01-31), else day first (31.01.2024, 31/01/2024) or, failing that, month first (01/31/2024)
    candidates = [(a, b, c)] if len(match.group(1)) == 4 else [(c, b, a), (c, a, b)]
    today = dt.date.today()
    for year, month, day in candidates:
        try:
            born = dt.date(year, month, day)
        except ValueError:
            continue
        return today.replace(year=today.year - 120) <= born <= today
    return False


def is_person_name(value: str) -> bool:
    """Two to four capitalised words of letters (a title like Dr. allowed): the shape of a name, no more.

    Content alone cannot tell `Paris Hilton` from `Santa Monica`; the classifier leans on the column name."""
    words = value.strip().split()
    if not 2 <= len(words) <= 5 or len(value) > 80 or _STREET_WORDS.search(value):
        return False
    words = [w for w in words if w.lower().rstrip(".") not in _NAME_TITLES]
    return 2 <= len(words) <= 4 and all(_WORD.fullmatch(w) and w[0].isupper() for w in words)


def is_postal_address(value: str) -> bool:
    """A house number and a street word or a postal code, over at least two parts (lines or commas)."""
    text = value.strip()
    if not 10 <= len(text) <= 200 or not any(c.isdigit() for c in text) or not any(c.isalpha() for c in text):
        return False
    parts = [p for p in re.split(r"[\n,/]", text) if p.strip()]
    has_street = bool(_STREET_WORDS.search(text))
    has_postcode = bool(_POSTCODE.search(text))
    return (has_street and (has_postcode or len(parts) >= 2)) or (has_postcode and len(parts) >= 2)
