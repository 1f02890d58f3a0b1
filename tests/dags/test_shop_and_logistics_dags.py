"""The shop-info and logistics DAGs of a shop that has them switched on."""

from __future__ import annotations

from tests.client.conftest import sandbox_config
from tests.conftest import OTHER_SHOP_ID
from tokopedia_sync.client import TokopediaClient


def test_shop_info_loads_the_profile_and_showcases_and_a_rerun_rewrites_nothing(
    sandbox, staging, run_dag
):
    run_dag("tokopedia_kedua_shop_info")
    run_dag("tokopedia_kedua_shop_info")

    name, default_warehouse = staging.rows(
        "SELECT shop_name, default_warehouse_id FROM tokopedia.shops WHERE shop_id = %s",
        OTHER_SHOP_ID,
    )[0]
    with TokopediaClient(sandbox_config(sandbox, shop_id=OTHER_SHOP_ID)) as client:
        showcases = client.shop.showcases()
    assert name == "Toko Kedua"
    assert default_warehouse == OTHER_SHOP_ID * 10
    assert staging.rows(
        "SELECT showcase_id, name, product_count FROM tokopedia.showcases ORDER BY 1"
    ) == sorted((s["id"], s["name"], s["product_count"]) for s in showcases)
    last = staging.rows(
        "SELECT rows_inserted, rows_updated, rows_unchanged FROM tokopedia.sync_runs "
        "ORDER BY run_id DESC LIMIT 1"
    )[0]
    assert last == (0, 0, 1 + len(showcases))


def test_logistics_loads_the_courier_catalogue_and_the_shops_couriers(sandbox, staging, run_dag):
    run_dag("tokopedia_kedua_logistics")

    with TokopediaClient(sandbox_config(sandbox, shop_id=OTHER_SHOP_ID)) as client:
        catalogue = client.shop.couriers()
        active = client.shop.active_couriers()
    services = sum(len(courier["services"]) for courier in catalogue)
    packages = sum(len(info["ShipmentPackages"]) for info in active)
    assert staging.value("SELECT count(*) FROM tokopedia.couriers") == services
    assert (
        staging.value(
            "SELECT count(*) FROM tokopedia.shop_couriers WHERE shop_id = %s", OTHER_SHOP_ID
        )
        == packages
    )
    assert staging.value(
        "SELECT count(*) FROM tokopedia.shop_couriers WHERE service_available"
    ) == sum(p["IsAvailable"] for info in active for p in info["ShipmentPackages"])
