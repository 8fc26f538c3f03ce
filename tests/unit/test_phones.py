"""Phone numbers are parsed and stored in E.164; anything else is refused by field name."""

from typing import Any

import pytest

from touchpoint.domain.errors import InvalidInput
from touchpoint.domain.phones import is_messaging_service, to_e164, to_sender


@pytest.mark.parametrize(
    ("text", "e164"),
    [
        ("+12125550100", "+12125550100"),
        ("+1 212 555 0100", "+12125550100"),
        ("+1-212-555-0100", "+12125550100"),
        ("+1 (212) 555-0100", "+12125550100"),
        ("+1.212.555.0100", "+12125550100"),
        ("  +1 212 555 0100  ", "+12125550100"),
        ("+1 555 123 0001", "+15551230001"),
        ("+44 20 7946 0958", "+442079460958"),
        ("+44 (0)20 7946 0958", "+442079460958"),
        ("+49 30 901820", "+4930901820"),
        ("+61 2 9876 5432", "+61298765432"),
        ("+33 6 12 34 56 78", "+33612345678"),
    ],
)
def test_international_numbers_in_any_usual_format_normalise_to_e164(text: str, e164: str) -> None:
    assert to_e164(text, "phone") == e164


@pytest.mark.parametrize(
    "text",
    [
        None,
        "",
        "   ",
        "phone",
        "call me",
        "+1 212 555 0100 call me",
        "+1 212",
        "+1555",
        "+1 212 555 0100 1234 5678",
        "+1555123000123456",
        "+" + "1" * 40,
        "2125550100",
        "12125550100",
        "0012125550100",
        "\U0001f4f1",
        12125550100,
        1.5,
        ["+12125550100"],
        {"number": "+12125550100"},
    ],
)
def test_anything_but_a_possible_international_number_is_refused_naming_the_field(text: Any) -> None:
    with pytest.raises(InvalidInput) as caught:
        to_e164(text, "patient.phone")

    assert caught.value.field == "patient.phone"
    assert "patient.phone" in caught.value.message


@pytest.mark.parametrize("text", ["+1 212 555 O1OO", "+1 800 FLOWERS", "+1 212 555 CALL"])
def test_letters_in_a_phone_number_are_refused(text: str) -> None:
    with pytest.raises(InvalidInput):
        to_e164(text, "phone")


@pytest.mark.parametrize(
    "text", ["+1 212 555 0100 \U0001f4f1", "\U0001f4f1+12125550100", "+12125550100\U0001f600"]
)
def test_an_emoji_in_a_phone_number_is_refused(text: str) -> None:
    with pytest.raises(InvalidInput):
        to_e164(text, "phone")


def test_a_messaging_service_sid_is_a_sender_but_not_a_phone() -> None:
    sid = "MG" + "a" * 32

    assert to_sender(sid, "sender") == sid
    assert is_messaging_service(sid)
    assert not is_messaging_service("+15005550006")
    with pytest.raises(InvalidInput):
        to_e164(sid, "phone")
