"""What a sandbox run is made of: credentials, shops, data sizes, rates, budgets and faults."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

FAMILIES = ("products", "orders", "inventory", "shop", "webhooks")
"""Endpoint families with a rate budget of their own."""

DEFAULT_BUDGETS: dict[str, int] = {
    "products": 100,
    "orders": 200,
    "inventory": 150,
    "shop": 50,
    # Tokopedia meters every endpoint, webhook management too; the project's clients leave it
    # unbudgeted, so the sandbox's default is one they never come near.
    "webhooks": 100,
}

FAULT_KINDS = (
    "5xx",
    "429",
    "slow",
    "drop",
    "malformed",
    "bad_record",
    "short_answer",
    "revoke",
    "wrong_shape",
    "forbidden",
)


@dataclass(frozen=True)
class ShopSpec:
    """A seeded shop linked to the sandbox app."""

    shop_id: int
    name: str
    warehouses: int = 1


@dataclass(frozen=True)
class FaultRates:
    """Share of API requests (0..1) that get each kind of fault, drawn from a seeded generator."""

    server_error: float = 0.0
    throttle: float = 0.0
    slow: float = 0.0
    drop: float = 0.0
    malformed: float = 0.0
    bad_record: float = 0.0
    """A list answer whose first order or product has its status garbled; the rest are whole."""
    short_answer: float = 0.0
    """A bulk write's answer leaves its first succeeded row out (the write itself is done)."""
    revoke: float = 0.0
    wrong_shape: float = 0.0
    """Well-formed JSON whose `data` has another shape: a list comes wrapped in an object, anything
    else comes as a string."""
    forbidden: float = 0.0
    """403 RBAC_USC_012: the shop owner has not given the app permission for the API."""

    _KIND_FIELDS = {
        "5xx": "server_error",
        "429": "throttle",
        "slow": "slow",
        "drop": "drop",
        "malformed": "malformed",
        "bad_record": "bad_record",
        "short_answer": "short_answer",
        "revoke": "revoke",
        "wrong_shape": "wrong_shape",
        "forbidden": "forbidden",
    }

    @classmethod
    def parse(cls, text: str) -> FaultRates:
        """Read `5xx=0.05,429=0.02,...` into rates; an empty text means no faults."""
        values: dict[str, float] = {}
        for part in filter(None, (p.strip() for p in text.split(","))):
            kind, sep, share = part.partition("=")
            if not sep or kind not in cls._KIND_FIELDS:
                raise ValueError(
                    f"bad fault {part!r}: write kind=share, kind one of {', '.join(FAULT_KINDS)}"
                )
            values[cls._KIND_FIELDS[kind]] = _share(kind, share)
        return cls(**values)

    @classmethod
    def from_mapping(cls, mapping: dict[str, float]) -> FaultRates:
        """Build rates from `{"5xx": 0.1, ...}` as sent to the control API."""
        if not isinstance(mapping, dict):
            raise ValueError('faults must be an object such as {"5xx": 0.1}')
        unknown = set(mapping) - set(cls._KIND_FIELDS)
        if unknown:
            raise ValueError(f"unknown fault kinds {sorted(unknown)}; use {', '.join(FAULT_KINDS)}")
        return cls(**{cls._KIND_FIELDS[k]: _share(k, v) for k, v in mapping.items()})

    def as_mapping(self) -> dict[str, float]:
        return {kind: getattr(self, name) for kind, name in self._KIND_FIELDS.items()}


def _share(kind: str, value: object) -> float:
    try:
        share = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ValueError(f"fault {kind}: {value!r} is not a number between 0 and 1") from None
    if not 0.0 <= share <= 1.0:
        raise ValueError(f"fault {kind}: {share} is outside 0..1")
    return share


def parse_budgets(text: str) -> dict[str, int | None]:
    """Read `orders=200,products=100` or `off`; families not named keep their defaults."""
    budgets: dict[str, int | None] = dict(DEFAULT_BUDGETS)
    if text.strip().lower() == "off":
        return dict.fromkeys(FAMILIES, None)
    for part in filter(None, (p.strip() for p in text.split(","))):
        family, sep, value = part.partition("=")
        if not sep or family not in FAMILIES:
            raise ValueError(
                f"bad budget {part!r}: write family=N (per minute) or family=off, "
                f"family one of {', '.join(FAMILIES)}"
            )
        budgets[family] = _budget_value(family, value)
    return budgets


def _budget_value(family: str, value: object) -> int | None:
    if value is None or str(value).strip().lower() == "off":
        return None
    try:
        number = int(str(value))
    except ValueError:
        raise ValueError(f"budget {family}: {value!r} is not a whole number or 'off'") from None
    if number < 1:
        raise ValueError(f"budget {family}: {number} must be at least 1 request per minute")
    return number


def budgets_from_mapping(mapping: dict[str, object]) -> dict[str, int | None]:
    """Validate budgets as sent to the control API: `{"orders": 400, "shop": null}`."""
    if not isinstance(mapping, dict):
        raise ValueError('budgets must be an object such as {"orders": 400}')
    unknown = set(mapping) - set(FAMILIES)
    if unknown:
        raise ValueError(f"unknown budget families {sorted(unknown)}; use {', '.join(FAMILIES)}")
    return {family: _budget_value(family, value) for family, value in mapping.items()}


@dataclass(frozen=True)
class SandboxSettings:
    """Everything a sandbox run starts with; printed at start, served at `/_sandbox/settings`."""

    host: str = "127.0.0.1"
    port: int = 8765
    client_id: str = "sandbox-client-id"
    client_secret: str = "sandbox-client-secret"
    fs_id: int = 13004
    shops: tuple[ShopSpec, ...] = (ShopSpec(479573, "Toko Sandbox", warehouses=2),)
    orders_per_shop: int = 2_000
    products_per_shop: int = 300
    history_days: int = 30
    seed: int = 42
    token_ttl: int = 1_209_600
    new_orders_per_minute: float = 6.0
    advances_per_minute: float = 30.0
    budgets: dict[str, int | None] = field(default_factory=lambda: dict(DEFAULT_BUDGETS))
    faults: FaultRates = FaultRates()
    fault_seed: int = 7
    slow_seconds: float = 3.0
    fault_retry_after: str | None = None
    """`Retry-After` of injected 429s, as sent: seconds, or an HTTP date; None for one request's
    share of the family's budget."""
    max_window_orders: int = 0
    """An order list window holding more orders answers 500 ORD_API_009; 0 for no limit."""
    request_log_size: int = 500_000

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def replace(self, **changes: object) -> SandboxSettings:
        return dataclasses.replace(self, **changes)

    def describe(self) -> dict[str, object]:
        """A JSON-ready summary, with the URLs a Tokopedia connection needs."""
        return {
            "api_base_url": self.base_url,
            "auth_base_url": f"{self.base_url}/accounts",
            "client_id": self.client_id,
            "client_secret": self.client_secret,
            "fs_id": self.fs_id,
            "shops": [dataclasses.asdict(shop) for shop in self.shops],
            "orders_per_shop": self.orders_per_shop,
            "products_per_shop": self.products_per_shop,
            "history_days": self.history_days,
            "seed": self.seed,
            "token_ttl": self.token_ttl,
            "new_orders_per_minute": self.new_orders_per_minute,
            "advances_per_minute": self.advances_per_minute,
            "budgets_per_minute": dict(self.budgets),
            "faults": self.faults.as_mapping(),
            "fault_seed": self.fault_seed,
            "slow_seconds": self.slow_seconds,
            "fault_retry_after": self.fault_retry_after,
            "max_window_orders": self.max_window_orders,
        }
