"""Strict JSON in and out of the sandbox: what it takes must be text Tokopedia could store, and
what it answers must be JSON every parser reads."""

from __future__ import annotations

import json
import math
import re
from typing import Any

_SURROGATE = re.compile("[\ud800-\udfff]")


class UnusableJson(ValueError):
    """A body that parses as JSON but holds a value no API could take."""


def loads(body: bytes | str) -> Any:
    """Parse a request body, refusing NaN, Infinity, numbers too large to be finite and text
    with lone surrogates (`"\\ud800"`), which would poison every later answer that echoes it.

    Raises ValueError (UnusableJson for the refusals) or RecursionError for deep nesting.
    """
    value = json.loads(body, parse_constant=_refuse_constant, parse_float=_finite_float)
    where = _invalid_text_at(value)
    if where is not None:
        raise UnusableJson(
            f"{where} is not valid Unicode text: it holds a lone surrogate such as \\ud800"
        )
    return value


def dumps(value: object) -> bytes:
    """Compact UTF-8 JSON; refuses NaN and Infinity rather than write non-standard JSON."""
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    # Input is checked for lone surrogates; "replace" makes sure one can never fail an answer.
    return text.encode("utf-8", "replace")


def _refuse_constant(name: str) -> float:
    raise UnusableJson(f"{name} is not a number: JSON numbers must be finite")


def _finite_float(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise UnusableJson(f"the number {text[:40]} is too large: JSON numbers must be finite")
    return number


def _invalid_text_at(value: Any) -> str | None:
    """Where in `value` a string or key with a lone surrogate is, e.g. `body[0].sku`; or None."""
    stack: list[tuple[str, Any]] = [("body", value)]
    while stack:
        where, item = stack.pop()
        if isinstance(item, str):
            if _SURROGATE.search(item):
                return where
        elif isinstance(item, dict):
            for key, child in item.items():
                if _SURROGATE.search(key):
                    return f"a key of {where}"
                stack.append((f"{where}.{key}", child))
        elif isinstance(item, list):
            stack.extend((f"{where}[{index}]", child) for index, child in enumerate(item))
    return None
