"""`TokopediaClient`: everything the project says to Tokopedia goes through one of these."""

from __future__ import annotations

from collections.abc import Callable

import requests
from requests.adapters import HTTPAdapter

from tokopedia_sync.client.auth import TokenProvider
from tokopedia_sync.client.budget import Budget, LocalBudget
from tokopedia_sync.client.config import ClientConfig
from tokopedia_sync.client.inventory import InventoryApi
from tokopedia_sync.client.orders import OrdersApi
from tokopedia_sync.client.products import ProductsApi
from tokopedia_sync.client.shop import ShopApi
from tokopedia_sync.client.transport import ClientStats, Transport
from tokopedia_sync.client.webhooks import WebhooksApi


class TokopediaClient:
    """A client for one app (fs_id) and shop, with its endpoints grouped by family:
    `orders`, `products`, `inventory`, `shop` and `webhooks`.

    `budget` defaults to an in-process budget; pass a `PostgresBudget` to share the budget with
    every other process using the same credentials. `mask` is called with each secret the client
    holds, and with every access token the moment it is minted, so a log masker can hide them.
    """

    def __init__(
        self,
        config: ClientConfig,
        *,
        budget: Budget | None = None,
        mask: Callable[[str], None] | None = None,
    ) -> None:
        self.config = config
        if mask is not None:
            for secret in (config.client_secret, config.webhook_secret):
                if secret:
                    mask(secret)
        self.session = requests.Session()
        adapter = HTTPAdapter(pool_connections=4, pool_maxsize=16, max_retries=0)
        self.session.mount("https://", adapter)
        self.session.mount("http://", adapter)
        self.stats = ClientStats()
        self.budget = budget or LocalBudget(config.budgets)
        self.tokens = TokenProvider(config, self.session, on_token=mask)
        transport = Transport(config, self.budget, self.tokens, self.session, self.stats)
        self.orders = OrdersApi(transport, config.shop_id, config.fs_id)
        self.products = ProductsApi(transport, config.shop_id, config.fs_id)
        self.inventory = InventoryApi(transport, config.shop_id, config.fs_id)
        self.shop = ShopApi(transport, config.shop_id, config.fs_id)
        self.webhooks = WebhooksApi(transport, config.fs_id, config.webhook_secret)

    def close(self) -> None:
        self.session.close()
        close_budget = getattr(self.budget, "close", None)
        if close_budget is not None:
            close_budget()

    def __enter__(self) -> TokopediaClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
