"""Seeded, reproducible fault injection, plus a script of faults for tests that need certainty."""

from __future__ import annotations

import json
import random
from collections import deque

from tokopedia_sync.sandbox import jsonio
from tokopedia_sync.sandbox.settings import FAULT_KINDS, FaultRates

BAD_RECORD = "bad_record"
SHORT_ANSWER = "short_answer"


class FaultInjector:
    """Decides, request by request, whether the sandbox misbehaves and how.

    Scripted faults come first, in order, each for the next request whose path starts with its
    prefix; a scripted `bad_record` waits for the next such answer that has a record in it.
    Otherwise one draw from a generator seeded with `seed` picks a fault by the rates, so
    the same requests in the same order meet the same faults.
    """

    def __init__(self, rates: FaultRates, seed: int) -> None:
        self.rates = rates
        self.seed = seed
        self._rng = random.Random(seed)
        self._script: deque[tuple[str, str]] = deque()
        self._bad_records: deque[str] = deque()
        """Path prefixes of scripted bad_record faults not yet spent."""

    def configure(self, rates: FaultRates | None = None, seed: int | None = None) -> None:
        if rates is not None:
            self.rates = rates
        if seed is not None:
            self.seed = seed
            self._rng = random.Random(seed)

    def script(self, kinds: list[str], path_prefix: str = "/") -> None:
        for kind in kinds:
            if kind not in FAULT_KINDS:
                raise ValueError(f"unknown fault {kind!r}; use one of {', '.join(FAULT_KINDS)}")
        for kind in kinds:
            if kind == BAD_RECORD:
                self._bad_records.append(path_prefix)
            else:
                self._script.append((kind, path_prefix))

    def clear_script(self) -> None:
        self._script.clear()
        self._bad_records.clear()

    @property
    def scripted(self) -> list[dict[str, str]]:
        return [{"kind": kind, "path_prefix": prefix} for kind, prefix in self._script] + [
            {"kind": BAD_RECORD, "path_prefix": prefix} for prefix in self._bad_records
        ]

    def garble(self, path: str, body: bytes, drawn: bool) -> bytes | None:
        """The answer's body with one record garbled, when a bad_record fault was `drawn` for
        it or is scripted for its path and the body has a record; otherwise None."""
        scripted = next((i for i, p in enumerate(self._bad_records) if path.startswith(p)), None)
        if not drawn and scripted is None:
            return None
        garbled = garble_first_record(body)
        if garbled is not None and not drawn and scripted is not None:
            del self._bad_records[scripted]
        return garbled

    def variant(self, count: int) -> int:
        """Pick one of `count` flavours of a fault, from the same seeded generator."""
        return self._rng.randrange(count)

    def draw(self, path: str) -> str | None:
        for index, (kind, prefix) in enumerate(self._script):
            if path.startswith(prefix):
                del self._script[index]
                return kind
        shares = self.rates.as_mapping()
        if not any(shares.values()):
            return None
        roll = self._rng.random()
        for kind in FAULT_KINDS:
            if roll < shares[kind]:
                return kind
            roll -= shares[kind]
        return None


def garble_first_record(body: bytes) -> bytes | None:
    """The body with the first order or product of its `data` list carrying a status that is
    not a number, as a broken upstream might send; None when it holds neither."""

    def rewrite(document) -> bool:
        records = document.get("data") if isinstance(document, dict) else None
        for record in records if isinstance(records, list) else []:
            if isinstance(record, dict) and "order_status" in record:
                record["order_status"] = "garbled"
                return True
            if isinstance(record, dict) and isinstance(record.get("basic"), dict):
                record["basic"]["status"] = "garbled"
                return True
        return False

    return _rewritten(body, rewrite)


def _rewritten(body: bytes, rewrite) -> bytes | None:
    """The JSON body with `rewrite` applied to it in place; None when it is not JSON or
    `rewrite` finds nothing to change (it returns False)."""
    try:
        document = json.loads(body)
    except ValueError:
        return None
    if rewrite(document) is False:
        return None
    return jsonio.dumps(document)


def reshape_data(body: bytes) -> bytes | None:
    """The body with its `data` in another shape (a list wrapped in an object, anything else
    made a string), as an API that changed its answers would send; None when it has no data."""

    def rewrite(document) -> bool:
        if not isinstance(document, dict) or "data" not in document:
            return False
        data = document["data"]
        document["data"] = {"items": data} if isinstance(data, list) else "success"
        return True

    return _rewritten(body, rewrite)


def leave_out_first_success(body: bytes) -> bytes | None:
    """The body of a bulk write's answer without its first succeeded row, as if Tokopedia had
    lost track of it (the counts stay); None when the body has no succeeded row."""

    def rewrite(document) -> bool:
        data = document.get("data") if isinstance(document, dict) else None
        succeeded = data.get("succeed_rows_data") if isinstance(data, dict) else None
        if not isinstance(succeeded, list) or not succeeded:
            return False
        del succeeded[0]
        return True

    return _rewritten(body, rewrite)
