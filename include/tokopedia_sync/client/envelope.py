"""Reading Tokopedia's answers: the `{header, data}` envelope, the legacy `{data, status,
error_message}` one and the nested forms, tolerant of the API's loose typing."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import msgspec

from tokopedia_sync.client.errors import MalformedResponseError

SNIPPET_BYTES = 120
# Emails and Indonesian phone numbers (62…, +62…, 08…), masked in quoted bodies.
_PERSONAL = re.compile(rb"[\w.+-]+@[\w-]+\.[\w.]+|(?<![\d.])(?:\+?62|0)8\d{7,11}(?!\d)")


@dataclass(frozen=True)
class Envelope:
    """What an answer says, whichever envelope it came in."""

    data: Any
    error_code: str | None
    reason: str
    messages: str

    @property
    def failed(self) -> bool:
        return self.error_code is not None


def snippet(body: bytes) -> str:
    """The first bytes of a body for an error message, with emails and phone numbers masked."""
    head = _PERSONAL.sub(b"***", body[:SNIPPET_BYTES])
    text = head.decode("utf-8", errors="replace")
    return text + ("..." if len(body) > SNIPPET_BYTES else "")


def decode_json(body: bytes, request: str, status: int) -> Any:
    try:
        return msgspec.json.decode(body)
    except msgspec.DecodeError:
        raise MalformedResponseError(
            f"{request} answered {status} with a body that is not JSON "
            f"({len(body)} bytes, starting {snippet(body)!r}); Tokopedia or a proxy in between "
            "sent a broken answer",
            status=status,
            request=request,
        ) from None


def read(document: Any) -> Envelope:
    """Interpret a decoded answer. Bodies that are neither envelope are taken as bare data."""
    if (
        isinstance(document, Mapping)
        and "header" in document
        and isinstance(document["header"], Mapping)
    ):
        header = document["header"]
        envelope = Envelope(
            data=document.get("data"),
            error_code=error_code(header.get("error_code")),
            reason=text(lookup(header, "reason")),
            messages=text(lookup(header, "messages")),
        )
        return _unnest(envelope)
    if isinstance(document, Mapping) and "error_message" in document and "status" in document:
        status = status_code(document.get("status"))
        errors = [text(e) for e in document.get("error_message") or [] if text(e)]
        failed = (status is not None and status >= 400) or bool(errors)
        return Envelope(
            data=document.get("data"),
            error_code=(errors[0] if errors else str(status)) if failed else None,
            reason="; ".join(errors),
            messages=text(document.get("status")),
        )
    return Envelope(document, None, "", "")


def _unnest(envelope: Envelope) -> Envelope:
    """A second `{header, data}` inside `data` (shop status answers): the inner verdict counts."""
    inner = envelope.data
    if envelope.failed or not (
        isinstance(inner, Mapping) and isinstance(inner.get("header"), Mapping)
    ):
        return envelope
    return read(inner)


def error_code(value: object) -> str | None:
    """Tokopedia's error_code as text, or None when it means "no error" (absent, "", 0, 200)."""
    code = "" if value is None else str(value).strip()
    return None if code in ("", "0", "200") else code


def status_code(value: object) -> int | None:
    """The number in a legacy status such as "200 Ok" or 400."""
    match = re.match(r"\s*(\d{3})", str(value))
    return int(match.group(1)) if match else None


def text(value: object) -> str:
    return "" if value is None else str(value)


def lookup(mapping: Mapping[str, Any], key: str, default: Any = None) -> Any:
    """A key as given, else in any letter case: Tokopedia writes both `name` and `Name`."""
    if key in mapping:
        return mapping[key]
    folded = key.casefold()
    for candidate, value in mapping.items():
        if candidate.casefold() == folded:
            return value
    return default
