"""OAuth 2.0 client credentials as Tokopedia does them: one cached token per client, refreshed
shortly before it expires and once when the API answers 401."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import requests

from tokopedia_sync.client.budget import requested_pause
from tokopedia_sync.client.config import AUTH_BASE_URL, ClientConfig
from tokopedia_sync.client.errors import (
    AuthenticationError,
    ConfigurationError,
    MalformedResponseError,
    RateLimitedError,
    ServerError,
    TokopediaError,
    TransportError,
)
from tokopedia_sync.client.retry import Backoff

log = logging.getLogger(__name__)

USER_AGENT = "tokopedia-sync"


@dataclass(frozen=True)
class Token:
    """An access token and when to replace it. The token itself stays out of the repr."""

    value: str = field(default="", repr=False)
    expires_at: float = 0.0
    refresh_at: float = 0.0


class TokenProvider:
    """Hands out a valid access token, fetching one only when needed. Safe across threads.

    `on_token` sees every token the moment it is minted, before any use, so that the caller can
    register it with a log masker. The token itself is never logged.
    """

    def __init__(
        self,
        config: ClientConfig,
        session: requests.Session,
        on_token: Callable[[str], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._config = config
        self._session = session
        self._on_token = on_token
        self._clock = clock
        self._sleep = sleep
        self._token = Token()
        self._lock = threading.Lock()
        self.minted = 0

    def get(self) -> str:
        with self._lock:
            if not self._token.value or self._clock() >= self._token.refresh_at:
                self._token = self._fetch()
            return self._token.value

    def invalidate(self, value: str) -> None:
        """Forget `value` (after a 401), unless another thread already replaced it."""
        with self._lock:
            if self._token.value == value:
                self._token = Token()

    def _fetch(self) -> Token:
        config = self._config
        url = f"{config.auth_base_url}/token"
        backoff = Backoff(config.max_attempts, config.max_retry_seconds, self._clock)
        while True:
            try:
                response = self._session.post(
                    url,
                    params={"grant_type": "client_credentials"},
                    auth=(config.client_id, config.client_secret),
                    headers={"User-Agent": USER_AGENT, "Content-Length": "0"},
                    timeout=(config.connect_timeout, config.read_timeout),
                )
            except requests.RequestException as exc:
                failure: TokopediaError = TransportError(
                    f"could not reach the Tokopedia accounts host {config.auth_base_url} "
                    f"({type(exc).__name__}); check the Auth base URL and the network"
                )
                wait = backoff.next_wait()
            else:
                status = response.status_code
                if status == 429:
                    failure = RateLimitedError(
                        "the accounts host refused the token request for now (429)",
                        status=status,
                        request="POST /token",
                    )
                    pause = max(requested_pause(response.headers, refused=True), 0.5)
                    wait = backoff.next_wait(pause, counts=False)
                elif status >= 500:
                    failure = ServerError(
                        f"the accounts host answered {status} to the token request",
                        status=status,
                        request="POST /token",
                    )
                    wait = backoff.next_wait()
                else:
                    return self._accept(response)
            if wait is None:
                raise failure
            log.warning("token request failed (%s); retrying in %.1f s", failure, wait)
            self._sleep(wait)

    def _accept(self, response: requests.Response) -> Token:
        config = self._config
        if response.status_code == 404:
            raise ConfigurationError(
                f"{config.source}: the Auth base URL {config.auth_base_url} has no token endpoint "
                f"(404 from {config.auth_base_url}/token); check the Auth base URL, which is "
                f"{AUTH_BASE_URL} for Tokopedia itself",
                status=404,
                request="POST /token",
            )
        if response.status_code in (400, 401, 403):
            raise AuthenticationError(
                f"{config.source}: Tokopedia refused the client credentials of client_id "
                f"{config.client_id!r} ({response.status_code}); check Client ID and Client Secret",
                status=response.status_code,
                request="POST /token",
            )
        try:
            body = response.json()
            value = str(body["access_token"])
            lifetime = float(body.get("expires_in") or 0)
        except (ValueError, KeyError, TypeError):
            # The body is not quoted: it may hold a token.
            raise MalformedResponseError(
                f"the token answer ({response.status_code}, {len(response.content)} bytes) has "
                "no readable access_token and expires_in",
                status=response.status_code,
                request="POST /token",
            ) from None
        now = self._clock()
        if value == self._token.value:
            # Tokopedia hands the same token back until it really expires: keep using it until
            # then. Should it lapse a moment early, the 401 that follows fetches a new one.
            return Token(value, now + lifetime, now + lifetime)
        if self._on_token is not None:
            self._on_token(value)
        self.minted += 1
        log.info("obtained a Tokopedia access token valid for %.0f s", lifetime)
        margin = min(60.0, lifetime * 0.1)
        return Token(value, now + lifetime, now + lifetime - margin)
