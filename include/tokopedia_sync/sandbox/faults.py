"""Seeded, reproducible fault injection, plus a script of faults for tests that need certainty."""

from __future__ import annotations

import random
from collections import deque

from tokopedia_sync.sandbox.settings import FAULT_KINDS, FaultRates


class FaultInjector:
    """Decides, request by request, whether the sandbox misbehaves and how.

    Scripted faults come first, in order, each for the next request whose path starts with its
    prefix. Otherwise one draw from a generator seeded with `seed` picks a fault by the rates, so
    the same requests in the same order meet the same faults.
    """

    def __init__(self, rates: FaultRates, seed: int) -> None:
        self.rates = rates
        self.seed = seed
        self._rng = random.Random(seed)
        self._script: deque[tuple[str, str]] = deque()

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
        self._script.extend((kind, path_prefix) for kind in kinds)

    def clear_script(self) -> None:
        self._script.clear()

    @property
    def scripted(self) -> list[dict[str, str]]:
        return [{"kind": kind, "path_prefix": prefix} for kind, prefix in self._script]

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
