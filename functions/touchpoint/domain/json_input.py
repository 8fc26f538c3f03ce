"""The shape every admin request body and nested setting is first checked for."""

import json
import re
from collections.abc import Collection
from typing import Any

from touchpoint.domain.errors import BadRequest, InvalidInput

# Deeper than any body Touchpoint takes (a clinic's settings are three levels), far shallower
# than the interpreter's recursion limit: the limit is ours, checked before json.loads recurses.
MAX_JSON_DEPTH = 32
# Every number Touchpoint takes is small; int() of a long literal costs quadratic time and
# refuses more than 4,300 digits, so longer literals are refused before any conversion.
MAX_NUMBER_CHARS = 20

_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKET = re.compile(r"[\[\]{}]")


class _NumberRefused(ValueError):
    pass


def json_depth(text: str) -> int:
    """How deeply the arrays and objects of a JSON text nest (brackets inside strings do not count).

    A linear scan, valid or not: json.loads says what else is wrong with the text.
    """
    depth = deepest = 0
    for bracket in _BRACKET.findall(_STRING.sub('""', text)):
        depth = depth + 1 if bracket in "[{" else max(depth - 1, 0)
        deepest = max(deepest, depth)
    return deepest


def decode_json(text: str, field: str = "body") -> Any:
    """A JSON text decoded, or BadRequest: too deep, numbers out of bounds, not JSON, not Unicode."""
    if json_depth(text) > MAX_JSON_DEPTH:
        raise BadRequest(f"{field} nests arrays and objects deeper than {MAX_JSON_DEPTH} levels", field)
    try:
        parsed = json.loads(text, parse_int=_integer, parse_float=_decimal, parse_constant=_refused_constant)
    except _NumberRefused as refused:
        raise BadRequest(f"{field} {refused}", field) from None
    except ValueError:
        raise BadRequest(f"{field} is not valid JSON", field) from None
    try:  # JSON admits lone surrogates ("\ud800"), which no stored string can hold
        json.dumps(parsed, ensure_ascii=False).encode()
    except UnicodeEncodeError:
        raise BadRequest(f"{field} holds text that is not valid Unicode", field) from None
    return parsed


def _integer(literal: str) -> int:
    if len(literal) > MAX_NUMBER_CHARS:
        raise _NumberRefused(f"holds a number longer than {MAX_NUMBER_CHARS} characters")
    return int(literal)


def _decimal(literal: str) -> float:
    if len(literal) > MAX_NUMBER_CHARS:
        raise _NumberRefused(f"holds a number longer than {MAX_NUMBER_CHARS} characters")
    value = float(literal)
    if value in (float("inf"), float("-inf")):
        raise _NumberRefused(f"holds a number too large: {literal}")
    return value


def _refused_constant(name: str) -> float:
    raise _NumberRefused(f"holds {name}, which is not a JSON number")


def json_object(
    value: object, field: str = "body", *, allowed: Collection[str] | None = None
) -> dict[str, Any]:
    """A decoded JSON object; with `allowed`, one that holds no other field."""
    if not isinstance(value, dict):
        raise InvalidInput(f"{field} must be a JSON object", field)
    unknown = sorted(set(value) - set(allowed)) if allowed is not None else []
    if unknown:
        raise InvalidInput(f"unknown field {unknown[0][:64]!r}", unknown[0][:64])
    return value
