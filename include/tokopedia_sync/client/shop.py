"""Shop info, showcases and logistics (the "shop" budget family)."""

from __future__ import annotations

from tokopedia_sync.client.envelope import lookup
from tokopedia_sync.client.errors import NotFoundError
from tokopedia_sync.client.transport import Call, Transport

SHOWCASES_PER_PAGE = 100


class ShopApi:
    def __init__(self, transport: Transport, shop_id: int, fs_id: int) -> None:
        self._transport = transport
        self._shop_id = shop_id
        self._fs_id = fs_id

    def info(self, shop_id: int | None = None) -> dict:
        """The shop's profile: name, status, domain, warehouses."""
        wanted = shop_id or self._shop_id
        path = f"/v1/shop/fs/{self._fs_id}/shop-info"
        shops = self._transport.send(Call("GET", path, "shop", {"shop_id": wanted})) or []
        if isinstance(shops, dict):
            shops = [shops]
        for shop in shops:
            if int(lookup(shop, "shop_id", 0)) == wanted:
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
            data = self._transport.send(Call("GET", path, "shop", params)) or {}
            rows = data.get("showcase") or []
            found += rows
            if len(rows) < SHOWCASES_PER_PAGE or not data.get("next_link"):
                return found
            page += 1

    def couriers(self) -> list[dict]:
        """Every courier and service Tokopedia offers, with ids and descriptions."""
        path = f"/v2/logistic/fs/{self._fs_id}/info"
        return self._transport.send(Call("GET", path, "shop", {"shop_id": self._shop_id})) or []

    def active_couriers(self, shop_id: int | None = None) -> list[dict]:
        """The couriers and packages switched on for the shop (PascalCase keys, as sent)."""
        wanted = shop_id or self._shop_id
        path = f"/v1/logistic/fs/{self._fs_id}/active-info"
        data = self._transport.send(Call("GET", path, "shop", {"shop_id": wanted})) or {}
        for shop in lookup(data, "Shops", []) or []:
            if int(lookup(shop, "ShopID", 0)) == wanted:
                return lookup(shop, "ShipmentInfos", []) or []
        return []
