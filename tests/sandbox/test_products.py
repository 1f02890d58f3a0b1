"""Product endpoints (info, variants, create, edit, delete, active/inactive) and the inventory
family (stock set, increment, decrement, price)."""

from __future__ import annotations

import pytest

from tests.conftest import FS_ID, OTHER_SHOP_ID, SHOP_ID, UNLINKED_SHOP_ID, WAREHOUSES
from tests.sandbox.conftest import data_of, error_of, every_page

INFO = f"/inventory/v1/fs/{FS_ID}/product/info"
CREATE = f"/v3/products/fs/{FS_ID}/create"
EDIT = f"/v3/products/fs/{FS_ID}/edit"
DELETE = f"/v3/products/fs/{FS_ID}/delete"
ACTIVE = f"/v1/products/fs/{FS_ID}/active"
INACTIVE = f"/v1/products/fs/{FS_ID}/inactive"
SET_STOCK = f"/inventory/v1/fs/{FS_ID}/stock/update"
INCREMENT = f"/inventory/v2/fs/{FS_ID}/stock/increment"
DECREMENT = f"/inventory/v2/fs/{FS_ID}/stock/decrement"
SET_PRICE = f"/inventory/v1/fs/{FS_ID}/price/update"
ACTIVE_STATUS, INACTIVE_STATUS, DELETED_STATUS = 1, 3, 0


def variant_path(product_id: int | str) -> str:
    return f"/inventory/v1/fs/{FS_ID}/product/variant/{product_id}"


def upload_path(upload_id: int | str) -> str:
    return f"/v2/products/fs/{FS_ID}/status/{upload_id}"


def truth_of(sandbox, shop_id: int = SHOP_ID) -> dict[int, dict]:
    return {p["product_id"]: p for p in sandbox.control.products(shop_id=shop_id)}


def plain_products(sandbox, shop_id: int = SHOP_ID) -> list[dict]:
    """Active products without variants, each with some stock in every warehouse."""
    return [
        p
        for p in truth_of(sandbox, shop_id).values()
        if p["status"] == ACTIVE_STATUS
        and not p["children"]
        and p["parent_id"] is None
        and all(n > 0 for n in p["stock_by_warehouse"].values())
    ]


def parent_product(sandbox, shop_id: int = SHOP_ID) -> dict:
    return next(p for p in truth_of(sandbox, shop_id).values() if p["children"])


def listed_ids(api, shop_id: int = SHOP_ID) -> list[int]:
    pages = every_page(api, INFO, 50, shop_id=shop_id)
    return [p["basic"]["productID"] for page in pages for p in page]


def stock_in(sandbox, product_id: int, warehouse_id: int = WAREHOUSES[0]) -> int:
    return truth_of(sandbox)[product_id]["stock_by_warehouse"][str(warehouse_id)]


class TestProductInfoByShop:
    def test_paging_returns_every_product_of_the_shop_exactly_once(self, api, sandbox):
        truth = truth_of(sandbox)

        ids = listed_ids(api)

        assert len(ids) == len(set(ids))
        assert set(ids) == {pid for pid, p in truth.items() if p["status"] != DELETED_STATUS}
        assert len(ids) > 50

    @pytest.mark.parametrize(
        "params",
        [
            {},
            {"page": 1},
            {"per_page": 10},
            {"page": 0, "per_page": 10},
            {"page": 1, "per_page": 51},
        ],
        ids=["neither", "no-per-page", "no-page", "page-0", "per-page-51"],
    )
    def test_page_and_per_page_are_required_and_bounded(self, api, params):
        response = api.get(INFO, shop_id=SHOP_ID, **params)

        assert error_of(response) == (400, "PRD_DLV_005")

    def test_fifty_per_page_is_the_most_allowed(self, api):
        assert len(data_of(api.get(INFO, shop_id=SHOP_ID, page=1, per_page=50))) == 50

    def test_a_page_beyond_the_last_is_empty(self, api):
        assert data_of(api.get(INFO, shop_id=SHOP_ID, page=99, per_page=50)) == []

    def test_a_shop_not_linked_to_the_app_is_forbidden(self, api):
        response = api.get(INFO, shop_id=UNLINKED_SHOP_ID, page=1, per_page=10)

        assert error_of(response) == (403, "RBAC_MDLW_001")

    def test_sorting_by_lowest_price_orders_the_listing_by_price(self, api):
        pages = every_page(api, INFO, 50, shop_id=SHOP_ID, sort=6)

        prices = [p["price"]["value"] for page in pages for p in page]
        assert prices == sorted(prices)

    @pytest.mark.parametrize("sort", [0, 11, "name"])
    def test_an_unknown_sort_is_refused(self, api, sort):
        response = api.get(INFO, shop_id=SHOP_ID, page=1, per_page=10, sort=sort)

        assert error_of(response) == (400, "PRD_DLV_042")

    def test_sorting_by_name_z_to_a_puts_a_longer_name_before_its_prefix(self, api, sandbox):
        created = create_products(
            api,
            sandbox,
            {"name": "Zzz Kopi", "price": 15_000, "stock": 3},
            {"name": "Zzz Kopi Susu", "price": 18_000, "stock": 3},
        )

        first = data_of(api.get(INFO, shop_id=SHOP_ID, page=1, per_page=2, sort=8))

        assert [p["basic"]["productID"] for p in first] == [created[1], created[0]]
        a_to_z = data_of(api.get(INFO, shop_id=SHOP_ID, page=1, per_page=50, sort=7))
        assert [p["basic"]["name"] for p in a_to_z] == sorted(p["basic"]["name"] for p in a_to_z)


