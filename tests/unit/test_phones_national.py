"""National phone formats: with the clinic's country, a number may be written as people there
write it; a refusal says what was wrong (a letter, too few or too many digits, an unknown
country code, no country code when no country is known)."""

import pytest

from touchpoint.domain.errors import InvalidInput
from touchpoint.domain.phones import country_of, to_e164


@pytest.mark.parametrize(
    ("text", "region", "e164"),
    [
        ("(555) 777-0009", "US", "+15557770009"),
        ("555-777-0009", "US", "+15557770009"),
        ("555.777.0009", "US", "+15557770009"),
        ("1 555 777 0009", "US", "+15557770009"),
        ("5557770009", "US", "+15557770009"),
        ("020 7123 4567", "GB", "+442071234567"),
        ("07700 900123", "GB", "+447700900123"),
        ("+44 20 7123 4567", "US", "+442071234567"),  # international form wins over the country
        ("011 44 20 7123 4567", "US", "+442071234567"),  # the US international prefix
    ],
)
def test_national_formats_of_the_clinics_country_normalise_to_e164(text: str, region: str, e164: str) -> None:
    assert to_e164(text, "phone", region) == e164


@pytest.mark.parametrize(
    ("text", "region", "says"),
    [
        ("555-777", "US", "too few digits"),
        ("555-777-0009-1234", "US", "too many digits"),
        ("555-PHONE", "US", "a letter ('P')"),
        ("+999 123 4567", None, "known country code"),
        ("(555) 777-0009", None, "must start with '+' and a country code"),
        ("555#777#0009", "US", "'#'"),
        ("555+777", "US", "'+' only at its start"),
    ],
)
def test_a_refusal_says_what_was_wrong(text: str, region: str | None, says: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        to_e164(text, "phone", region)

    assert refused.value.field == "phone"
    assert says in refused.value.message


def test_a_refusal_with_a_country_shows_a_national_example() -> None:
    with pytest.raises(InvalidInput) as refused:
        to_e164("555", "phone", "US")

    assert "+15551230001" in refused.value.message
    assert "(201) 555-0123" in refused.value.message


@pytest.mark.parametrize(
    ("e164", "country"),
    [("+12125550100", "US"), ("+15005550006", "US"), ("+442071234567", "GB"), ("+80012345678", None)],
)
def test_a_clinics_country_is_its_phones_country_codes(e164: str, country: str | None) -> None:
    assert country_of(e164) == country
