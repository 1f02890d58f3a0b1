"""One request to Tokopedia, done properly: budget, token, timeout, retries, typed errors."""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import requests
from urllib3.exceptions import NewConnectionError

from tokopedia_sync.client.auth import USER_AGENT, TokenProvider
from tokopedia_sync.client.budget import Budget, pause_from_headers
from tokopedia_sync.client.config import ClientConfig
from tokopedia_sync.client.envelope import Envelope, decode_json, read, snippet
from tokopedia_sync.client.errors import (
    AmbiguousWriteError,
    AuthenticationError,
    InvalidRequestError,
    MalformedResponseError,
    NotFoundError,
    RateLimitedError,
    ServerError,
    ShopNotLinkedError,
    TokopediaError,
    TransportError,
)
from tokopedia_sync.client.retry import Backoff

log = logging.getLogger(__name__)

SHOP_LINK_CODES = frozenset({"RBAC_MDLW_001", "RBAC_MDLW_002", "RBAC_USC_008", "RBAC_USC_012"})
# Before October 2022 a shop not linked to the fs_id came back as HTTP 500 with this code.
LEGACY_SHOP_LINK_CODE = "ORD_USC_015"


@dataclass
class ClientStats:
    """What a client did so far; read it for task summaries and the run ledger."""

    requests: int = 0
    retries: int = 0
    throttled: int = 0
    budget_wait_seconds: float = 0.0
    units: Counter = field(default_factory=Counter)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def add(self, **changes: float) -> None:
        with self._lock:
            for name, amount in changes.items():
                setattr(self, name, getattr(self, name) + amount)

    def spent(self, family: str, units: int) -> None:
        with self._lock:
            self.units[family] += units


@dataclass(frozen=True)
class Call:
    """A request to make. `idempotent` calls may be repeated after an unclear failure."""

    method: str
    path: str
    family: str | None
    params: Mapping[str, Any] | None = None
    body: Any = None
    units: int = 1
    idempotent: bool = True
    html: bool = False

    @property
    def name(self) -> str:
        return f"{self.method} {self.path}"