SORT_KEYS = {
    2: ("updated", True),
    5: ("price", True),
    6: ("price", False),
    7: ("name", False),
    8: ("name", True),
    9: ("stock", False),
    10: ("stock", True),
}
"""API sort number: (ground-truth key, descending). Ties keep the shop's order (by product id)."""


def sorted_listing(api, sort: int) -> list[int]:
    pages = every_page(api, INFO, 50, shop_id=SHOP_ID, sort=sort)
    return [p["basic"]["productID"] for page in pages for p in page]


def sorted_truth(sandbox, sort: int) -> list[int]:
    key, descending = SORT_KEYS[sort]
    live = sorted(
        (p for p in sandbox.control.products(shop_id=SHOP_ID) if p["status"] != DELETED_STATUS),
        key=lambda p: p["product_id"],
    )
    return [p["product_id"] for p in sorted(live, key=lambda p: p[key], reverse=descending)]


class TestSortedListings:
    def test_every_sort_follows_each_kind_of_change(self, api, sandbox):
        for sort in SORT_KEYS:
            assert sorted_listing(api, sort) == sorted_truth(sandbox, sort)
        priced, stocked, renamed, deleted, deactivated = (
            p["product_id"] for p in plain_products(sandbox)[:5]
        )

        data_of(
            api.post(SET_PRICE, [{"product_id": priced, "new_price": 99_000_000}], shop_id=SHOP_ID)
        )
        data_of(
            api.post(SET_STOCK, [{"product_id": stocked, "new_stock": 999_999}], shop_id=SHOP_ID)
        )
        edit = {"products": [{"id": renamed, "name": "AAA Paling Depan"}]}
        data_of(api.patch(EDIT, edit, shop_id=SHOP_ID))
        data_of(api.post(DELETE, {"product_id": [deleted]}, shop_id=SHOP_ID))
        data_of(api.post(INACTIVE, {"product_id": [deactivated]}, shop_id=SHOP_ID))
        [created] = create_products(api, sandbox, {"name": "Zzzz", "price": 100, "stock": 0})

        for sort in SORT_KEYS:
            assert sorted_listing(api, sort) == sorted_truth(sandbox, sort), sort
        assert sorted_listing(api, 5)[0] == priced
        assert sorted_listing(api, 10)[0] == stocked
        assert sorted_listing(api, 7)[0] == renamed
        assert sorted_listing(api, 8)[0] == created
        assert deleted not in sorted_listing(api, 2)


