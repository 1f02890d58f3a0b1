"""The settings a Tokopedia client needs, checked before the first request is sent."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from urllib.parse import urlsplit

from tokopedia_sync.client.errors import ConfigurationError

API_BASE_URL = "https://fs.tokopedia.net"
AUTH_BASE_URL = "https://accounts.tokopedia.com"

FAMILIES = ("products", "orders", "inventory", "shop")
DEFAULT_BUDGETS: Mapping[str, int] = MappingProxyType(
    {"products": 100, "orders": 200, "inventory": 150, "shop": 50}
)
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})


@dataclass(frozen=True)
class ClientConfig:
    """Credentials, endpoints, budgets and patience of one Tokopedia app and shop.

    `budgets` are requests per minute per endpoint family; None switches a family's budget off.
    Secrets never appear in the repr.
    """

    fs_id: int
    shop_id: int
    client_id: str
    client_secret: str = field(repr=False)
    webhook_secret: str = field(default="", repr=False)
    api_base_url: str = API_BASE_URL
    auth_base_url: str = AUTH_BASE_URL
    budgets: Mapping[str, int | None] = field(default_factory=lambda: dict(DEFAULT_BUDGETS))
    connect_timeout: float = 5.0
    read_timeout: float = 30.0
    max_attempts: int = 6
    max_retry_seconds: float = 300.0
    source: str = field(default="client settings", compare=False)
    """Where the settings came from, named in every configuration error."""

    def __post_init__(self) -> None:
        self._check_id("fs_id", "FS ID", self.fs_id)
        self._check_id("shop_id", "Shop ID", self.shop_id)
        for name, label in (("client_id", "Client ID"), ("client_secret", "Client Secret")):
            value = getattr(self, name)
            if not isinstance(value, str) or not value.strip():
                raise self.error(label, f"is empty; copy the {label} of the Tokopedia app")
        for name, label in (("api_base_url", "API base URL"), ("auth_base_url", "Auth base URL")):
            object.__setattr__(self, name, self._check_url(label, getattr(self, name)))
        unknown = set(self.budgets) - set(FAMILIES)
        if unknown:
            raise self.error("budgets", f"names unknown families {sorted(unknown)}; use {FAMILIES}")
        for family, budget in self.budgets.items():
            if budget is not None and (isinstance(budget, bool) or not isinstance(budget, int)):
                raise self.error(f"budget_{family}", f"must be a whole number, got {budget!r}")
            if budget is not None and budget < 1:
                raise self.error(f"budget_{family}", f"must be at least 1 per minute, got {budget}")
        object.__setattr__(
            self, "budgets", MappingProxyType({**DEFAULT_BUDGETS, **dict(self.budgets)})
        )

    def error(self, field_label: str, problem: str) -> ConfigurationError:
        return ConfigurationError(f"{self.source}: {field_label} {problem}")

    def _check_id(self, name: str, label: str, value: object) -> None:
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise self.error(label, f"must be a positive whole number, got {value!r}")

    def _check_url(self, label: str, value: object) -> str:
        if not isinstance(value, str) or not value.strip():
            raise self.error(label, "is empty")
        url = value.strip().rstrip("/")
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise self.error(label, f"must be an http(s) URL such as {API_BASE_URL}, got {url!r}")
        if parts.scheme == "http" and parts.hostname not in LOCAL_HOSTS:
            raise self.error(
                label,
                f"uses plain http to {parts.hostname}; credentials must travel over https "
                "(plain http is only allowed to localhost, for the sandbox)",
            )
        return url

    def budget_key(self, family: str) -> str:
        """The name of one family's budget: shared by everything using these credentials."""
        return f"{self.client_id}@{urlsplit(self.api_base_url).netloc}/{family}"
