import pytest

from lakemesh.core.durations import format_duration, parse_duration
from lakemesh.core.errors import InvalidInput
from lakemesh.core.names import looks_like_email, slugify, validate_identifier, validate_name


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Sales", "sales"),
        ("Customer 360", "customer-360"),
        ("Sales-Domain", "sales-domain"),
        ("Économie  Ventes", "economie-ventes"),
        ("gold_customer_360", "gold_customer_360"),
    ],
)
def test_slugs_are_lower_case_and_url_safe(name: str, slug: str) -> None:
    assert slugify(name) == slug


@pytest.mark.parametrize(
    "bad", ["", "   ", "x" * 129, "a/b", "a\\b", "..", "a..b", "tab\there", "nul\x00", "!!!", "---"]
)
def test_unaddressable_names_are_refused_naming_the_field(bad: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        validate_name(bad, "name")
    assert caught.value.errors[0].loc == ("name",)


def test_identifiers_allow_only_letters_digits_and_underscore() -> None:
    assert validate_identifier("gold_customer_360") == "gold_customer_360"
    for bad in ["gold-customer", "1table", "a b", "drop;table"]:
        with pytest.raises(InvalidInput):
            validate_identifier(bad)


@pytest.mark.parametrize(
    ("text", "seconds"), [("24h", 86400), ("25 hours", 90000), ("90d", 7776000), ("15m", 900), ("1w", 604800)]
)
def test_durations_as_users_write_them(text: str, seconds: int) -> None:
    assert parse_duration(text).total_seconds() == seconds


def test_bad_duration_says_how_to_write_one() -> None:
    with pytest.raises(InvalidInput, match="24h"):
        parse_duration("soon")
    assert format_duration(parse_duration("48h")) == "2d"


@pytest.mark.parametrize("good", ["ana@sales.example", " Bo@X.io "])
def test_contact_emails_are_accepted(good: str) -> None:
    assert looks_like_email(good)


@pytest.mark.parametrize("bad", ["ana", "ana @x.io", "a\t@x.io", "a" * 250 + "@x.io", ""])
def test_contact_emails_everywhere_refuse_the_same_bad_values(bad: str) -> None:
    assert not looks_like_email(bad)