class TestProductInfoLookup:
    def test_by_one_product_id_shows_the_truths_values(self, api, sandbox):
        product = plain_products(sandbox)[0]

        [info] = data_of(api.get(INFO, product_id=product["product_id"]))

        assert info["basic"]["productID"] == product["product_id"]
        assert info["basic"]["shopID"] == SHOP_ID
        assert info["basic"]["name"] == product["name"]
        assert info["basic"]["status"] == product["status"]
        assert info["price"]["value"] == product["price"]
        assert info["stock"]["value"] == product["stock"]
        assert info["other"]["sku"] == product["sku"]

    def test_keys_are_camel_case_as_tokopedia_writes_them(self, api, sandbox):
        product = plain_products(sandbox)[0]

        [info] = data_of(api.get(INFO, product_id=product["product_id"]))

        assert {"productID", "shopID", "childCategoryID"} <= set(info["basic"])
        assert {"useStock", "value"} <= set(info["stock"])
        assert {"isParent", "isVariant", "childrenID"} <= set(info["variant"])
        assert "LastUpdateUnix" in info["price"]
        assert {"productID", "warehouseID", "price", "stock"} <= set(info["warehouses"][0])

    def test_warehouses_show_the_stock_of_each_warehouse(self, api, sandbox):
        product = plain_products(sandbox)[0]

        [info] = data_of(api.get(INFO, product_id=product["product_id"]))

        by_warehouse = {w["warehouseID"]: w["stock"]["value"] for w in info["warehouses"]}
        assert by_warehouse == {int(w): n for w, n in product["stock_by_warehouse"].items()}
        assert set(by_warehouse) == set(WAREHOUSES)

    def test_a_parent_lists_its_children_and_sums_their_stock(self, api, sandbox):
        parent = parent_product(sandbox)
        truth = truth_of(sandbox)

        [info] = data_of(api.get(INFO, product_id=parent["product_id"]))

        assert info["variant"]["isParent"] is True
        assert info["variant"]["childrenID"] == parent["children"]
        assert info["stock"]["value"] == sum(truth[c]["stock"] for c in parent["children"])

    def test_comma_separated_ids_return_each_product(self, api, sandbox):
        wanted = [p["product_id"] for p in plain_products(sandbox)[:3]]

        found = data_of(api.get(INFO, product_id=",".join(map(str, wanted))))

        assert sorted(p["basic"]["productID"] for p in found) == sorted(wanted)

    def test_repeated_product_id_parameters_return_each_product(self, api, sandbox):
        wanted = [p["product_id"] for p in plain_products(sandbox)[:3]]

        response = api.request("GET", INFO, params=[("product_id", pid) for pid in wanted])

        assert sorted(p["basic"]["productID"] for p in data_of(response)) == sorted(wanted)

    def test_ids_of_both_linked_shops_can_be_asked_together(self, api, sandbox):
        mine = plain_products(sandbox)[0]["product_id"]
        theirs = plain_products(sandbox, OTHER_SHOP_ID)[0]["product_id"]

        found = data_of(api.get(INFO, product_id=f"{mine},{theirs}"))

        assert {p["basic"]["shopID"] for p in found} == {SHOP_ID, OTHER_SHOP_ID}

    def test_unknown_ids_among_known_ones_are_left_out(self, api, sandbox):
        known = plain_products(sandbox)[0]["product_id"]

        found = data_of(api.get(INFO, product_id=f"{known},1"))

        assert [p["basic"]["productID"] for p in found] == [known]

    def test_by_sku_finds_the_product(self, api, sandbox):
        product = plain_products(sandbox)[1]

        [info] = data_of(api.get(INFO, sku=product["sku"]))

        assert info["basic"]["productID"] == product["product_id"]

    def test_by_product_url_finds_the_product(self, api, sandbox):
        product = plain_products(sandbox)[2]
        [info] = data_of(api.get(INFO, product_id=product["product_id"]))

        [by_url] = data_of(api.get(INFO, product_url=info["other"]["url"]))

        assert by_url["basic"]["productID"] == product["product_id"]

    @pytest.mark.parametrize(
        "params", [{"product_id": 1}, {"sku": "NO-SUCH-SKU"}, {"product_url": "https://x.invalid"}]
    )
    def test_an_unknown_product_is_not_found(self, api, params):
        assert error_of(api.get(INFO, **params)) == (404, "OPENAPI_DB_003")

    def test_a_non_numeric_product_id_is_refused(self, api):
        assert error_of(api.get(INFO, product_id="12,abc")) == (400, "PRD_DLV_042")

    def test_no_selector_at_all_is_refused(self, api):
        assert error_of(api.get(INFO)) == (400, "PRD_DLV_001")


