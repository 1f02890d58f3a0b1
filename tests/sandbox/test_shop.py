"""Shop info, showcases, couriers and active couriers (the "shop" family)."""

from __future__ import annotations

from collections import Counter

import pytest

from tests.conftest import FS_ID, OTHER_SHOP_ID, SHOP_ID, UNLINKED_SHOP_ID, WAREHOUSES
from tests.sandbox.conftest import data_of, error_of, every_page

SHOP_INFO = f"/v1/shop/fs/{FS_ID}/shop-info"
SHOWCASES = f"/v1/showcase/fs/{FS_ID}/get"
COURIERS = f"/v2/logistic/fs/{FS_ID}/info"
ACTIVE_COURIERS = f"/v1/logistic/fs/{FS_ID}/active-info"
PRODUCT_INFO = f"/inventory/v1/fs/{FS_ID}/product/info"
DELETE = f"/v3/products/fs/{FS_ID}/delete"


class TestShopInfo:
    def test_with_a_shop_id_shows_that_shop_and_its_warehouses(self, api):
        [shop] = data_of(api.get(SHOP_INFO, shop_id=SHOP_ID))

        assert shop["shop_id"] == SHOP_ID
        assert shop["shop_name"] == "Toko Uji"
        assert [w["warehouse_id"] for w in shop["warehouses"]] == list(WAREHOUSES)
        assert [w["is_default"] for w in shop["warehouses"]] == [1, 0]
        assert shop["warehouses"][0]["shop_id"] == {"Int64": SHOP_ID, "Valid": True}

    def test_without_a_shop_id_shows_every_linked_shop(self, api):
        shops = data_of(api.get(SHOP_INFO))

        assert [shop["shop_id"] for shop in shops] == [SHOP_ID, OTHER_SHOP_ID]

    def test_without_a_shop_id_pages_through_the_shops(self, api):
        second = data_of(api.get(SHOP_INFO, page=2, per_page=1))
        beyond = data_of(api.get(SHOP_INFO, page=3, per_page=1))

        assert [shop["shop_id"] for shop in second] == [OTHER_SHOP_ID]
        assert beyond == []

    def test_a_shop_not_linked_to_the_app_is_forbidden(self, api):
        assert error_of(api.get(SHOP_INFO, shop_id=UNLINKED_SHOP_ID)) == (403, "RBAC_MDLW_001")

    @pytest.mark.parametrize("params", [{"shop_id": "toko"}, {"page": 0}, {"per_page": 101}])
    def test_bad_parameters_are_refused(self, api, params):
        assert error_of(api.get(SHOP_INFO, **params)) == (400, "SHP_DLV_001")


def product_counts(api, shop_id: int) -> Counter:
    """How many products (any status but deleted) each showcase holds, read from the API."""
    pages = every_page(api, PRODUCT_INFO, 50, shop_id=shop_id)
    return Counter(product["menu"]["id"] for page in pages for product in page)