class Transport:
    def __init__(
        self,
        config: ClientConfig,
        budget: Budget,
        tokens: TokenProvider,
        session: requests.Session,
        stats: ClientStats,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.config = config
        self.budget = budget
        self.tokens = tokens
        self.session = session
        self.stats = stats
        self._sleep = sleep

    def send(self, call: Call) -> Any:
        """Make `call` and return its `data` (or the page, for HTML answers)."""
        config = self.config
        backoff = Backoff(config.max_attempts, config.max_retry_seconds)
        deadline = time.monotonic() + config.max_retry_seconds
        refreshed = False
        while True:
            if call.family is not None:
                max_wait = max(0.0, deadline - time.monotonic())
                waited = self.budget.acquire(call.family, call.units, max_wait)
                self.stats.add(budget_wait_seconds=waited)
                self.stats.spent(call.family, call.units)
            token = self.tokens.get()
            self.stats.add(requests=1)
            started = time.monotonic()
            try:
                response = self.session.request(
                    call.method,
                    f"{config.api_base_url}{call.path}",
                    params=call.params,
                    json=call.body,
                    headers={"Authorization": f"Bearer {token}", "User-Agent": USER_AGENT},
                    timeout=(config.connect_timeout, config.read_timeout),
                )
            except requests.RequestException as exc:
                failure: TokopediaError = TransportError(
                    f"{call.name}: no answer from {config.api_base_url} ({_describe(exc)})",
                    request=call.name,
                )
                retryable = call.idempotent or _never_sent(exc)
                wait_at_least, counts = 0.0, True
            else:
                log.debug(
                    "%s -> %s in %.0f ms",
                    call.name,
                    response.status_code,
                    (time.monotonic() - started) * 1000,
                )
                if call.family is not None:
                    self.budget.observe(call.family, response.headers)
                if response.status_code == 401 and not refreshed:
                    refreshed = True
                    self.tokens.invalidate(token)
                    log.warning("%s: access token refused (401); fetching a new one", call.name)
                    continue
                outcome = self._judge(call, response)
                if not isinstance(outcome, TokopediaError):
                    return outcome
                failure = outcome
                retryable, wait_at_least, counts = _retry_plan(call, response, failure)
                if isinstance(failure, RateLimitedError) and call.family is not None:
                    self.stats.add(throttled=1)
                    self.budget.pause(call.family, wait_at_least)
            wait = backoff.next_wait(wait_at_least, counts=counts) if retryable else None
            if wait is None:
                raise self._give_up(call, failure, backoff, retryable)
            self.stats.add(retries=1)
            log.warning(
                "%s: %s; retry %d in %.1f s",
                call.name,
                _short(call, failure),
                backoff.attempts,
                wait,
            )
            self._sleep(wait)

    def _judge(self, call: Call, response: requests.Response) -> Any:
        """The call's result, or the error the answer stands for (returned, not raised)."""
        status = response.status_code
        if status == 401:
            return AuthenticationError(
                f"{call.name}: Tokopedia refused a freshly issued access token (401); the client "
                f"credentials or the link between fs_id {self.config.fs_id} and the shop are wrong",
                status=status,
                request=call.name,
            )
        if status == 429:
            return RateLimitedError(
                f"{call.name}: rate limited by Tokopedia (429)", status=status, request=call.name
            )
        if call.html and status == 200:
            return response.text
        content_type = response.headers.get("Content-Type", "")
        if status >= 500 and "json" not in content_type:
            return ServerError(
                f"{call.name}: Tokopedia answered {status} ({snippet(response.content)!r})",
                status=status,
                request=call.name,
            )
        try:
            envelope = read(decode_json(response.content, call.name, status))
        except MalformedResponseError as exc:
            return exc
        if 200 <= status < 300 and not envelope.failed:
            return envelope.data
        return self._error(call, status, envelope)

    def _error(self, call: Call, status: int, envelope: Envelope) -> TokopediaError:
        code, reason = envelope.error_code, envelope.reason or envelope.messages
        details = {"status": status, "error_code": code, "reason": reason, "request": call.name}
        if code in SHOP_LINK_CODES or code == LEGACY_SHOP_LINK_CODE or status == 403:
            return ShopNotLinkedError(
                f"{call.name}: shop {self.config.shop_id} is not linked to fs_id "
                f"{self.config.fs_id} ({status} {code}: {reason}); link the shop to the app in "
                "Tokopedia's developer console or fix FS ID / Shop ID in the connection",
                **details,
            )
        if status >= 500:
            return ServerError(
                f"{call.name}: Tokopedia failed ({status} {code}: {reason})", **details
            )
        kind = NotFoundError if status == 404 else InvalidRequestError
        return kind(
            f"{call.name}: Tokopedia rejected the request ({status} {code}: {reason})", **details
        )

    def _give_up(
        self, call: Call, failure: TokopediaError, backoff: Backoff, retryable: bool
    ) -> TokopediaError:
        if not retryable and not call.idempotent and _unclear(failure):
            return AmbiguousWriteError(
                f"{failure}; this write may or may not have been applied, so it was not repeated: "
                "check its effect in Tokopedia before sending it again",
                status=failure.status,
                request=call.name,
            )
        if not retryable:
            return failure
        return type(failure)(
            f"{failure} (gave up after {backoff.attempts} attempts in {backoff.elapsed:.0f} s)",
            status=failure.status,
            error_code=failure.error_code,
            reason=failure.reason,
            request=failure.request,
        )


def _never_sent(exc: requests.RequestException) -> bool:
    """True when the request cannot have reached Tokopedia: the connection was never made."""
    if isinstance(exc, requests.ConnectTimeout):
        return True
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    return isinstance(exc, requests.ConnectionError) and isinstance(reason, NewConnectionError)


def _retry_plan(
    call: Call, response: requests.Response, failure: TokopediaError
) -> tuple[bool, float, bool]:
    """(retry at all, minimum wait, whether the attempt counts) for a failed answer."""
    if isinstance(failure, RateLimitedError):
        # A 429 was not processed, so even writes may be repeated, after the wait asked for.
        return True, max(pause_from_headers(response.headers), 0.5), False
    if isinstance(failure, ServerError):
        return call.idempotent, 0.0, True
    return False, 0.0, True


def _unclear(failure: TokopediaError) -> bool:
    return isinstance(failure, TransportError | ServerError)


def _describe(exc: requests.RequestException) -> str:
    if isinstance(exc, requests.Timeout):
        return f"timed out: {type(exc).__name__}"
    return f"{type(exc).__name__}: connection dropped or refused"


def _short(call: Call, failure: TokopediaError) -> str:
    """The failure without the call's name, which the log line already starts with."""
    return str(failure).removeprefix(f"{call.name}: ")