class TestVariants:
    def test_a_parent_shows_its_children_with_the_truths_stock(self, api, sandbox):
        parent = parent_product(sandbox)
        truth = truth_of(sandbox)

        tree = data_of(api.get(variant_path(parent["product_id"])))

        assert tree["parent_id"] == parent["product_id"]
        assert [c["product_id"] for c in tree["children"]] == parent["children"]
        assert [c["stock"] for c in tree["children"]] == [
            truth[c]["stock"] for c in parent["children"]
        ]
        assert tree["default_child"] == parent["children"][0]
        options = {o["id"] for axis in tree["variant"] for o in axis["option"]}
        assert {i for c in tree["children"] for i in c["option_ids"]} <= options

    def test_a_child_shows_the_tree_of_its_parent(self, api, sandbox):
        parent = parent_product(sandbox)

        tree = data_of(api.get(variant_path(parent["children"][-1])))

        assert tree["parent_id"] == parent["product_id"]

    def test_a_product_without_variants_has_no_children(self, api, sandbox):
        product = plain_products(sandbox)[0]

        tree = data_of(api.get(variant_path(product["product_id"])))

        assert tree["children"] == []
        assert tree["variant"] == []

    def test_an_unknown_product_is_not_found(self, api):
        assert error_of(api.get(variant_path(1))) == (404, "OPENAPI_DB_003")

    def test_a_non_numeric_product_id_is_refused(self, api):
        assert error_of(api.get(variant_path("abc"))) == (400, "PRD_DLV_042")


def create_products(api, sandbox, *items: dict) -> list[int]:
    """Create products through v3 and the upload status; returns the new product ids."""
    upload_id = data_of(api.post(CREATE, {"products": list(items)}, shop_id=SHOP_ID))["upload_id"]
    [upload] = data_of(api.get(upload_path(upload_id), shop_id=SHOP_ID))["upload_data"]
    assert upload["failed_rows"] == 0, upload["failed_rows_data"]
    return [row["product_id"] for row in upload["success_rows_data"]]


class TestCreate:
    def test_a_created_product_is_listed_and_in_the_truth(self, api, sandbox):
        item = {"name": "Kopi Gayo Sandbox", "price": 75_000, "stock": 12, "sku": "KGS-001"}

        upload_id = data_of(api.post(CREATE, {"products": [item]}, shop_id=SHOP_ID))["upload_id"]

        [upload] = data_of(api.get(upload_path(upload_id), shop_id=SHOP_ID))["upload_data"]
        assert upload["upload_id"] == upload_id
        assert upload["status"] == "DONE"
        assert (upload["total_data"], upload["success_rows"], upload["failed_rows"]) == (1, 1, 0)
        product_id = upload["success_rows_data"][0]["product_id"]
        truth = truth_of(sandbox)[product_id]
        assert (truth["name"], truth["price"], truth["stock"], truth["sku"]) == (
            item["name"],
            75_000,
            12,
            "KGS-001",
        )
        assert truth["stock_by_warehouse"] == {str(WAREHOUSES[0]): 12, str(WAREHOUSES[1]): 0}
        assert product_id in listed_ids(api)
        [info] = data_of(api.get(INFO, sku="KGS-001"))
        assert info["basic"]["productID"] == product_id

    def test_bad_items_fail_in_the_upload_while_good_ones_are_created(self, api, sandbox):
        before = len(truth_of(sandbox))
        items = [
            {"name": "Teh Tarik Sandbox", "price": 20_000, "stock": 5},
            {"name": "Terlalu Murah", "price": 50, "stock": 5},
            {"price": 20_000, "stock": 5},
            {"name": "Stok Teks", "price": 20_000, "stock": "lima"},
        ]

        upload_id = data_of(api.post(CREATE, {"products": items}, shop_id=SHOP_ID))["upload_id"]

        [upload] = data_of(api.get(upload_path(upload_id), shop_id=SHOP_ID))["upload_data"]
        assert (upload["success_rows"], upload["failed_rows"]) == (1, 3)
        assert all(row["error"] for row in upload["failed_rows_data"])
        assert len(truth_of(sandbox)) == before + 1

    def test_a_sku_already_in_use_fails_the_item(self, api, sandbox):
        taken = plain_products(sandbox)[0]["sku"]
        item = {"name": "Duplikat", "price": 20_000, "stock": 5, "sku": taken}

        upload_id = data_of(api.post(CREATE, {"products": [item]}, shop_id=SHOP_ID))["upload_id"]

        [upload] = data_of(api.get(upload_path(upload_id), shop_id=SHOP_ID))["upload_data"]
        assert upload["failed_rows"] == 1
        assert "already used" in upload["failed_rows_data"][0]["error"][0]

    def test_more_than_twenty_products_in_one_upload_are_refused(self, api):
        items = [{"name": f"Produk {n}", "price": 10_000, "stock": 1} for n in range(21)]

        response = api.post(CREATE, {"products": items}, shop_id=SHOP_ID)

        assert error_of(response) == (400, "PRD_DLV_018")

    @pytest.mark.parametrize(
        "body",
        [[{"name": "x"}], {"products": []}, {"products": {"name": "x"}}, {"items": []}],
        ids=["array", "empty", "object", "wrong-key"],
    )
    def test_a_body_that_is_not_a_products_list_is_refused(self, api, body):
        assert error_of(api.post(CREATE, body, shop_id=SHOP_ID)) == (400, "PRD_DLV_001")

    def test_an_unknown_upload_is_not_found(self, api):
        assert error_of(api.get(upload_path(1), shop_id=SHOP_ID)) == (404, "PRD_API_008")


