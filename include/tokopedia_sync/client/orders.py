"""Order endpoints: the windowed order list, single orders, and what a seller does to an order."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime

from tokopedia_sync.client.errors import TokopediaError
from tokopedia_sync.client.shapes import record, records
from tokopedia_sync.client.transport import Call, Transport

log = logging.getLogger(__name__)

# The order list refuses windows of 3 days or more (ORD_DLV_013); a window is [from, to] in
# whole seconds, so the widest legal one spans 3 days less a second.
MAX_WINDOW_SECONDS = 3 * 86_400 - 1
MAX_PER_PAGE = 100
TOO_BIG = "ORD_API_009"

REJECT_REASONS = {
    0: "reject shipping",
    1: "product(s) out of stock",
    2: "product variant unavailable",
    3: "wrong price or weight",
    4: "shop closed",
    5: "others",
    7: "courier problem",
    8: "buyer's request",
}


@dataclass(frozen=True)
class OrderPage:
    """One page of the order list, with where it sits: for progress logs and checkpoints."""

    window_start: int
    window_end: int
    page: int
    orders: list[dict]


def unix_seconds(moment: datetime | int) -> int:
    if isinstance(moment, datetime):
        if moment.tzinfo is None:
            raise ValueError(f"{moment!r} has no time zone; pass an aware datetime (UTC)")
        return int(moment.timestamp())
    return int(moment)


def windows(start: int, end: int, width: int = MAX_WINDOW_SECONDS) -> Iterator[tuple[int, int]]:
    """Cut [start, end] into API-legal windows.

    Windows share their edge second. Tokopedia does not document whether `to_date` is inclusive;
    sharing the edge means an order created in that second is never missed under either reading,
    and `OrdersApi.pages` drops the copy the next window may bring.
    """
    if end < start:
        raise ValueError(f"the range ends ({end}) before it starts ({start})")
    while True:
        stop = min(start + width, end)
        yield start, stop
        if stop >= end:
            return
        start = stop


def _utc(moment: int) -> str:
    return datetime.fromtimestamp(moment, UTC).strftime("%Y-%m-%d %H:%M:%S")


class OrdersApi:
    """The order list, single orders, and what a seller does to an order."""

    def __init__(self, transport: Transport, shop_id: int, fs_id: int) -> None:
        self._transport = transport
        self._shop_id = shop_id
        self._fs_id = fs_id

    def pages(
        self,
        start: datetime | int,
        end: datetime | int,
        *,
        status: int | None = None,
        per_page: int = MAX_PER_PAGE,
        shop_id: int | None = None,
    ) -> Iterator[OrderPage]:
        """Every order created in [start, end], page by page, never holding more than a page.

        The range may be any length: it is cut into windows the API accepts, and each window is
        paged until a short page. A window Tokopedia finds too big (ORD_API_009) is halved.
        Orders appear only once they reached status 220.
        """
        if not 1 <= per_page <= MAX_PER_PAGE:
            raise ValueError(f"per_page must be 1 to {MAX_PER_PAGE}, got {per_page}")
        first, last = unix_seconds(start), unix_seconds(end)
        seen_on_edges: dict[int, set[int]] = {}
        for window_start, window_end in windows(first, last):
            for page in self._window_pages(window_start, window_end, status, per_page, shop_id):
                fresh = []
                for order in page.orders:
                    created = order.get("create_time")
                    if created in (page.window_start, page.window_end):
                        seen = seen_on_edges.setdefault(created, set())
                        if order.get("order_id") in seen:
                            continue
                        seen.add(order.get("order_id"))
                    fresh.append(order)
                yield OrderPage(page.window_start, page.window_end, page.page, fresh)

    def list(
        self,
        start: datetime | int,
        end: datetime | int,
        *,
        status: int | None = None,
        per_page: int = MAX_PER_PAGE,
        shop_id: int | None = None,
    ) -> Iterator[dict]:
        """Every order created in [start, end], one at a time. See `pages`."""
        for page in self.pages(start, end, status=status, per_page=per_page, shop_id=shop_id):
            yield from page.orders

    def _window_pages(
        self, start: int, end: int, status: int | None, per_page: int, shop_id: int | None
    ) -> Iterator[OrderPage]:
        params = {
            "fs_id": self._fs_id,
            "shop_id": shop_id or self._shop_id,
            "from_date": start,
            "to_date": end,
            "per_page": per_page,
        }
        if status is not None:
            params["status"] = status
        page = 1
        while True:
            call = Call("GET", "/v2/order/list", "orders", {**params, "page": page}, read=records)
            try:
                orders = self._transport.send(call)
            except TokopediaError as exc:
                # Whatever status it comes with, this code means the window holds too much.
                if exc.error_code != TOO_BIG or page != 1 or end - start < 2:
                    raise
                middle = start + (end - start) // 2
                log.warning(
                    "orders %s..%s: Tokopedia says too many orders; halving the window",
                    _utc(start),
                    _utc(end),
                )
                yield from self._window_pages(start, middle, status, per_page, shop_id)
                yield from self._window_pages(middle, end, status, per_page, shop_id)
                return
            yield OrderPage(start, end, page, orders)
            if len(orders) < per_page:
                return
            page += 1

    def get(self, order_id: int | None = None, *, invoice: str | None = None) -> dict:
        """One order with its history, by order_id or by invoice number."""
        if (order_id is None) == (invoice is None):
            raise ValueError("give exactly one of order_id or invoice")
        params = {"order_id": order_id} if order_id is not None else {"invoice_num": invoice}
        path = f"/v2/fs/{self._fs_id}/order"
        return self._transport.send(Call("GET", path, "orders", params, read=record))

    def accept(self, order_id: int) -> None:
        """Accept (ACK) a paid order: 220 → 400."""
        self._write(order_id, "ack", None)

    def reject(
        self,
        order_id: int,
        reason_code: int,
        reason: str,
        *,
        shop_close_end_date: date | None = None,
        shop_close_note: str | None = None,
        empty_products: list[int] | None = None,
    ) -> None:
        """Reject (NACK) an order with one of Tokopedia's reason codes (see REJECT_REASONS)."""
        if reason_code not in REJECT_REASONS:
            raise ValueError(
                f"reject reason_code {reason_code!r} is not one of "
                + ", ".join(f"{code} ({text})" for code, text in REJECT_REASONS.items())
            )
        limit = 490 if reason_code in (7, 8) else 512
        if not reason or not reason.strip() or len(reason) > limit:
            raise ValueError(f"reject reason must be 1 to {limit} characters")
        body: dict = {"reason_code": reason_code, "reason": reason}
        if reason_code == 4:
            if shop_close_end_date is None or not shop_close_note:
                raise ValueError("reason_code 4 (shop closed) needs shop_close_end_date and note")
            body["shop_close_end_date"] = shop_close_end_date.strftime("%d/%m/%Y")
            body["shop_close_note"] = shop_close_note
        if empty_products:
            body["empty_products"] = list(empty_products)
        self._write(order_id, "nack", body)

    def confirm_shipping(self, order_id: int, awb: str) -> None:
        """Confirm shipping with the courier's AWB (shipping reference number): → 500."""
        if not awb or not awb.strip():
            raise ValueError("confirm_shipping needs the AWB (shipping reference number)")
        self._write(order_id, "status", {"order_status": 500, "shipping_ref_num": awb.strip()})

    def request_pick_up(self, order_id: int, shop_id: int | None = None) -> dict:
        """Ask the courier to pick an accepted order up: 400 → 450.

        Tokopedia asks for about five seconds between accepting an order and this call.
        """
        body = {"order_id": order_id, "shop_id": shop_id or self._shop_id}
        path = f"/inventory/v1/fs/{self._fs_id}/pick-up"
        call = Call("POST", path, "orders", body=body, read=record)
        return self._transport.send(call.not_repeatable())

    def shipping_label(self, order_id: int, *, mark_printed: bool = False) -> str:
        """The shipping label as an HTML page (orders from status 400 on)."""
        path = f"/v1/order/{order_id}/fs/{self._fs_id}/shipping-label"
        params = {"printed": int(mark_printed)}
        return self._transport.send(Call("GET", path, "orders", params, html=True))

    def _write(self, order_id: int, action: str, body: dict | None) -> None:
        path = f"/v1/order/{order_id}/fs/{self._fs_id}/{action}"
        self._transport.send(Call("POST", path, "orders", body=body).not_repeatable())
