"""Shop, logistics and webhook management through the client."""

from __future__ import annotations

import json

from tests.client.conftest import WEBHOOK_SECRET
from tests.conftest import SHOP_ID
from tokopedia_sync.client.webhooks import is_signed_by, signature


class TestShop:
    def test_shop_info_showcases_and_couriers(self, client):
        shop = client.shop.info()
        showcases = client.shop.showcases()
        couriers = client.shop.couriers()
        active = client.shop.active_couriers()

        assert (shop["shop_id"], shop["shop_name"]) == (SHOP_ID, "Toko Uji")
        assert showcases
        assert all({"id", "name", "product_count"} <= set(s) for s in showcases)
        assert {c["shipper_name"] for c in couriers} >= {"JNE", "SiCepat"}
        assert active
        assert all("ShipmentName" in info for info in active)


class TestWebhookRegistration:
    def test_registering_keeps_the_urls_already_there_unless_told_otherwise(self, client):
        client.webhooks.register({"order_notification_url": "https://erp.example.com/orders"})
        client.webhooks.register({"product_changes_url": "https://erp.example.com/products"})
        merged = client.webhooks.registered()
        client.webhooks.register(
            {"order_status_url": "https://erp.example.com/status"}, keep_existing=False
        )
        replaced = client.webhooks.registered()

        assert merged["order_notification_url"] == "https://erp.example.com/orders"
        assert merged["product_changes_url"] == "https://erp.example.com/products"
        assert merged["webhook_secret"] == WEBHOOK_SECRET
        assert replaced["order_notification_url"] == ""
        assert replaced["order_status_url"] == "https://erp.example.com/status"

    def test_the_payload_of_an_order_can_be_read_and_a_delivery_triggered(self, client, sandbox):
        order = next(o for o in sandbox.control.orders() if o["paid"])

        payload = client.webhooks.payload(order["order_id"], "order_status")
        client.webhooks.trigger(
            order["order_id"], "order_status", url=f"{sandbox.base_url}/nowhere"
        )
        deliveries = sandbox.control.wait_deliveries()

        assert payload["order_id"] == order["order_id"]
        assert payload["order_status"] == order["status"]
        assert deliveries[-1]["kind"] == "order_status"


class TestSignatures:
    def test_a_body_signed_with_the_secret_verifies_and_a_changed_one_does_not(self):
        body = json.dumps({"order_id": 1, "order_status": 400}).encode()
        header = signature(WEBHOOK_SECRET, body)

        assert is_signed_by(WEBHOOK_SECRET, body, header)
        assert is_signed_by(WEBHOOK_SECRET, body, header.upper())
        assert not is_signed_by(WEBHOOK_SECRET, body + b" ", header)
        assert not is_signed_by("another-secret", body, header)
        assert not is_signed_by(WEBHOOK_SECRET, body, None)