class TestEdit:
    def test_only_the_fields_given_change(self, api, sandbox):
        product = plain_products(sandbox)[0]
        edit = {"id": product["product_id"], "name": "Nama Baru", "price": 12_345}

        upload_id = data_of(api.patch(EDIT, {"products": [edit]}, shop_id=SHOP_ID))["upload_id"]

        [upload] = data_of(api.get(upload_path(upload_id), shop_id=SHOP_ID))["upload_data"]
        assert upload["success_rows"] == 1
        truth = truth_of(sandbox)[product["product_id"]]
        assert (truth["name"], truth["price"]) == ("Nama Baru", 12_345)
        assert (truth["sku"], truth["stock"]) == (product["sku"], product["stock"])

    def test_a_product_of_another_shop_cannot_be_edited(self, api, sandbox):
        theirs = plain_products(sandbox, OTHER_SHOP_ID)[0]
        edit = {"id": theirs["product_id"], "name": "Bukan Milikku"}

        upload_id = data_of(api.patch(EDIT, {"products": [edit]}, shop_id=SHOP_ID))["upload_id"]

        [upload] = data_of(api.get(upload_path(upload_id), shop_id=SHOP_ID))["upload_data"]
        assert upload["failed_rows"] == 1
        assert truth_of(sandbox, OTHER_SHOP_ID)[theirs["product_id"]]["name"] == theirs["name"]

    def test_a_sku_already_used_by_another_product_is_refused(self, api, sandbox):
        first, second = plain_products(sandbox)[:2]
        edit = {"id": second["product_id"], "sku": first["sku"]}

        upload_id = data_of(api.patch(EDIT, {"products": [edit]}, shop_id=SHOP_ID))["upload_id"]

        [upload] = data_of(api.get(upload_path(upload_id), shop_id=SHOP_ID))["upload_data"]
        assert upload["failed_rows"] == 1
        assert truth_of(sandbox)[second["product_id"]]["sku"] == second["sku"]
        [info] = data_of(api.get(INFO, sku=first["sku"]))
        assert info["basic"]["productID"] == first["product_id"]

    def test_edit_needs_patch(self, api):
        response = api.post(EDIT, {"products": [{"id": 1}]}, shop_id=SHOP_ID)

        assert response.status_code == 405


