"""Per-minute request budgets per credentials and endpoint family, with Tokopedia's headers.

Tokopedia's limiter behaves like a token bucket ("5 req/s (burst 5)"). The sandbox enforces the
project's per-minute budgets as a sliding window instead: at most N units in any 60 seconds. That
is the stricter reading, and it lets a test prove from the request log alone that a client stayed
inside its budget.
"""

from __future__ import annotations

import math
from collections import deque

WINDOW = 60.0


class SlidingWindow:
    """At most `limit` units in any trailing `WINDOW` seconds."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._spent: deque[tuple[float, int]] = deque()
        self._total = 0

    def _expire(self, now: float) -> None:
        while self._spent and self._spent[0][0] <= now - WINDOW:
            self._total -= self._spent.popleft()[1]

    def take(self, units: int, now: float) -> int:
        """Spend up to `units`; returns how many the window allowed."""
        self._expire(now)
        granted = max(0, min(units, self.limit - self._total))
        if granted:
            self._spent.append((now, granted))
            self._total += granted
        return granted

    def headers(self, now: float) -> dict[str, str]:
        self._expire(now)
        remaining = self.limit - self._total
        reset_after = "-0.000000" if remaining > 0 else f"{self._spent[0][0] + WINDOW - now:.6f}"
        full_reset = self._spent[-1][0] + WINDOW - now if self._spent else 0.0
        return {
            "X-Ratelimit-Limit": f"{self.limit} req/min (burst {self.limit})",
            "X-Ratelimit-Remaining": str(remaining),
            "X-Ratelimit-Reset-After": reset_after,
            "X-Ratelimit-Full-Reset-After": f"{max(full_reset, 0.0):.6f}",
        }

    def injected_throttle_headers(self, now: float) -> tuple[dict[str, str], int]:
        """Headers and `Retry-After` seconds of a 429 this window did not cause (an injected
        one): the real limit, nothing left, and one unit back after one unit's share of the
        window, as if a burst had just spent the budget."""
        one_unit = WINDOW / self.limit
        headers = self.headers(now)
        full_reset = max(float(headers["X-Ratelimit-Full-Reset-After"]), one_unit)
        headers.update(
            {
                "X-Ratelimit-Remaining": "0",
                "X-Ratelimit-Reset-After": f"{one_unit:.6f}",
                "X-Ratelimit-Full-Reset-After": f"{full_reset:.6f}",
            }
        )
        return headers, max(1, math.ceil(one_unit))

    def retry_after(self, now: float) -> int:
        """Whole seconds until one unit is free again, for a `Retry-After` header."""
        self._expire(now)
        if self._total < self.limit or not self._spent:
            return 0
        return max(1, math.ceil(self._spent[0][0] + WINDOW - now))


class RateLimiter:
    """One window per (client_id, family); a family whose budget is None is not limited."""

    def __init__(self, budgets: dict[str, int | None]) -> None:
        self._budgets = dict(budgets)
        self._windows: dict[tuple[str, str], SlidingWindow] = {}

    @property
    def budgets(self) -> dict[str, int | None]:
        return dict(self._budgets)

    def set_budgets(self, budgets: dict[str, int | None]) -> None:
        self._budgets.update(budgets)
        for key in [key for key in self._windows if key[1] in budgets]:
            del self._windows[key]

    def window(self, client_id: str, family: str | None) -> SlidingWindow | None:
        limit = self._budgets.get(family) if family else None
        if limit is None:
            return None
        key = (client_id, family)
        found = self._windows.get(key)
        if found is None:
            found = self._windows[key] = SlidingWindow(limit)
        return found
