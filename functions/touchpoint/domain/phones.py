"""Phone numbers, always stored and compared in E.164.

A number is read in international form (`+` and a country code), or, when the caller says
which country it is in (a clinic's country: see `country_of`), in that country's national
formats as well: `(555) 777-0009`, `555.777.0009`, `1 555 777 0009` in the US, `020 7123 4567`
in the UK. A refusal says what was wrong: a letter, too few or too many digits, an unknown
country code.
"""

import re

import phonenumbers
from phonenumbers import NumberParseException, ValidationResult

from touchpoint.domain.errors import InvalidInput

_MESSAGING_SERVICE_SID = re.compile(r"^MG[0-9a-fA-F]{32}$")
_SEPARATORS = " \t().-"
_EXAMPLE = "e.g. +15551230001"
# The region phonenumbers answers for a country code that belongs to no one country (+800...).
_NO_COUNTRY = "001"

_PARSE_PROBLEMS = {
    NumberParseException.INVALID_COUNTRY_CODE: "does not start with a known country code",
    NumberParseException.TOO_SHORT_AFTER_IDD: "has too few digits after its international prefix",
    NumberParseException.TOO_SHORT_NSN: "has too few digits",
    NumberParseException.TOO_LONG: "has too many digits",
}
_LENGTH_PROBLEMS = {
    ValidationResult.TOO_SHORT: "has too few digits",
    ValidationResult.TOO_LONG: "has too many digits",
    ValidationResult.INVALID_LENGTH: "does not have as many digits as a number there has",
    ValidationResult.INVALID_COUNTRY_CODE: "does not start with a known country code",
}


def to_e164(text: object, field: str, region: str | None = None) -> str:
    """Parse a phone number into E.164: international form, or with `region` (an ISO 3166
    country code such as "US" or "GB") that country's national formats too."""
    usage = _usage(region)
    if not isinstance(text, str) or not text.strip():
        raise InvalidInput(f"{field} must be a phone number: {usage}", field)
    if len(text) > 32:
        raise InvalidInput(f"{field} is too long to be a phone number", field)
    written = text.strip()
    # phonenumbers reads letters as keypad digits and skips what surrounds a number:
    # only digits and the usual separators are taken, so a typo cannot become another number.
    for position, char in enumerate(written):
        if (char.isascii() and char.isdigit()) or char in _SEPARATORS or (char == "+" and position == 0):
            continue
        if char.isalpha():
            raise InvalidInput(f"{field} holds a letter ({char!r}): {usage}", field)
        if char == "+":
            raise InvalidInput(f"{field} may hold '+' only at its start: {usage}", field)
        raise InvalidInput(
            f"{field} holds {char!r}: only digits, a leading '+', spaces, dots, dashes and "
            f"parentheses are allowed; {usage}",
            field,
        )
    if not written.startswith("+") and region is None:
        raise InvalidInput(f"{field} must start with '+' and a country code, {_EXAMPLE}", field)
    try:
        number = phonenumbers.parse(written, None if written.startswith("+") else region)
    except NumberParseException as problem:
        what = _PARSE_PROBLEMS.get(problem.error_type, "is not a phone number")
        raise InvalidInput(f"{field} {what}: {usage}", field) from None
    # Possible rather than valid: the fictional 555 numbers of examples and tests must work,
    # and Twilio refuses an unreachable number at send time (recorded as a failed message).
    reason = phonenumbers.is_possible_number_with_reason(number)
    if reason != ValidationResult.IS_POSSIBLE:
        country = phonenumbers.region_code_for_country_code(number.country_code or 0)
        what = _LENGTH_PROBLEMS.get(reason, "is not a possible phone number")
        raise InvalidInput(f"{field} {what} for +{number.country_code} ({country}): {usage}", field)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def country_of(e164: str) -> str | None:
    """The country (ISO 3166 code) whose national formats a number's owner writes: its
    country code's main country ("US" for every +1 number), or None for a code of no country."""
    try:
        number = phonenumbers.parse(e164, None)
    except NumberParseException:
        return None
    region = phonenumbers.region_code_for_country_code(number.country_code or 0)
    return None if region in (_NO_COUNTRY, phonenumbers.UNKNOWN_REGION) else region


def _usage(region: str | None) -> str:
    if region is None:
        return f"write it with '+' and its country code, {_EXAMPLE}"
    example = phonenumbers.example_number_for_type(region, phonenumbers.PhoneNumberType.FIXED_LINE)
    national = (
        phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.NATIONAL) if example else None
    )
    local = f" or as a {region} number, e.g. {national}" if national else ""
    return f"write it with '+' and its country code, {_EXAMPLE},{local}"


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
