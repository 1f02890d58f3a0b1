"""Product endpoints: info by shop (streamed page by page), by ids and skus, variants, and the
product writes (create, edit, delete, activate, deactivate)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from tokopedia_sync.client.bulk import THROTTLED, BulkResult, RowFailure
from tokopedia_sync.client.errors import NotFoundError
from tokopedia_sync.client.transport import Call, Transport

MAX_PER_PAGE = 50
IDS_PER_LOOKUP = 25
PRODUCTS_PER_UPLOAD = 20
IDS_PER_STATUS_CHANGE = 25
THROTTLE_ROUNDS = 6
_FAILED_ID = re.compile(r"\[(\d+)\]")


@dataclass(frozen=True)
class ProductPage:
    page: int
    products: list[dict]


class ProductsApi:
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
            call = Call("GET", self._info_path, "products", {**params, "page": page})
            products = self._transport.send(call) or []
            yield ProductPage(page, products)
            if len(products) < per_page:
                return
            page += 1

    def list(self, **options: Any) -> Iterator[dict]:
        """Every product of the shop, one at a time. See `pages`."""
        for page in self.pages(**options):
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
            try:
                found += (
                    self._transport.send(Call("GET", self._info_path, "products", {key: chunk}))
                    or []
                )
            except NotFoundError:
                continue
        return found

    def variants(self, product_id: int) -> dict:
        """The variant tree (options and children) of a product or of one of its variants."""
        path = f"/inventory/v1/fs/{self._fs_id}/product/variant/{product_id}"
        return self._transport.send(Call("GET", path, "products"))

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
            )
            upload_ids.append(int(self._transport.send(call)["upload_id"]))
        return upload_ids

    def upload_status(self, upload_id: int) -> dict:
        """How a create or edit upload went: counts and the rows that failed."""
        path = f"/v2/products/fs/{self._fs_id}/status/{upload_id}"
        data = self._transport.send(Call("GET", path, "products", {"shop_id": self._shop_id}))
        uploads = data.get("upload_data") or [{}]
        return uploads[0]

    def delete(self, product_ids: Iterable[int]) -> BulkResult:
        return self._set_status("/v3/products", "delete", product_ids)

    def activate(self, product_ids: Iterable[int]) -> BulkResult:
        return self._set_status("/v1/products", "active", product_ids)

    def deactivate(self, product_ids: Iterable[int]) -> BulkResult:
        return self._set_status("/v1/products", "inactive", product_ids)

    def _set_status(self, version: str, action: str, product_ids: Iterable[int]) -> BulkResult:
        path = f"{version}/fs/{self._fs_id}/{action}"
        pending = [int(pid) for pid in product_ids]
        result = BulkResult()
        for _ in range(THROTTLE_ROUNDS):
            throttled: list[int] = []
            for start in range(0, len(pending), IDS_PER_STATUS_CHANGE):
                chunk = pending[start : start + IDS_PER_STATUS_CHANGE]
                body = {"product_id": chunk}
                call = Call("POST", path, "products", {"shop_id": self._shop_id}, body, len(chunk))
                data = self._transport.send(call) or {}
                result.requests += 1
                failures = _failures_by_id(data.get("failed_rows_data") or [])
                for product_id in chunk:
                    message = failures.get(product_id)
                    if message is None:
                        result.succeeded.append({"product_id": product_id})
                    elif THROTTLED in message:
                        throttled.append(product_id)
                    else:
                        result.failed.append(RowFailure({"product_id": product_id}, message))
            result.throttled_rows += len(throttled)
            pending = throttled
            if not pending:
                return result
        result.failed += [
            RowFailure({"product_id": pid}, f"{THROTTLED}: still throttled") for pid in pending
        ]
        return result


def _failures_by_id(texts: list) -> dict[int, str]:
    """Read "Error Product ID [123] : reason" texts into {123: text}."""
    failures = {}
    for text in texts:
        match = _FAILED_ID.search(str(text))
        if match:
            failures[int(match.group(1))] = str(text)
    return failures
