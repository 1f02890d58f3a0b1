"""Shop info, showcases and logistics (the "shop" budget family)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tokopedia_sync.client.envelope import lookup
from tokopedia_sync.client.errors import NotFoundError
from tokopedia_sync.client.shapes import record, records, whole
from tokopedia_sync.client.transport import Call, Transport

SHOWCASES_PER_PAGE = 100


class ShopApi:
    """Shop info, showcases and logistics of the connection's shop (or another linked one)."""

    def __init__(self, transport: Transport, shop_id: int, fs_id: int) -> None:
        self._transport = transport
        self._shop_id = shop_id
        self._fs_id = fs_id

    def info(self, shop_id: int | None = None) -> dict:
        """The shop's profile: name, status, domain, warehouses."""
        wanted = shop_id or self._shop_id
        path = f"/v1/shop/fs/{self._fs_id}/shop-info"
        shops = self._transport.send(Call("GET", path, "shop", {"shop_id": wanted}, read=_shops))
        for shop in shops:
            if _shop_id_of(shop) == wanted:
                return shop
        raise NotFoundError(f"shop-info has no entry for shop {wanted}", request=f"GET {path}")

    def showcases(self, shop_id: int | None = None) -> list[dict]:
        """Every showcase (etalase) of the shop."""
        path = f"/v1/showcase/fs/{self._fs_id}/get"
        found: list[dict] = []
        page = 1
        while True:
            params = {
                "shop_id": shop_id or self._shop_id,
                "page": page,
                "page_count": SHOWCASES_PER_PAGE,
            }
            data = self._transport.send(Call("GET", path, "shop", params, read=_showcases))
            rows = data["showcase"]
            found += rows
            if len(rows) < SHOWCASES_PER_PAGE or not data.get("next_link"):
                return found
            page += 1

    def couriers(self) -> list[dict]:
        """Every courier and service Tokopedia offers, with ids and descriptions."""
        path = f"/v2/logistic/fs/{self._fs_id}/info"
        return self._transport.send(
            Call("GET", path, "shop", {"shop_id": self._shop_id}, read=records)
        )

    def active_couriers(self, shop_id: int | None = None) -> list[dict]:
        """The couriers and packages switched on for the shop (PascalCase keys, as sent)."""
        wanted = shop_id or self._shop_id
        path = f"/v1/logistic/fs/{self._fs_id}/active-info"
        call = Call("GET", path, "shop", {"shop_id": wanted}, read=_active_couriers)
        return self._transport.send(call).get(wanted, [])


def _shop_id_of(shop: Mapping[str, Any]) -> int:
    return whole(lookup(shop, "shop_id"), "shop_id")


def _shops(data: Any) -> list[Mapping[str, Any]]:
    """Shop info comes as a list of shops, or as one shop."""
    shops = [data] if isinstance(data, Mapping) else records(data)
    for shop in shops:
        _shop_id_of(shop)
    return shops


def _showcases(data: Any) -> Mapping[str, Any]:
    page = record(data)
    return {**page, "showcase": records(page.get("showcase"), "showcase")}


def _active_couriers(data: Any) -> dict[int, list[Mapping[str, Any]]]:
    """{shop id: its couriers and packages}, from `{"Shops": [{"ShopID", "ShipmentInfos"}]}`."""
    found = {}
    for shop in records(lookup(record(data), "Shops"), "Shops"):
        shop_id = whole(lookup(shop, "ShopID"), "ShopID")
        found[shop_id] = records(lookup(shop, "ShipmentInfos"), "ShipmentInfos")
    return found
