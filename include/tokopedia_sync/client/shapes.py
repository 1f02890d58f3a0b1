"""The shapes of `data` the client reads, checked before anything reads it.

Tokopedia's answers are loosely typed, but a list where an object belongs (or a string where a
list belongs) is not looseness: it means the API changed or a proxy rewrote the answer. Readers
here raise `WrongShape`, which the transport turns into a `MalformedResponseError` that names the
endpoint and quotes the body.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class WrongShape(Exception):
    """`data` is well-formed JSON of a shape the endpoint does not send."""


def records(data: Any, what: str = "data") -> list[Mapping[str, Any]]:
    """A list of objects; null stands for an empty list."""
    if data is None:
        return []
    if not isinstance(data, list):
        raise WrongShape(f"{what} should be a list of objects, not {kind(data)}")
    for item in data:
        if not isinstance(item, Mapping):
            raise WrongShape(f"{what} should be a list of objects, but holds {kind(item)}")
    return data


def record(data: Any, what: str = "data") -> Mapping[str, Any]:
    """An object; null stands for an empty one."""
    if data is None:
        return {}
    if not isinstance(data, Mapping):
        raise WrongShape(f"{what} should be an object, not {kind(data)}")
    return data


def whole(value: Any, what: str) -> int:
    """A whole number, given as a number or as digits (Tokopedia sends both)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    raise WrongShape(f"{what} should be a whole number, not {kind(value)}")


def kind(value: Any) -> str:
    """How a JSON value is described in a message: never the value itself, which may be
    personal data."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    return "an object"