class TestDeleteAndStatus:
    @pytest.mark.parametrize("method", ["POST", "DELETE"])
    def test_a_deleted_product_leaves_the_listing_and_has_status_0(self, api, sandbox, method):
        product = plain_products(sandbox)[0]

        response = api.request(
            method,
            DELETE,
            params={"shop_id": SHOP_ID},
            json={"product_id": [product["product_id"]]},
        )

        assert data_of(response) == {
            "total_data": 1,
            "succeed_rows": 1,
            "failed_rows": 0,
            "failed_rows_data": None,
        }
        assert truth_of(sandbox)[product["product_id"]]["status"] == DELETED_STATUS
        assert product["product_id"] not in listed_ids(api)
        assert error_of(api.get(INFO, product_id=product["product_id"])) == (
            404,
            "OPENAPI_DB_003",
        )

    def test_deleting_a_parent_deletes_its_children(self, api, sandbox):
        parent = parent_product(sandbox)

        data_of(api.post(DELETE, {"product_id": [parent["product_id"]]}, shop_id=SHOP_ID))

        truth = truth_of(sandbox)
        assert {truth[c]["status"] for c in parent["children"]} == {DELETED_STATUS}
        assert not set(parent["children"]) & set(listed_ids(api))

    def test_unknown_and_foreign_ids_fail_row_by_row(self, api, sandbox):
        mine = plain_products(sandbox)[0]["product_id"]
        theirs = plain_products(sandbox, OTHER_SHOP_ID)[0]["product_id"]

        data = data_of(api.post(DELETE, {"product_id": [mine, 1, theirs]}, shop_id=SHOP_ID))

        assert (data["total_data"], data["succeed_rows"], data["failed_rows"]) == (3, 1, 2)
        assert any("[1]" in text for text in data["failed_rows_data"])
        assert truth_of(sandbox, OTHER_SHOP_ID)[theirs]["status"] == ACTIVE_STATUS

    def test_inactive_then_active_moves_the_truth_status(self, api, sandbox):
        ids = [p["product_id"] for p in plain_products(sandbox)[:3]]

        inactive = data_of(api.post(INACTIVE, {"product_id": ids}, shop_id=SHOP_ID))
        after_inactive = {truth_of(sandbox)[pid]["status"] for pid in ids}
        active = data_of(api.post(ACTIVE, {"product_id": ids}, shop_id=SHOP_ID))

        assert inactive["succeed_rows"] == active["succeed_rows"] == 3
        assert after_inactive == {INACTIVE_STATUS}
        assert {truth_of(sandbox)[pid]["status"] for pid in ids} == {ACTIVE_STATUS}

    def test_an_inactive_product_stays_listed_for_the_shop(self, api, sandbox):
        product = plain_products(sandbox)[0]

        data_of(api.post(INACTIVE, {"product_id": [product["product_id"]]}, shop_id=SHOP_ID))

        assert product["product_id"] in listed_ids(api)

    @pytest.mark.parametrize("path", [ACTIVE, INACTIVE, DELETE])
    def test_twenty_five_ids_are_the_most_per_request(self, api, sandbox, path):
        ids = [p["product_id"] for p in plain_products(sandbox)][:26]

        too_many = api.post(path, {"product_id": ids}, shop_id=SHOP_ID)
        most = api.post(path, {"product_id": ids[:25]}, shop_id=SHOP_ID)

        assert error_of(too_many) == (400, "PRD_DLV_018")
        assert data_of(most)["succeed_rows"] == 25

    def test_a_deleted_variant_stays_deleted_when_its_parent_is_deactivated(self, api, sandbox):
        parent = parent_product(sandbox)
        child = parent["children"][0]
        data_of(api.post(DELETE, {"product_id": [child]}, shop_id=SHOP_ID))

        data_of(api.post(INACTIVE, {"product_id": [parent["product_id"]]}, shop_id=SHOP_ID))

        truth = truth_of(sandbox)
        assert truth[child]["status"] == DELETED_STATUS
        assert {truth[c]["status"] for c in parent["children"][1:]} == {INACTIVE_STATUS}
        listed = set(listed_ids(api))
        assert listed == {pid for pid, p in truth.items() if p["status"] != DELETED_STATUS}

    def test_a_deleted_variant_leaves_its_parents_children_and_stock(self, api, sandbox):
        parent = parent_product(sandbox)
        deleted, *kept = parent["children"]
        data_of(api.post(DELETE, {"product_id": [deleted]}, shop_id=SHOP_ID))
        truth = truth_of(sandbox)

        [info] = data_of(api.get(INFO, product_id=parent["product_id"]))
        tree = data_of(api.get(variant_path(parent["product_id"])))

        assert info["variant"]["childrenID"] == kept
        assert info["stock"]["value"] == sum(truth[c]["stock"] for c in kept)
        assert [c["product_id"] for c in tree["children"]] == kept


def rows_result(response) -> dict:
    data = data_of(response)
    assert data["total_data"] == data["succeed_rows"] + data["failed_rows"]
    return data


