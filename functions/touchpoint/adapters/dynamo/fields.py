"""The fields an aggregate stores under its own attribute names, copied as they are (or each
through one conversion, such as a time to its text). Every other field is mapped by hand in
the aggregate's module; a domain attribute renamed without its stored name fails loudly here,
never silently."""

from collections.abc import Callable, Mapping
from typing import Any


def _same(value: Any) -> Any:
    return value


def copied(source: object, names: tuple[str, ...], convert: Callable[[Any], Any] = _same) -> dict[str, Any]:
    """`names` of a domain object, for its stored item."""
    return {name: convert(getattr(source, name)) for name in names}


def read(
    item: Mapping[str, Any],
    names: tuple[str, ...],
    optional: tuple[str, ...] = (),
    convert: Callable[[Any], Any] = _same,
) -> dict[str, Any]:
    """`names` of a stored item (each required) and `optional` ones (None when absent), as
    arguments of the domain object's constructor."""
    return {name: convert(item[name]) for name in names} | {
        name: convert(item.get(name)) for name in optional
    }
