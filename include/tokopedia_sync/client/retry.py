"""How long to wait before trying again: exponential backoff with jitter, bounded in total."""

from __future__ import annotations

import random
import time
from collections.abc import Callable

BASE_SECONDS = 0.5
CAP_SECONDS = 30.0


class Backoff:
    """Waits for one call: `next_wait()` gives the next pause, or None when it is time to give up.

    Pauses grow as 0.5, 1, 2, 4 ... seconds up to 30, each with random jitter of up to half its
    length so that workers that failed together do not retry together.
    """

    def __init__(
        self,
        max_attempts: int,
        max_seconds: float,
        clock: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
    ) -> None:
        self.max_attempts = max_attempts
        self.max_seconds = max_seconds
        self.attempts = 1
        self._clock = clock
        self._started = clock()
        self._rng = rng or random.Random()

    @property
    def elapsed(self) -> float:
        return self._clock() - self._started

    def next_wait(self, at_least: float = 0.0, *, counts: bool = True) -> float | None:
        """The pause before the next attempt (never shorter than `at_least`), or None.

        Waits the server asked for (429) pass `counts=False`: they are bounded by time only,
        since a busy API may ask us to wait many times in a row, and get up to a quarter more
        at random, so that workers told the same moment do not all come back at it.
        """
        if counts and self.attempts >= self.max_attempts:
            return None
        if counts:
            full = min(CAP_SECONDS, BASE_SECONDS * 2 ** (self.attempts - 1))
            wait = max(at_least, full / 2 + self._rng.uniform(0, full / 2))
        else:
            wait = at_least + self._rng.uniform(0, at_least / 4)
        if self.elapsed + wait > self.max_seconds:
            return None
        if counts:
            self.attempts += 1
        return wait