class TestShowcases:
    def test_product_counts_match_the_products_of_the_shop(self, api, sandbox):
        counts = product_counts(api, SHOP_ID)
        truth = sandbox.control.products(shop_id=SHOP_ID)

        showcase = data_of(api.get(SHOWCASES, shop_id=SHOP_ID))["showcase"]

        assert {row["id"]: row["product_count"] for row in showcase} == dict(counts)
        assert sum(counts.values()) == sum(1 for p in truth if p["status"] != 0)

    def test_page_count_pages_the_showcases_with_links(self, api):
        first = data_of(api.get(SHOWCASES, shop_id=OTHER_SHOP_ID, page=1, page_count=3))
        second = data_of(api.get(SHOWCASES, shop_id=OTHER_SHOP_ID, page=2, page_count=3))

        assert len(first["showcase"]) == 3
        assert first["prev_link"] == ""
        assert "page=2" in first["next_link"]
        assert len(second["showcase"]) == 1
        assert second["next_link"] == ""
        assert "page=1" in second["prev_link"]
        ids = [row["id"] for row in first["showcase"] + second["showcase"]]
        assert len(set(ids)) == 4

    def test_a_hundred_showcases_per_page_is_the_most_allowed(self, api):
        assert data_of(api.get(SHOWCASES, shop_id=SHOP_ID, page_count=100))["showcase"]

    @pytest.mark.parametrize("page_count", [101, 0, "ten"])
    def test_a_page_count_beyond_the_limit_is_refused(self, api, page_count):
        response = api.get(SHOWCASES, shop_id=SHOP_ID, page_count=page_count)

        assert error_of(response) == (400, "SHP_DLV_010")

    def test_hide_zero_leaves_out_a_showcase_whose_products_were_all_deleted(self, api, sandbox):
        counts = product_counts(api, SHOP_ID)
        emptied = min(counts, key=counts.get)
        pages = every_page(api, PRODUCT_INFO, 50, shop_id=SHOP_ID)
        doomed = [
            p["basic"]["productID"] for page in pages for p in page if p["menu"]["id"] == emptied
        ]
        for start in range(0, len(doomed), 25):
            data_of(api.post(DELETE, {"product_id": doomed[start : start + 25]}, shop_id=SHOP_ID))

        shown = data_of(api.get(SHOWCASES, shop_id=SHOP_ID))["showcase"]
        hidden = data_of(api.get(SHOWCASES, shop_id=SHOP_ID, hide_zero="true"))["showcase"]

        assert {row["id"]: row["product_count"] for row in shown}[emptied] == 0
        assert emptied not in {row["id"] for row in hidden}
        assert len(hidden) == len(shown) - 1

    def test_display_group_shows_no_plain_showcases(self, api):
        data = data_of(api.get(SHOWCASES, shop_id=SHOP_ID, display="group"))

        assert data["showcase"] == []

    def test_an_unknown_display_is_refused(self, api):
        response = api.get(SHOWCASES, shop_id=SHOP_ID, display="everything")

        assert error_of(response) == (400, "SHP_DLV_001")

    def test_a_shop_id_is_required(self, api):
        assert error_of(api.get(SHOWCASES)) == (400, "SHP_DLV_001")

    def test_a_shop_not_linked_to_the_app_is_forbidden(self, api):
        assert error_of(api.get(SHOWCASES, shop_id=UNLINKED_SHOP_ID)) == (403, "RBAC_MDLW_001")


class TestCouriers:
    def test_every_courier_comes_with_its_services(self, api):
        couriers = data_of(api.get(COURIERS, shop_id=SHOP_ID))

        assert couriers
        for courier in couriers:
            assert {"shipper_id", "shipper_name", "logo", "services"} <= set(courier)
            assert courier["services"]
            assert {"service_id", "service_name", "service_desc"} <= set(courier["services"][0])

    def test_a_shop_id_is_required(self, api):
        assert error_of(api.get(COURIERS)) == (400, "LGS_DLV_001")

    def test_a_shop_not_linked_to_the_app_is_forbidden(self, api):
        assert error_of(api.get(COURIERS, shop_id=UNLINKED_SHOP_ID)) == (403, "RBAC_MDLW_001")


class TestActiveCouriers:
    def test_keys_are_pascal_case_as_tokopedia_writes_them(self, api):
        data = data_of(api.get(ACTIVE_COURIERS, shop_id=SHOP_ID))

        [shop] = data["Shops"]
        assert shop["ShopID"] == SHOP_ID
        info = shop["ShipmentInfos"][0]
        assert {
            "ShipmentID",
            "ShipmentName",
            "ShipmentCode",
            "ShipmentAvailable",
            "ShipmentImage",
            "ShipmentPackages",
            "AWBStatus",
        } <= set(info)
        assert {"IsAvailable", "ProductName", "ShippingProductID"} <= set(
            info["ShipmentPackages"][0]
        )

    def test_the_same_couriers_as_the_logistics_info(self, api):
        couriers = data_of(api.get(COURIERS, shop_id=SHOP_ID))

        [shop] = data_of(api.get(ACTIVE_COURIERS, shop_id=SHOP_ID))["Shops"]

        assert [i["ShipmentID"] for i in shop["ShipmentInfos"]] == [
            c["shipper_id"] for c in couriers
        ]

    def test_without_a_shop_id_every_linked_shop_is_shown(self, api):
        data = data_of(api.get(ACTIVE_COURIERS))

        assert [shop["ShopID"] for shop in data["Shops"]] == [SHOP_ID, OTHER_SHOP_ID]

    def test_a_shop_not_linked_to_the_app_is_forbidden(self, api):
        response = api.get(ACTIVE_COURIERS, shop_id=UNLINKED_SHOP_ID)

        assert error_of(response) == (403, "RBAC_MDLW_001")