class TestSetStock:
    def test_sets_the_default_warehouse_and_reports_the_new_stock(self, api, sandbox):
        product = plain_products(sandbox)[0]
        other_before = stock_in(sandbox, product["product_id"], WAREHOUSES[1])

        data = rows_result(
            api.post(
                SET_STOCK, [{"product_id": product["product_id"], "new_stock": 7}], shop_id=SHOP_ID
            )
        )

        assert data["succeed_rows"] == 1
        [row] = data["succeed_rows_data"]
        assert (row["productID"], row["warehouseID"], row["shopID"], row["stock"]) == (
            product["product_id"],
            WAREHOUSES[0],
            SHOP_ID,
            7,
        )
        assert stock_in(sandbox, product["product_id"]) == 7
        assert stock_in(sandbox, product["product_id"], WAREHOUSES[1]) == other_before

    def test_the_warehouse_id_parameter_sets_that_warehouse_only(self, api, sandbox):
        product = plain_products(sandbox)[0]
        default_before = stock_in(sandbox, product["product_id"])

        rows_result(
            api.post(
                SET_STOCK,
                [{"product_id": product["product_id"], "new_stock": 33}],
                shop_id=SHOP_ID,
                warehouse_id=WAREHOUSES[1],
            )
        )

        assert stock_in(sandbox, product["product_id"], WAREHOUSES[1]) == 33
        assert stock_in(sandbox, product["product_id"]) == default_before

    def test_a_warehouse_of_another_shop_is_refused(self, api, sandbox):
        product = plain_products(sandbox)[0]

        response = api.post(
            SET_STOCK,
            [{"product_id": product["product_id"], "new_stock": 33}],
            shop_id=SHOP_ID,
            warehouse_id=OTHER_SHOP_ID * 10,
        )

        assert error_of(response) == (400, "PRD_DLV_042")

    def test_sku_wins_over_product_id_when_both_are_given(self, api, sandbox):
        by_sku, by_id = plain_products(sandbox)[:2]

        rows_result(
            api.post(
                SET_STOCK,
                [{"sku": by_sku["sku"], "product_id": by_id["product_id"], "new_stock": 444}],
                shop_id=SHOP_ID,
            )
        )

        assert stock_in(sandbox, by_sku["product_id"]) == 444
        assert (
            stock_in(sandbox, by_id["product_id"])
            == by_id["stock_by_warehouse"][str(WAREHOUSES[0])]
        )

    def test_bad_rows_fail_one_by_one_inside_a_200(self, api, sandbox):
        good, negative = plain_products(sandbox)[:2]
        parent = parent_product(sandbox)
        theirs = plain_products(sandbox, OTHER_SHOP_ID)[0]
        rows = [
            {"product_id": good["product_id"], "new_stock": 5},
            {"product_id": 1, "new_stock": 5},
            {"sku": "NO-SUCH-SKU", "new_stock": 5},
            {"product_id": negative["product_id"], "new_stock": -1},
            {"product_id": parent["product_id"], "new_stock": 5},
            {"product_id": theirs["product_id"], "new_stock": 5},
            {"product_id": good["product_id"], "new_stock": "5"},
        ]

        response = api.post(SET_STOCK, rows, shop_id=SHOP_ID)

        data = rows_result(response)
        assert response.json()["header"]["messages"].startswith("Your request has been processed")
        assert (data["succeed_rows"], data["failed_rows"]) == (1, 6)
        messages = [row["message"] for row in data["failed_rows_data"]]
        assert messages[0] == "Invalid Product ID."
        assert messages[1] == "Invalid SKU."
        assert "between 0" in messages[2]
        assert "variants" in messages[3]
        assert messages[4] == "Invalid Product ID."
        assert "should be int" in messages[5]
        assert stock_in(sandbox, good["product_id"]) == 5
        assert (
            stock_in(sandbox, negative["product_id"])
            == negative["stock_by_warehouse"][str(WAREHOUSES[0])]
        )

    def test_a_hundred_rows_are_taken_and_a_hundred_and_one_refused(self, api, sandbox):
        product = plain_products(sandbox)[0]
        rows = [{"product_id": product["product_id"], "new_stock": n} for n in range(101)]

        too_many = api.post(SET_STOCK, rows, shop_id=SHOP_ID)
        most = api.post(SET_STOCK, rows[:100], shop_id=SHOP_ID)

        assert error_of(too_many) == (400, "PRD_DLV_018")
        assert rows_result(most)["succeed_rows"] == 100
        assert stock_in(sandbox, product["product_id"]) == 99

    def test_a_json_object_instead_of_an_array_is_refused(self, api, sandbox):
        product = plain_products(sandbox)[0]

        response = api.post(
            SET_STOCK, {"product_id": product["product_id"], "new_stock": 1}, shop_id=SHOP_ID
        )

        assert error_of(response) == (400, "PRD_DLV_001")


