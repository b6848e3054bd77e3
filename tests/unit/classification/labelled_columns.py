"""Labelled columns generated with Faker (fixed seeds, several locales): positives, negatives and mixed columns."""

from __future__ import annotations

import random
from collections.abc import Callable

from faker import Faker

ROWS = 200

LabelledColumn = tuple[str, list[str], frozenset[str]]


def _faker(locale: str, seed: int) -> Faker:
    fake = Faker(locale)
    fake.seed_instance(seed)
    return fake


def _nino(rng: random.Random) -> str:
    first, second = "ABCEGHJKLMNPRSTWXYZ", "ABCEGHJKLMNPRSTWXYZ"
    while True:
        prefix = rng.choice(first) + rng.choice(second)
        if prefix not in {"BG", "GB", "NK", "KN", "TN", "NT", "ZZ"}:
            break
    digits = "".join(rng.choice("0123456789") for _ in range(6))
    return f"{prefix} {digits[:2]} {digits[2:4]} {digits[4:]} {rng.choice('ABCD')}"


def _column(name: str, make: Callable[[], str], labels: set[str], rows: int = ROWS) -> LabelledColumn:
    return name, [make() for _ in range(rows)], frozenset(labels)


def _mixed(name: str, makers: list[Callable[[], str]], labels: set[str], seed: int) -> LabelledColumn:
    rng = random.Random(seed)
    return name, [rng.choice(makers)() for _ in range(ROWS)], frozenset(labels)


def labelled_columns() -> list[LabelledColumn]:
    us, gb, de, fr = _faker("en_US", 1), _faker("en_GB", 2), _faker("de_DE", 3), _faker("fr_FR", 4)
    nl, it, es, pl = _faker("nl_NL", 5), _faker("it_IT", 6), _faker("es_ES", 7), _faker("pl_PL", 8)
    fi, se = _faker("fi_FI", 9), _faker("sv_SE", 10)
    rng = random.Random(11)
    none: set[str] = set()
    return [
        # e-mail
        _column("email", us.email, {"email"}),
        _column("contact", de.free_email, {"email"}),
        _column("courriel", fr.company_email, {"email"}),
        _mixed("notes_email", [lambda: f"{us.sentence()} Reach me at {us.email()}.", us.sentence], {"email"}, 12),
        # phone
        _column("phone", us.phone_number, {"phone"}),
        _column("telephone", gb.phone_number, {"phone"}),
        _column("mobile", de.phone_number, {"phone"}),
        _column("numero", fr.phone_number, {"phone"}),
        _column("contact_phone", es.phone_number, {"phone"}),
        # person names
        _column("customer_name", us.name, {"person_name"}),
        _column("full_name", de.name, {"person_name"}),
        _column("name", fr.name, {"person_name"}),
        _column("contact_name", es.name, {"person_name"}),
        # postal addresses
        _column("address", us.address, {"postal_address"}),
        _column("shipping_address", de.address, {"postal_address"}),
        _column("adresse", fr.address, {"postal_address"}),
        _column("home_address", gb.address, {"postal_address"}),
        _column("location", nl.address, {"postal_address"}),
        # national ids
        _column("ssn", us.ssn, {"us_ssn"}),
        _column("tax_ref", us.ssn, {"us_ssn"}),
        _column("nino", lambda: _nino(rng), {"uk_nino"}),
        _column("ni_ref", lambda: _nino(rng).replace(" ", ""), {"uk_nino"}),
        _column("iban", de.iban, {"iban"}),
        _column("payout_account", fr.iban, {"iban"}),
        _column("rekening", nl.iban, {"iban"}),
        _column("card_number", us.credit_card_number, {"credit_card"}),
        _column("payment_ref", gb.credit_card_number, {"credit_card"}),
        _column("bsn", nl.ssn, {"national_id"}),
        _column("nir", fr.ssn, {"national_id"}),
        _column("codice_fiscale", it.ssn, {"national_id"}),
        _column("pesel", pl.ssn, {"national_id"}),
        _column("henkilotunnus", fi.ssn, {"national_id"}),
        _column("personnummer", se.ssn, {"national_id"}),
        # ip addresses
        _column("client_ip", us.ipv4, {"ip_address"}),
        _column("peer", us.ipv6, {"ip_address"}),
        _column("source_addr", us.ipv4_private, {"ip_address"}),
        # dates of birth
        _column("date_of_birth", lambda: us.date_of_birth().isoformat(), {"date_of_birth"}),
        _column("dob", lambda: de.date_of_birth().strftime("%d.%m.%Y"), {"date_of_birth"}),
        _column("birthdate", lambda: fr.date_of_birth().strftime("%d/%m/%Y"), {"date_of_birth"}),
        # mixed
        _mixed("contact_info", [us.email, us.phone_number], {"email", "phone"}, 13),
        # negatives: ids that look like phone numbers, dates that are not birthdays, free text, codes
        _column("order_id", lambda: str(rng.randint(1_000_000_000, 9_999_999_999)), none),
        _column("invoice_no", lambda: str(rng.randint(100_000_000, 999_999_999)), none),
        _column("tracking_number", lambda: str(rng.randint(10**15, 10**16 - 1)), none),
        _column("order_date", lambda: us.date_between("-30y", "today").isoformat(), none),
        _column("shipped_on", lambda: de.date_between("-5y", "today").strftime("%d.%m.%Y"), none),
        _column("city", us.city, none),
        _column("ville", fr.city, none),
        _column("company", us.company, none),
        _column("firma", de.company, none),
        _column("product", us.catch_phrase, none),
        _column("comment", us.sentence, none),
        _column("description", lambda: de.paragraph(nb_sentences=2), none),
        _column("notes", fr.text, none),
        _column("job", us.job, none),
        _column("id", us.uuid4, none),
        _column("sku", lambda: us.bothify("SKU-####-??").upper(), none),
        _column("amount", lambda: f"{rng.uniform(1, 9999):.2f}", none),
        _column("status", lambda: rng.choice(["open", "closed", "pending"]), none),
        _column("country_code", us.country_code, none),
        _column("version", lambda: f"{rng.randint(0, 20)}.{rng.randint(0, 99)}.{rng.randint(0, 999)}", none),
        _column("homepage", us.url, none),
        _column("username", us.user_name, none),
        _column("color", us.hex_color, none),
        _column("zip", us.postcode, none),
        _column("street_name", us.street_name, none),
        _column("account_no", lambda: str(rng.randint(10**7, 10**8 - 1)), none),
        _column("created_at", lambda: us.date_time_this_decade().isoformat(), none),
        _column("isbn", us.isbn13, none),
    ]
