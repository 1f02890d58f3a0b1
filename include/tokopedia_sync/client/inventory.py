"""Stock and price writes: set, increment, decrement, price; batches of at most 100 rows, fewer
when the inventory budget holds fewer."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from tokopedia_sync.client.bulk import (
    BulkResult,
    BulkWrite,
    checked_rows,
    row_answer,
    rows_reader,
    send_batches,
)
from tokopedia_sync.client.transport import Call, Transport

MAX_ROWS = 100
MAX_STOCK = 999_999
PRICE_RANGE = (100, 100_000_000)


class InventoryApi:
    """Rows are mappings with a `sku` or a `product_id` and the value: `{"sku": "A-1",
    "new_stock": 5}`. Tokopedia takes the sku when a row has both. Every row counts as one request
    against the inventory budget.

    Each write returns a BulkResult with every row's outcome. When it cannot finish (retries or
    patience run out) it raises PartialBulkError, carrying the rows already answered.
    """

    def __init__(self, transport: Transport, shop_id: int, fs_id: int) -> None:
        self._transport = transport
        self._shop_id = shop_id
        self._fs_id = fs_id

    def set_stock(
        self,
        rows: Iterable[Mapping[str, Any]],
        *,
        warehouse_id: int | None = None,
        keep_product_status: bool = False,
    ) -> BulkResult:
        """Overwrite stock (`new_stock`, 0 to 999,999). Safe to repeat.

        With `keep_product_status`, a product that runs out of stock or is restocked keeps its
        active/inactive status (Tokopedia's `bypass_update_product_status`).
        """
        extra = {"bypass_update_product_status": "true"} if keep_product_status else {}
        path = f"/inventory/v1/fs/{self._fs_id}/stock/update"
        return self._send(path, rows, "new_stock", (0, MAX_STOCK), warehouse_id, extra=extra)

    def increment_stock(
        self, rows: Iterable[Mapping[str, Any]], *, warehouse_id: int | None = None
    ) -> BulkResult:
        """Add `stock_value` to the stock. Each batch carries a request_id, so a retry after a
        lost answer is not counted twice."""
        path = f"/inventory/v2/fs/{self._fs_id}/stock/increment"
        return self._send(path, rows, "stock_value", (1, MAX_STOCK), warehouse_id, counting=True)

    def decrement_stock(
        self, rows: Iterable[Mapping[str, Any]], *, warehouse_id: int | None = None
    ) -> BulkResult:
        """Take `stock_value` from the stock (never below zero), with a request_id per batch."""
        path = f"/inventory/v2/fs/{self._fs_id}/stock/decrement"
        return self._send(path, rows, "stock_value", (1, MAX_STOCK), warehouse_id, counting=True)

    def update_price(
        self, rows: Iterable[Mapping[str, Any]], *, warehouse_id: int | None = None
    ) -> BulkResult:
        """Set `new_price` in rupiah (100 to 100,000,000). Safe to repeat."""
        path = f"/inventory/v1/fs/{self._fs_id}/price/update"
        return self._send(path, rows, "new_price", PRICE_RANGE, warehouse_id)

    def _send(
        self,
        path: str,
        rows: Iterable[Mapping[str, Any]],
        value_key: str,
        bounds: tuple[int, int],
        warehouse_id: int | None,
        *,
        extra: Mapping[str, str] | None = None,
        counting: bool = False,
    ) -> BulkResult:
        base: dict[str, Any] = {"shop_id": self._shop_id, **(extra or {})}
        if warehouse_id is not None:
            base["warehouse_id"] = warehouse_id

        def make_call(batch: list[dict]) -> Call:
            params = dict(base)
            if counting:
                # Tokopedia drops a repeated request_id, which makes counting writes repeatable.
                params["request_id"] = uuid.uuid4().hex[:20]
            return Call("POST", path, "inventory", params, batch, len(batch), read=row_answer)

        result = BulkResult()
        rows_to_send = checked_rows(rows, value_key, bounds, result)
        write = BulkWrite(f"POST {path}", "inventory", MAX_ROWS, make_call, rows_reader(value_key))
        return send_batches(self._transport, write, rows_to_send, result)
