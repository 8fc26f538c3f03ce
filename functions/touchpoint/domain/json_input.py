"""The shape every admin request body and nested setting is first checked for."""

from collections.abc import Collection
from typing import Any

from touchpoint.domain.errors import InvalidInput


def json_object(
    value: object, field: str = "body", *, allowed: Collection[str] | None = None
) -> dict[str, Any]:
    """A decoded JSON object; with `allowed`, one that holds no other field."""
    if not isinstance(value, dict):
        raise InvalidInput(f"{field} must be a JSON object", field)
    unknown = sorted(set(value) - set(allowed)) if allowed is not None else []
    if unknown:
        raise InvalidInput(f"unknown field {unknown[0]!r}", unknown[0])
    return value
