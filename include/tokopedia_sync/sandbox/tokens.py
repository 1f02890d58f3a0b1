"""OAuth 2.0 client-credentials tokens as Tokopedia's accounts host issues them.

A token is handed out again, with its remaining lifetime, until it expires or is revoked; only
then is a new one minted (the reference's reading of the 2021 token-lifetime notice).
"""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass


@dataclass
class Token:
    value: str
    client_id: str
    expires_at: float


class TokenIssuer:
    def __init__(self, client_id: str, client_secret: str, ttl: int) -> None:
        self.client_id = client_id
        self._client_secret = client_secret
        self.ttl = ttl
        self._live: dict[str, Token] = {}
        self._current: dict[str, Token] = {}

    def check_basic(self, authorization: str | None) -> str | None:
        """The client id of valid `Basic` credentials, or None."""
        if not authorization or not authorization.lower().startswith("basic "):
            return None
        try:
            decoded = base64.b64decode(authorization[6:].strip(), validate=True).decode()
        except (ValueError, UnicodeDecodeError):
            return None
        client_id, sep, client_secret = decoded.partition(":")
        if not sep:
            return None
        valid = secrets.compare_digest(client_id, self.client_id) and secrets.compare_digest(
            client_secret, self._client_secret
        )
        return client_id if valid else None

    def issue(self, client_id: str, now: float) -> Token:
        token = self._current.get(client_id)
        if token is None or token.expires_at <= now or token.value not in self._live:
            token = Token(f"c:{secrets.token_urlsafe(16)[:22]}", client_id, now + self.ttl)
            self._live[token.value] = token
            self._current[client_id] = token
        return token

    def check_bearer(self, authorization: str | None, now: float) -> Token | None:
        if not authorization or not authorization.lower().startswith("bearer "):
            return None
        token = self._live.get(authorization[7:].strip())
        if token is None:
            return None
        if token.expires_at <= now:
            del self._live[token.value]
            return None
        return token

    def revoke(self, value: str | None = None) -> int:
        """Revoke one token, or all when `value` is None; returns how many were live."""
        doomed = list(self._live) if value is None else [value]
        return sum(self._live.pop(v, None) is not None for v in doomed)
