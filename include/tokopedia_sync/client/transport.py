"""One request to Tokopedia, done properly: token, budget, timeout, retries, typed errors."""

from __future__ import annotations

import dataclasses
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
from tokopedia_sync.client.budget import Budget, requested_pause
from tokopedia_sync.client.config import ClientConfig
from tokopedia_sync.client.envelope import Envelope, decode_json, read, snippet
from tokopedia_sync.client.errors import (
    AmbiguousWriteError,
    AuthenticationError,
    InvalidRequestError,
    MalformedResponseError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitedError,
    ServerError,
    ShopNotLinkedError,
    TokopediaError,
    TransportError,
)
from tokopedia_sync.client.retry import Backoff
from tokopedia_sync.client.shapes import WrongShape

log = logging.getLogger(__name__)

# fs_id not associated with the shop: 403 RBAC_MDLW_001 since October 2022, HTTP 500 ORD_USC_015
# before, and the per-domain codes some endpoints still send.
SHOP_LINK_CODES = frozenset(
    {"RBAC_MDLW_001", "ORD_USC_015", "PRD_USC_001", "ETS_USC_001", "VRT_USC_001", "SHP_USC_001"}
)
# The other 403s: what they mean and what to do about them.
_NO_PERMISSION = (
    "the owner of shop {shop_id} has not given the app (fs_id {fs_id}) permission to use this "
    "API on the shop; ask the shop owner to authorise the app for it in Tokopedia Seller Center"
)
ACCESS_CODES = {
    "RBAC_MDLW_002": _NO_PERMISSION,
    "RBAC_USC_012": _NO_PERMISSION,
    "RBAC_USC_008": (
        "the app (fs_id {fs_id}) is not associated with shop {shop_id}; have the shop owner "
        "connect the app to the shop, or fix FS ID / Shop ID in the connection"
    ),
}
OTHER_403 = (
    "the app (fs_id {fs_id}) may not use this endpoint for shop {shop_id}; check the app's API "
    "permissions in Tokopedia's developer console"
)
# Whatever their HTTP status (often a 5xx), repeating the request cannot help: it must change.
REQUEST_CODES = frozenset({"ORD_API_009"})
MIN_429_WAIT = 0.5


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
    """A request to make. `idempotent` calls may be repeated after an unclear failure.

    `read` turns the answer's `data` into the result, raising WrongShape when `data` is not what
    the endpoint sends; without it, `data` is returned as it came.
    """

    method: str
    path: str
    family: str | None
    params: Mapping[str, Any] | None = None
    body: Any = None
    units: int = 1
    idempotent: bool = True
    html: bool = False
    read: Callable[[Any], Any] | None = None

    @property
    def name(self) -> str:
        return f"{self.method} {self.path}"

    def not_repeatable(self) -> Call:
        """The same call, never repeated after an unclear failure (a write that counts)."""
        return dataclasses.replace(self, idempotent=False)


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
        """Make `call` and return what its `read` makes of `data` (or the page, for HTML)."""
        config = self.config
        backoff = Backoff(config.max_attempts, config.max_retry_seconds)
        deadline = time.monotonic() + config.max_retry_seconds
        refreshed = False
        while True:
            # The token first: were budget taken before a slow token fetch, the request would
            # go out late and bunch up with later ones inside Tokopedia's window.
            token = self.tokens.get()
            if call.family is not None:
                max_wait = max(0.0, deadline - time.monotonic())
                waited = self.budget.acquire(call.family, call.units, max_wait)
                self.stats.add(budget_wait_seconds=waited)
                self.stats.spent(call.family, call.units)
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
                pause = self._heed_limits(call, response)
                if response.status_code == 401 and not refreshed:
                    refreshed = True
                    self.tokens.invalidate(token)
                    log.warning("%s: access token refused (401); fetching a new one", call.name)
                    continue
                outcome = self._judge(call, response)
                if not isinstance(outcome, TokopediaError):
                    return outcome
                failure = outcome
                retryable, wait_at_least, counts = _retry_plan(call, failure, pause)
                if isinstance(failure, RateLimitedError):
                    self.stats.add(throttled=1)
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

    def _heed_limits(self, call: Call, response: requests.Response) -> float:
        """Tell the budget what the rate-limit headers say, and give back the units of a refused
        call; returns the pause the headers ask for, which holds the whole family."""
        refused = response.status_code == 429
        pause = requested_pause(response.headers, refused=refused)
        if refused:
            pause = max(pause, MIN_429_WAIT)
        if call.family is not None:
            self.budget.observe(call.family, response.headers)
            if refused:
                self.budget.refund(call.family, call.units)
            if pause:
                self.budget.pause(call.family, pause)
        return pause

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
        if not 200 <= status < 300 or envelope.failed:
            return self._error(call, status, envelope)
        if call.read is None:
            return envelope.data
        try:
            return call.read(envelope.data)
        except WrongShape as exc:
            return MalformedResponseError(
                f"{call.name} answered {status} with data of a shape it does not send: {exc} "
                f"(body starting {snippet(response.content)!r}); Tokopedia changed the answer "
                "or a proxy in between rewrote it",
                status=status,
                request=call.name,
            )

    def _error(self, call: Call, status: int, envelope: Envelope) -> TokopediaError:
        code, reason = envelope.error_code, envelope.reason or envelope.messages
        details = {"status": status, "error_code": code, "reason": reason, "request": call.name}
        config = self.config
        if code in SHOP_LINK_CODES:
            return ShopNotLinkedError(
                f"{call.name}: shop {config.shop_id} is not linked to fs_id {config.fs_id} "
                f"({status} {code}: {reason}); link the shop to the app in Tokopedia's developer "
                "console or fix FS ID / Shop ID in the connection",
                **details,
            )
        if status == 403:
            meaning = ACCESS_CODES.get(code or "", OTHER_403)
            return PermissionDeniedError(
                f"{call.name}: Tokopedia refused access ({status} {code}: {reason}): "
                + meaning.format(shop_id=config.shop_id, fs_id=config.fs_id),
                **details,
            )
        if code in REQUEST_CODES:
            return InvalidRequestError(
                f"{call.name}: Tokopedia rejected the request ({status} {code}: {reason})",
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
            ambiguous = AmbiguousWriteError(
                f"{failure}; this write may or may not have been applied, so it was not repeated: "
                "check its effect in Tokopedia before sending it again",
                status=failure.status,
                request=call.name,
            )
            ambiguous.__cause__ = failure
            return ambiguous
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


def _retry_plan(call: Call, failure: TokopediaError, pause: float) -> tuple[bool, float, bool]:
    """(retry at all, minimum wait, whether the attempt counts) for a failed answer."""
    if isinstance(failure, RateLimitedError):
        # A 429 was not processed, so even writes may be repeated, after the wait asked for.
        return True, pause, False
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
