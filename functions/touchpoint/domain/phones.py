"""Phone numbers, always stored and compared in E.164."""

import re

import phonenumbers

from touchpoint.domain.errors import InvalidInput

_MESSAGING_SERVICE_SID = re.compile(r"^MG[0-9a-fA-F]{32}$")
_WRITTEN_NUMBER = re.compile(r"\+[\d\s().\-]+")


def to_e164(text: object, field: str) -> str:
    """Parse a phone number written with a leading '+' and country code into E.164."""
    if not isinstance(text, str) or not text.strip():
        raise InvalidInput(f"{field} must be a phone number in international form, e.g. +15551230001", field)
    if len(text) > 32:
        raise InvalidInput(f"{field} is too long to be a phone number", field)
    # phonenumbers reads letters as keypad digits and skips what surrounds a number:
    # only digits and the usual separators are taken, so a typo cannot become another number.
    if not _WRITTEN_NUMBER.fullmatch(text.strip()):
        raise InvalidInput(
            f"{field} may hold only '+', digits, spaces, dots, dashes and parentheses, e.g. +15551230001",
            field,
        )
    try:
        number = phonenumbers.parse(text, None)
    except phonenumbers.NumberParseException:
        raise InvalidInput(
            f"{field} must be a phone number in international form with a country code, e.g. +15551230001",
            field,
        ) from None
    # Possible rather than valid: the fictional 555 numbers of examples and tests must work,
    # and Twilio refuses an unreachable number at send time (recorded as a failed message).
    if phonenumbers.is_possible_number_with_reason(number) != phonenumbers.ValidationResult.IS_POSSIBLE:
        raise InvalidInput(f"{field} is not a possible phone number for its country", field)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def to_sender(text: object, field: str) -> str:
    """A clinic's sender: an E.164 number or a Twilio Messaging Service SID (MG...)."""
    if isinstance(text, str) and _MESSAGING_SERVICE_SID.match(text):
        return "MG" + text[2:].lower()
    if isinstance(text, str) and text.startswith("MG"):
        raise InvalidInput(
            f"{field} looks like a Messaging Service SID but is not 'MG' + 32 hex digits", field
        )
    return to_e164(text, field)


def is_messaging_service(sender: str) -> bool:
    return sender.startswith("MG")
