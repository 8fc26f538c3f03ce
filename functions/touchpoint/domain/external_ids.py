"""The id another system (the clinic's EHR) gives a patient or an appointment."""

import re

from touchpoint.domain.errors import InvalidInput

MAX_EXTERNAL_ID = 64
_EXTERNAL_ID = re.compile(r"[A-Za-z0-9_\-.:]{1,64}")


def parse_external_id(value: object, field: str = "external_id") -> str | None:
    """An optional external id: 1 to 64 letters, digits, '_', '-', '.' or ':'; null for none."""
    if value is None:
        return None
    if not isinstance(value, str) or not _EXTERNAL_ID.fullmatch(value):
        raise InvalidInput(
            f"{field} must be 1 to {MAX_EXTERNAL_ID} letters, digits, '_', '-', '.' or ':'", field
        )
    return value