class TestIncrementAndDecrement:
    def test_increment_then_decrement_move_the_truth_stock(self, api, sandbox):
        product = plain_products(sandbox)[0]
        before = stock_in(sandbox, product["product_id"])
        row = {"product_id": product["product_id"], "stock_value": 4}

        up = rows_result(api.post(INCREMENT, [row], shop_id=SHOP_ID))
        after_up = stock_in(sandbox, product["product_id"])
        down = rows_result(api.post(DECREMENT, [{**row, "stock_value": 3}], shop_id=SHOP_ID))

        assert after_up == before + 4
        assert up["succeed_rows_data"][0]["stock"] == before + 4
        assert down["succeed_rows_data"][0]["stock"] == before + 1
        assert stock_in(sandbox, product["product_id"]) == before + 1

    def test_decrementing_below_zero_fails_the_row_and_keeps_the_stock(self, api, sandbox):
        product = plain_products(sandbox)[0]
        before = stock_in(sandbox, product["product_id"])

        data = rows_result(
            api.post(
                DECREMENT,
                [{"product_id": product["product_id"], "stock_value": before + 1}],
                shop_id=SHOP_ID,
            )
        )

        assert data["failed_rows"] == 1
        assert "below 0" in data["failed_rows_data"][0]["message"]
        assert stock_in(sandbox, product["product_id"]) == before

    @pytest.mark.parametrize("value", [0, -2])
    def test_a_change_of_less_than_one_fails_the_row(self, api, sandbox, value):
        product = plain_products(sandbox)[0]

        data = rows_result(
            api.post(
                INCREMENT,
                [{"product_id": product["product_id"], "stock_value": value}],
                shop_id=SHOP_ID,
            )
        )

        assert data["failed_rows"] == 1

    def test_increment_by_sku_in_another_warehouse(self, api, sandbox):
        product = plain_products(sandbox)[0]
        before = stock_in(sandbox, product["product_id"], WAREHOUSES[1])

        rows_result(
            api.post(
                INCREMENT,
                [{"sku": product["sku"], "stock_value": 10}],
                shop_id=SHOP_ID,
                warehouse_id=WAREHOUSES[1],
            )
        )

        assert stock_in(sandbox, product["product_id"], WAREHOUSES[1]) == before + 10

    def test_a_repeated_request_id_applies_an_increment_once(self, api, sandbox):
        product = plain_products(sandbox)[0]
        before = stock_in(sandbox, product["product_id"])
        rows = [{"product_id": product["product_id"], "stock_value": 6}]

        first = rows_result(api.post(INCREMENT, rows, shop_id=SHOP_ID, request_id="sync-2024_01"))
        again = rows_result(api.post(INCREMENT, rows, shop_id=SHOP_ID, request_id="sync-2024_01"))
        other = rows_result(api.post(INCREMENT, rows, shop_id=SHOP_ID, request_id="sync-2024_02"))

        assert first == again
        assert other["succeed_rows_data"][0]["stock"] == before + 12
        assert stock_in(sandbox, product["product_id"]) == before + 12

    @pytest.mark.parametrize("request_id", ["has space", "x" * 21, "semi;colon"])
    def test_a_malformed_request_id_is_refused(self, api, sandbox, request_id):
        product = plain_products(sandbox)[0]

        response = api.post(
            INCREMENT,
            [{"product_id": product["product_id"], "stock_value": 1}],
            shop_id=SHOP_ID,
            request_id=request_id,
        )

        assert error_of(response) == (400, "PRD_DLV_042")


class TestPrice:
    def test_a_new_price_reaches_the_truth_and_the_product_info(self, api, sandbox):
        product = plain_products(sandbox)[0]

        data = rows_result(
            api.post(
                SET_PRICE,
                [{"product_id": product["product_id"], "new_price": 123_500}],
                shop_id=SHOP_ID,
            )
        )

        assert data["succeed_rows_data"][0]["price"] == 123_500
        assert truth_of(sandbox)[product["product_id"]]["price"] == 123_500
        [info] = data_of(api.get(INFO, product_id=product["product_id"]))
        assert info["price"]["value"] == 123_500

    @pytest.mark.parametrize("price", [99, 100_000_001, 1.5])
    def test_a_price_out_of_range_fails_the_row(self, api, sandbox, price):
        product = plain_products(sandbox)[0]

        data = rows_result(
            api.post(
                SET_PRICE,
                [{"product_id": product["product_id"], "new_price": price}],
                shop_id=SHOP_ID,
            )
        )

        assert data["failed_rows"] == 1
        assert truth_of(sandbox)[product["product_id"]]["price"] == product["price"]

    def test_a_shop_not_linked_to_the_app_is_forbidden(self, api, sandbox):
        product = plain_products(sandbox)[0]

        response = api.post(
            SET_PRICE,
            [{"product_id": product["product_id"], "new_price": 20_000}],
            shop_id=UNLINKED_SHOP_ID,
        )

        assert error_of(response) == (403, "RBAC_MDLW_001")
