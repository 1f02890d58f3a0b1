"""Webhook management in the legacy envelope, signed deliveries to a real receiver, the trigger
endpoint and payload replay."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.conftest import FS_ID, SHOP_ID, WAREHOUSES
from tests.sandbox.conftest import data_of, error_of

WEBHOOKS = f"/v1/fs/{FS_ID}"
REGISTER = f"/v1/fs/{FS_ID}/register"
TRIGGER = f"/v1/fs/{FS_ID}/trigger"
SET_STOCK = f"/inventory/v1/fs/{FS_ID}/stock/update"
INCREMENT = f"/inventory/v2/fs/{FS_ID}/stock/increment"
DECREMENT = f"/inventory/v2/fs/{FS_ID}/stock/decrement"
SET_PRICE = f"/inventory/v1/fs/{FS_ID}/price/update"
CREATE = f"/v3/products/fs/{FS_ID}/create"
EDIT = f"/v3/products/fs/{FS_ID}/edit"
SECRET = "rahasia-webhook-uji"
UNUSABLE_URLS = [
    "http://[::1",
    "http:///no-host",
    "http://xn--/hook",
    "http://exa mple.com/hook",
    "http://127.0.0.1:0/hook",
    "http://127.0.0.1:99999/hook",
    "https://bad\x00host/hook",
]


def payload_path(order_id: int | str) -> str:
    return f"/v1/order/{order_id}/fs/{FS_ID}/webhook"


@dataclass
class Delivery:
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def payload(self) -> dict:
        return json.loads(self.body)


@dataclass
class Receiver:
    """An HTTP endpoint on 127.0.0.1 that records every POST it gets, raw."""

    server: ThreadingHTTPServer
    answer_status: int = 200
    received: list[Delivery] = field(default_factory=list)

    def url(self, path: str) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}{path}"

    def at(self, path: str) -> list[Delivery]:
        return [delivery for delivery in self.received if delivery.path == path]


@pytest.fixture
def receiver(sandbox) -> Iterator[Receiver]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            found.received.append(Delivery(self.path, dict(self.headers), body))
            self.send_response(found.answer_status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    found = Receiver(server)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield found
    sandbox.control.wait_deliveries()
    server.shutdown()
    server.server_close()


def register(api, receiver: Receiver, secret: str = SECRET, **extra) -> None:
    body = {
        "fs_id": FS_ID,
        "order_notification_url": receiver.url("/orders/new"),
        "order_status_url": receiver.url("/orders/status"),
        "product_changes_url": receiver.url("/products/changes"),
        "webhook_secret": secret,
        **extra,
    }
    response = api.post(REGISTER, body)
    assert response.json() == {"data": "success", "status": "200 Ok", "error_message": []}


def assert_signed(delivery: Delivery, secret: str = SECRET) -> None:
    expected = hmac.new(secret.encode(), delivery.body, hashlib.sha256).hexdigest()
    assert delivery.headers["Authorization-Hmac"] == expected


def plain_product(sandbox, status: int = 1) -> dict:
    """A product of the shop in `status` with no variants."""
    return next(
        p
        for p in sandbox.control.products(shop_id=SHOP_ID)
        if p["status"] == status and not p["children"] and p["parent_id"] is None
    )


def one_change(receiver: Receiver) -> dict:
    """The only product change announced, checked for its signature."""
    [delivery] = receiver.at("/products/changes")
    assert_signed(delivery)
    assert delivery.payload["fs_id"] == FS_ID
    [change] = delivery.payload["product_changes_data"]
    return change


class TestRegistration:
    def test_nothing_is_registered_at_first(self, api):
        response = api.get(WEBHOOKS)

        body = response.json()
        assert response.status_code == 200
        assert (body["status"], body["error_message"]) == ("200 Ok", [])
        assert body["data"]["fs_id"] == FS_ID
        urls = {k: v for k, v in body["data"].items() if k.endswith("_url")}
        assert urls
        assert set(urls.values()) == {""}

    def test_registered_urls_and_secret_are_listed(self, api, receiver):
        register(api, receiver)

        data = api.get(WEBHOOKS).json()["data"]

        assert data["order_notification_url"] == receiver.url("/orders/new")
        assert data["product_changes_url"] == receiver.url("/products/changes")
        assert data["webhook_secret"] == SECRET

    def test_a_registration_overwrites_everything_and_a_url_left_out_is_emptied(
        self, api, receiver
    ):
        register(api, receiver)

        api.post(REGISTER, {"order_status_url": receiver.url("/only-status")})

        data = api.get(WEBHOOKS).json()["data"]
        assert data["order_status_url"] == receiver.url("/only-status")
        assert data["order_notification_url"] == ""
        assert data["product_changes_url"] == ""
        assert data["webhook_secret"] == ""

    @pytest.mark.parametrize(
        "body",
        [
            {"order_status_url": "ftp://example.com/hook"},
            {"order_status_url": 12},
            {"unknown_url": "https://example.com"},
            {"fs_id": FS_ID + 1},
            {"webhook_secret": ["not", "text"]},
            ["https://example.com"],
            "https://example.com",
            *({"order_status_url": url} for url in UNUSABLE_URLS),
        ],
        ids=[
            "ftp",
            "number",
            "unknown-key",
            "other-fs",
            "secret-list",
            "array",
            "string",
            *UNUSABLE_URLS,
        ],
    )
    def test_bad_input_is_a_400_in_the_legacy_envelope(self, api, body):
        response = api.post(REGISTER, body)

        assert response.status_code == 400
        body = response.json()
        assert body["data"] is None
        assert body["status"] == "400 Bad Request"
        assert body["error_message"][0] == "bad input data"

    def test_a_body_that_is_not_json_is_a_400_in_the_legacy_envelope(self, api):
        response = api.request(
            "POST", REGISTER, data=b"{order_status_url:", headers={"Content-Type": "text/plain"}
        )

        assert response.status_code == 400
        assert response.json()["status"] == "400 Bad Request"

    @pytest.mark.parametrize(
        "raw",
        [
            b'{"order_status_url": "http://127.0.0.1:9/h", "webhook_secret": "\\ud800"}',
            b'{"order_status_url": "http://127.0.0.1:9/h", "webhook_secret": "\xed\xa0\x80"}',
            b'{"order_status_url": "http://127.0.0.1:9/h\\udfff"}',
        ],
        ids=["escaped-secret", "encoded-secret", "escaped-url"],
    )
    def test_text_that_is_not_unicode_is_refused_and_later_deliveries_are_signed(
        self, api, sandbox, receiver, raw
    ):
        register(api, receiver)

        response = api.request("POST", REGISTER, data=raw)
        sandbox.control.tick(advances=1, shop_id=SHOP_ID)
        [record] = sandbox.control.wait_deliveries()

        assert response.status_code == 400
        assert response.json()["error_message"][0] == "bad input data"
        assert "Unicode" in response.json()["error_message"][1]
        assert api.get(WEBHOOKS).json()["data"]["webhook_secret"] == SECRET
        assert record["status"] == 200
        assert_signed(receiver.at("/orders/status")[0])

    def test_a_refused_registration_keeps_the_previous_one(self, api, receiver):
        register(api, receiver)

        api.post(REGISTER, {"order_status_url": "not a url"})

        assert api.get(WEBHOOKS).json()["data"]["order_status_url"] == receiver.url(
            "/orders/status"
        )


class TestSignedDeliveries:
    def test_new_paid_orders_are_announced_signed(self, api, sandbox, receiver):
        register(api, receiver)

        created = sandbox.control.tick(new_orders=5)["created"]
        deliveries = sandbox.control.wait_deliveries()

        paid = {oid for oid in created if sandbox.control.order(oid)["paid"]}
        announced = receiver.at("/orders/new")
        assert paid
        assert {d.payload["order_id"] for d in announced} == paid
        for delivery in announced:
            assert_signed(delivery)
            assert delivery.headers["Content-Type"] == "application/json"
            truth = sandbox.control.order(delivery.payload["order_id"])
            assert delivery.payload["invoice_ref_num"] == truth["invoice"]
            assert delivery.payload["order_status"] == 220
            assert "Name" in delivery.payload["products"][0]
        notifications = [d for d in deliveries if d["kind"] == "order_notification"]
        assert len(notifications) == len(paid)
        assert {d["status"] for d in notifications} == {200}

    def test_status_changes_are_announced_signed(self, api, sandbox, receiver):
        register(api, receiver)

        advanced = sandbox.control.tick(advances=5)["advanced"]
        deliveries = sandbox.control.wait_deliveries()

        changes = receiver.at("/orders/status")
        assert len(changes) == len(advanced)
        assert [d.payload["order_id"] for d in changes] == advanced
        for delivery in changes:
            assert_signed(delivery)
        last = {d.payload["order_id"]: d.payload["order_status"] for d in changes}
        for order_id, status in last.items():
            assert sandbox.control.order(order_id)["status"] == status
        assert {d["status"] for d in deliveries if d["kind"] == "order_status"} == {200}

    def test_accepting_an_order_through_the_api_is_announced(self, api, sandbox, receiver):
        order = next(o for o in sandbox.control.orders() if o["status"] == 220)
        register(api, receiver)

        api.post(f"/v1/order/{order['order_id']}/fs/{FS_ID}/ack")
        sandbox.control.wait_deliveries()

        [change] = receiver.at("/orders/status")
        assert change.payload["order_id"] == order["order_id"]
        assert change.payload["order_status"] == 400
        assert_signed(change)

    def test_a_stock_update_is_announced_as_product_changes(self, api, sandbox, receiver):
        product = next(
            p
            for p in sandbox.control.products(shop_id=SHOP_ID)
            if p["status"] == 1 and not p["children"]
        )
        before = product["stock_by_warehouse"][str(WAREHOUSES[0])]
        register(api, receiver)

        data_of(
            api.post(
                SET_STOCK, [{"product_id": product["product_id"], "new_stock": 77}], shop_id=SHOP_ID
            )
        )
        deliveries = sandbox.control.wait_deliveries()

        [delivery] = receiver.at("/products/changes")
        assert_signed(delivery)
        assert delivery.payload["fs_id"] == FS_ID
        [change] = delivery.payload["product_changes_data"]
        assert change["action"] == "stock_overwrite"
        assert change["product_id"] == product["product_id"]
        assert (change["value"], change["previous_value"]) == ("77", str(before))
        assert change["warehouse_id"] == WAREHOUSES[0]
        assert change["is_default_warehouse"] is True
        assert [d["status"] for d in deliveries if d["kind"] == "product_changes"] == [200]

    def test_the_signature_follows_the_registered_secret(self, api, sandbox, receiver):
        register(api, receiver, secret="rahasia-lain")

        sandbox.control.tick(advances=1, shop_id=SHOP_ID)
        sandbox.control.wait_deliveries()

        [delivery] = receiver.at("/orders/status")
        assert_signed(delivery, "rahasia-lain")
        forged = hmac.new(SECRET.encode(), delivery.body, hashlib.sha256).hexdigest()
        assert delivery.headers["Authorization-Hmac"] != forged

    def test_nothing_is_sent_for_events_without_a_registered_url(self, api, sandbox, receiver):
        register(api, receiver, order_status_url="")

        sandbox.control.tick(advances=3)
        deliveries = sandbox.control.wait_deliveries()

        assert receiver.received == []
        assert deliveries == []

    def test_a_failing_receiver_is_tried_three_times(self, api, sandbox, receiver):
        receiver.answer_status = 500
        register(api, receiver)

        sandbox.control.tick(advances=1, shop_id=SHOP_ID)
        [delivery] = sandbox.control.wait_deliveries()

        assert (delivery["status"], delivery["attempts"]) == (500, 3)
        assert len(receiver.at("/orders/status")) == 3


class TestEveryKindOfEvent:
    """Each change a seller makes through the API is announced, signed with the secret."""

    def test_a_price_update_is_announced(self, api, sandbox, receiver):
        product = plain_product(sandbox)
        register(api, receiver)

        rows = [{"product_id": product["product_id"], "new_price": 12_300}]
        data_of(api.post(SET_PRICE, rows, shop_id=SHOP_ID))
        sandbox.control.wait_deliveries()

        change = one_change(receiver)
        assert (change["action"], change["product_id"]) == ("price_changes", product["product_id"])
        assert (change["value"], change["previous_value"]) == ("12300", str(product["price"]))

    @pytest.mark.parametrize(
        ("path", "action", "delta"),
        [(INCREMENT, "stock_increment", 5), (DECREMENT, "stock_decrement", -1)],
        ids=["increment", "decrement"],
    )
    def test_a_stock_step_is_announced(self, api, sandbox, receiver, path, action, delta):
        product = next(
            p
            for p in sandbox.control.products(shop_id=SHOP_ID)
            if p["stock_by_warehouse"][str(WAREHOUSES[0])] > 0 and not p["children"]
        )
        before = product["stock_by_warehouse"][str(WAREHOUSES[0])]
        register(api, receiver)

        rows = [{"product_id": product["product_id"], "stock_value": abs(delta)}]
        data_of(api.post(path, rows, shop_id=SHOP_ID))
        sandbox.control.wait_deliveries()

        change = one_change(receiver)
        assert (change["action"], change["product_id"]) == (action, product["product_id"])
        assert (change["value"], change["previous_value"]) == (str(before + delta), str(before))

    @pytest.mark.parametrize(
        ("action", "from_status", "to_status"),
        [("inactive", 1, 3), ("active", 3, 1), ("delete", 1, 0)],
    )
    def test_a_status_change_is_announced(
        self, api, sandbox, receiver, action, from_status, to_status
    ):
        product = plain_product(sandbox, status=from_status)
        path = f"/v3/products/fs/{FS_ID}/delete" if action == "delete" else None
        register(api, receiver)

        body = {"product_id": [product["product_id"]]}
        data_of(api.post(path or f"/v1/products/fs/{FS_ID}/{action}", body, shop_id=SHOP_ID))
        sandbox.control.wait_deliveries()

        change = one_change(receiver)
        assert (change["action"], change["product_id"]) == ("status_changes", product["product_id"])
        assert (change["value"], change["previous_value"]) == (str(to_status), str(from_status))

    def test_an_edit_of_price_stock_and_status_is_announced(self, api, sandbox, receiver):
        product = plain_product(sandbox)
        stock = product["stock_by_warehouse"][str(WAREHOUSES[0])]
        register(api, receiver)

        edit = {"id": product["product_id"], "price": 45_600, "stock": 7, "status": "EMPTY"}
        upload_id = data_of(api.patch(EDIT, {"products": [edit]}, shop_id=SHOP_ID))["upload_id"]
        sandbox.control.wait_deliveries()

        [delivery] = receiver.at("/products/changes")
        assert_signed(delivery)
        changes = {c["action"]: c for c in delivery.payload["product_changes_data"]}
        assert {a: (c["value"], c["previous_value"]) for a, c in changes.items()} == {
            "price_changes": ("45600", str(product["price"])),
            "stock_overwrite": ("7", str(stock)),
            "status_changes": ("3", "1"),
        }
        assert {c["product_id"] for c in changes.values()} == {product["product_id"]}
        status = data_of(api.get(f"/v2/products/fs/{FS_ID}/status/{upload_id}", shop_id=SHOP_ID))
        assert status["upload_data"][0]["success_rows"] == 1

    def test_an_edit_that_fails_announces_nothing(self, api, sandbox, receiver):
        product = plain_product(sandbox)
        register(api, receiver)

        edit = {"id": product["product_id"], "price": 45_600, "name": ""}
        data_of(api.patch(EDIT, {"products": [edit]}, shop_id=SHOP_ID))

        assert sandbox.control.wait_deliveries() == []
        assert receiver.received == []

    def test_a_created_product_is_announced(self, api, sandbox, receiver):
        register(api, receiver, product_creation_url=receiver.url("/products/created"))

        item = {"name": "Kopi Baru Diumumkan", "price": 25_000, "stock": 4}
        created = data_of(api.post(CREATE, {"products": [item]}, shop_id=SHOP_ID))
        sandbox.control.wait_deliveries()

        [delivery] = receiver.at("/products/created")
        assert_signed(delivery)
        assert delivery.payload["upload_id"] == created["upload_id"]
        assert delivery.payload["shop_id"] == SHOP_ID
        [row] = delivery.payload["success_rows_data"]
        truth = {p["product_id"]: p for p in sandbox.control.products(shop_id=SHOP_ID)}
        assert truth[row["product_id"]]["name"] == item["name"]

    def test_a_rejected_order_is_announced_as_a_status_change_and_a_cancellation(
        self, api, sandbox, receiver
    ):
        order = next(o for o in sandbox.control.orders(shop_id=SHOP_ID) if o["status"] == 220)
        register(api, receiver, order_cancellation_url=receiver.url("/orders/cancelled"))

        reject = {"reason_code": 1, "reason": "stok habis"}
        data_of(api.post(f"/v1/order/{order['order_id']}/fs/{FS_ID}/nack", reject))
        sandbox.control.wait_deliveries()

        [status] = receiver.at("/orders/status")
        [cancelled] = receiver.at("/orders/cancelled")
        assert_signed(status)
        assert_signed(cancelled)
        assert (status.payload["order_id"], status.payload["order_status"]) == (
            order["order_id"],
            10,
        )
        assert cancelled.payload == {
            "fs_id": FS_ID,
            "order_id": order["order_id"],
            "shop_id": SHOP_ID,
        }


class TestUnusableUrls:
    @pytest.mark.parametrize("url", UNUSABLE_URLS)
    def test_trigger_refuses_a_url_the_sender_cannot_use(self, api, sandbox, url):
        order = next(o for o in sandbox.control.orders() if o["paid"])

        response = api.post(
            TRIGGER, {"order_id": order["order_id"], "type": "order_status", "url": url}
        )

        assert error_of(response) == (400, "ORD_DLV_001")
        assert "url" in response.json()["header"]["reason"]

    def test_deliveries_go_on_after_an_unusable_url_was_offered(self, api, sandbox, receiver):
        order = next(o for o in sandbox.control.orders() if o["paid"])
        api.post(
            TRIGGER, {"order_id": order["order_id"], "type": "order_status", "url": "http://[::1"}
        )
        register(api, receiver)

        sandbox.control.tick(advances=1, shop_id=SHOP_ID)
        before_reset = sandbox.control.wait_deliveries()
        sandbox.control.reset()
        api.login()
        register(api, receiver)
        sandbox.control.tick(advances=1, shop_id=SHOP_ID)
        after_reset = sandbox.control.wait_deliveries()

        assert [d["status"] for d in before_reset] == [200]
        assert [d["status"] for d in after_reset] == [200]
        assert len(receiver.at("/orders/status")) == 2


class TestTriggerAndPayload:
    def test_the_payload_shows_the_order_as_it_is_now(self, api, sandbox):
        order = next(o for o in sandbox.control.orders() if o["status"] == 500)

        status = data_of(api.get(payload_path(order["order_id"]), type="order_status"))
        notification = data_of(api.get(payload_path(order["order_id"]), type="order_notification"))

        assert status["order_status"] == 500
        assert status["shop_id"] == order["shop_id"]
        assert status["warehouse_id"] == order["warehouse_id"]
        assert notification["invoice_ref_num"] == order["invoice"]
        assert notification["amt"]["ttl_amount"] == order["ttl_amount"]

    @pytest.mark.parametrize("kind", ["order_cancellation", "", "ORDER_STATUS"])
    def test_an_unsupported_payload_type_is_refused(self, api, sandbox, kind):
        order = sandbox.control.orders()[0]

        response = api.get(payload_path(order["order_id"]), type=kind)

        assert error_of(response) == (400, "ORD_DLV_001")

    def test_the_payload_of_an_unknown_order_is_not_found(self, api):
        assert error_of(api.get(payload_path(1), type="order_status")) == (404, "ORD_API_008")

    def test_an_order_not_yet_paid_has_no_payload(self, api, sandbox):
        created = sandbox.control.tick(new_orders=15)["created"]
        waiting = next(oid for oid in created if not sandbox.control.order(oid)["paid"])

        response = api.get(payload_path(waiting), type="order_notification")

        assert error_of(response) == (400, "ORD_USC_023")

    def test_trigger_sends_the_current_payload_to_the_given_url_signed(
        self, api, sandbox, receiver
    ):
        register(api, receiver)
        order = next(o for o in sandbox.control.orders() if o["status"] == 700)

        response = api.post(
            TRIGGER,
            {"order_id": order["order_id"], "type": "order_status", "url": receiver.url("/t")},
        )
        sandbox.control.wait_deliveries()

        assert data_of(response) == "success"
        [delivery] = receiver.at("/t")
        assert_signed(delivery)
        expected = data_of(api.get(payload_path(order["order_id"]), type="order_status"))
        assert delivery.payload == expected

    def test_trigger_without_a_url_uses_the_registered_one_and_takes_type_capitalised(
        self, api, sandbox, receiver
    ):
        register(api, receiver)
        order = next(o for o in sandbox.control.orders() if o["status"] == 600)

        response = api.post(TRIGGER, {"order_id": order["order_id"], "Type": "order_notification"})
        sandbox.control.wait_deliveries()

        assert data_of(response) == "success"
        [delivery] = receiver.at("/orders/new")
        assert delivery.payload["order_id"] == order["order_id"]

    def test_trigger_without_a_url_and_nothing_registered_is_refused(self, api, sandbox):
        order = sandbox.control.orders()[0]

        response = api.post(TRIGGER, {"order_id": order["order_id"], "type": "order_status"})

        assert error_of(response) == (400, "ORD_DLV_001")

    @pytest.mark.parametrize(
        ("body", "error_code"),
        [
            ({"order_id": "1", "type": "order_status"}, "ORD_DLV_003"),
            ({"type": "order_status"}, "ORD_DLV_003"),
            ({"order_id": 1, "type": "chat"}, "ORD_DLV_001"),
            ({"order_id": 1, "type": "order_status", "url": "mailto:x@y.z"}, "ORD_DLV_001"),
            ([1, "order_status"], "ORD_DLV_001"),
        ],
        ids=["text-id", "no-id", "bad-type", "bad-url", "array"],
    )
    def test_trigger_refuses_bad_input(self, api, body, error_code):
        assert error_of(api.post(TRIGGER, body)) == (400, error_code)

    def test_trigger_for_an_unknown_order_is_not_found(self, api):
        body = {"order_id": 1, "type": "order_status", "url": "http://127.0.0.1:9/x"}

        assert error_of(api.post(TRIGGER, body)) == (404, "ORD_API_008")
