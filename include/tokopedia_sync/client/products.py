"""Product endpoints: info by shop (streamed page by page), by ids and skus, variants, and the
product writes (create, edit, delete, activate, deactivate)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from tokopedia_sync.client.bulk import THROTTLED, BulkResult, BulkWrite, RowFailure, send_batches
from tokopedia_sync.client.errors import NotFoundError
from tokopedia_sync.client.shapes import WrongShape, kind, record, records, whole
from tokopedia_sync.client.transport import Call, Transport

MAX_PER_PAGE = 50
IDS_PER_LOOKUP = 25
PRODUCTS_PER_UPLOAD = 20
IDS_PER_STATUS_CHANGE = 25
_FAILED_ID = re.compile(r"\[(\d+)\]")


@dataclass(frozen=True)
class ProductPage:
    page: int
    products: list[dict]


class ProductsApi:
    """Product reads and writes of the connection's shop."""

    def __init__(self, transport: Transport, shop_id: int, fs_id: int) -> None:
        self._transport = transport
        self._shop_id = shop_id
        self._fs_id = fs_id
        self._info_path = f"/inventory/v1/fs/{fs_id}/product/info"

    def pages(
        self, *, per_page: int = MAX_PER_PAGE, sort: int | None = None, shop_id: int | None = None
    ) -> Iterator[ProductPage]:
        """Every product of the shop, a page at a time, until a short page."""
        if not 1 <= per_page <= MAX_PER_PAGE:
            raise ValueError(f"per_page must be 1 to {MAX_PER_PAGE}, got {per_page}")
        params: dict[str, Any] = {"shop_id": shop_id or self._shop_id, "per_page": per_page}
        if sort is not None:
            params["sort"] = sort
        page = 1
        while True:
            call = Call("GET", self._info_path, "products", {**params, "page": page}, read=records)
            products = self._transport.send(call)
            yield ProductPage(page, products)
            if len(products) < per_page:
                return
            page += 1

    def list(
        self, *, per_page: int = MAX_PER_PAGE, sort: int | None = None, shop_id: int | None = None
    ) -> Iterator[dict]:
        """Every product of the shop, one at a time. See `pages`."""
        for page in self.pages(per_page=per_page, sort=sort, shop_id=shop_id):
            yield from page.products

    def by_ids(self, product_ids: Iterable[int]) -> list[dict]:
        """The products with these ids; ids Tokopedia does not know are left out."""
        return self._lookup("product_id", [str(int(pid)) for pid in product_ids])

    def by_skus(self, skus: Iterable[str]) -> list[dict]:
        """The products with these skus; unknown skus are left out."""
        wanted = [sku for sku in skus if sku]
        for sku in wanted:
            if "," in sku:
                raise ValueError(f"sku {sku!r} contains a comma; look it up with by_ids instead")
        return self._lookup("sku", wanted)

    def _lookup(self, key: str, values: list[str]) -> list[dict]:
        found: list[dict] = []
        for start in range(0, len(values), IDS_PER_LOOKUP):
            chunk = ",".join(values[start : start + IDS_PER_LOOKUP])
            call = Call("GET", self._info_path, "products", {key: chunk}, read=records)
            try:
                found += self._transport.send(call)
            except NotFoundError:
                continue
        return found

    def variants(self, product_id: int) -> dict:
        """The variant tree (options and children) of a product or of one of its variants."""
        path = f"/inventory/v1/fs/{self._fs_id}/product/variant/{product_id}"
        return self._transport.send(Call("GET", path, "products", read=record))

    def create(self, products: list[dict]) -> list[int]:
        """Create products (v3 create objects); returns the upload ids to poll with
        `upload_status`. Not repeated after an unclear failure: that could create duplicates."""
        return self._upload("POST", "create", products)

    def edit(self, products: list[dict]) -> list[int]:
        """Edit products: each object has `id` and only the fields to change (v3 edit)."""
        return self._upload("PATCH", "edit", products)

    def _upload(self, method: str, action: str, products: list[dict]) -> list[int]:
        path = f"/v3/products/fs/{self._fs_id}/{action}"
        upload_ids = []
        for start in range(0, len(products), PRODUCTS_PER_UPLOAD):
            chunk = products[start : start + PRODUCTS_PER_UPLOAD]
            call = Call(
                method,
                path,
                "products",
                {"shop_id": self._shop_id},
                {"products": chunk},
                units=len(chunk),
                idempotent=False,
                read=_upload_id,
            )
            upload_ids.append(self._transport.send(call))
        return upload_ids

    def upload_status(self, upload_id: int) -> dict:
        """How a create or edit upload went: counts and the rows that failed."""
        path = f"/v2/products/fs/{self._fs_id}/status/{upload_id}"
        call = Call("GET", path, "products", {"shop_id": self._shop_id}, read=_first_upload)
        return self._transport.send(call)

    def delete(self, product_ids: Iterable[int]) -> BulkResult:
        """Delete products, 25 a request; raises PartialBulkError if it cannot finish."""
        return self._set_status("/v3/products", "delete", product_ids)

    def activate(self, product_ids: Iterable[int]) -> BulkResult:
        """Make products sellable again, 25 a request."""
        return self._set_status("/v1/products", "active", product_ids)

    def deactivate(self, product_ids: Iterable[int]) -> BulkResult:
        """Take products off sale, 25 a request."""
        return self._set_status("/v1/products", "inactive", product_ids)

    def _set_status(self, version: str, action: str, product_ids: Iterable[int]) -> BulkResult:
        path = f"{version}/fs/{self._fs_id}/{action}"

        def make_call(batch: list[int]) -> Call:
            body = {"product_id": batch}
            params = {"shop_id": self._shop_id}
            return Call("POST", path, "products", params, body, len(batch), read=_failures_by_id)

        write = BulkWrite(f"POST {path}", "products", IDS_PER_STATUS_CHANGE, make_call, _read_ids)
        return send_batches(self._transport, write, [int(pid) for pid in product_ids], BulkResult())


def _read_ids(batch: list[int], failures: Mapping[int, str], result: BulkResult) -> list[int]:
    """Record a status change's answer; returns the ids to send again."""
    throttled = []
    for product_id in batch:
        message = failures.get(product_id)
        if message is None:
            result.succeeded.append({"product_id": product_id})
        elif THROTTLED in message:
            throttled.append(product_id)
        else:
            result.failed.append(RowFailure({"product_id": product_id}, message))
    return throttled


def _failures_by_id(data: Any) -> dict[int, str]:
    """Read a status change's "Error Product ID [123] : reason" texts into {123: text}."""
    texts = record(data).get("failed_rows_data")
    if texts is not None and not isinstance(texts, list):
        raise WrongShape(f"failed_rows_data should be a list, not {kind(texts)}")
    failures = {}
    for text in texts or []:
        match = _FAILED_ID.search(str(text))
        if match:
            failures[int(match.group(1))] = str(text)
    return failures


def _upload_id(data: Any) -> int:
    return whole(record(data).get("upload_id"), "upload_id")


def _first_upload(data: Any) -> Mapping[str, Any]:
    uploads = records(record(data).get("upload_data"), "upload_data")
    return uploads[0] if uploads else {}
