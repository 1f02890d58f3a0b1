"""Shop info, showcases and logistics endpoints (the "shop" budget family)."""

from __future__ import annotations

from tokopedia_sync.sandbox import render
from tokopedia_sync.sandbox.errors import bad_request
from tokopedia_sync.sandbox.gateway import Call, api

MAX_SHOWCASES_PER_PAGE = 100


@api("GET", "/v1/shop/fs/{fs_id}/shop-info", "shop")
def shop_info(call: Call) -> list[dict]:
    state = call.state
    if call.request.query_params.get("shop_id"):
        return [render.shop_info(call.shop("SHP_DLV_001"))]
    page = call.query_int("page", "SHP_DLV_001", required=False, low=1) or 1
    per_page = call.query_int("per_page", "SHP_DLV_001", required=False, low=1, high=100) or 50
    shops = list(state.shops.values())[(page - 1) * per_page : page * per_page]
    return [render.shop_info(shop) for shop in shops]


@api("GET", "/v1/showcase/fs/{fs_id}/get", "shop")
def showcases(call: Call) -> dict:
    shop = call.shop("SHP_DLV_001")
    page = call.query_int("page", "SHP_DLV_001", required=False, low=1) or 1
    page_count = call.query_int("page_count", "SHP_DLV_010", required=False, low=1) or 10
    if page_count > MAX_SHOWCASES_PER_PAGE:
        raise bad_request("SHP_DLV_010", f"page_count exceeds limit of {MAX_SHOWCASES_PER_PAGE}")
    hide_zero = call.request.query_params.get("hide_zero", "").lower() in ("1", "true")
    display = call.request.query_params.get("display", "showcase")
    if display not in ("showcase", "group", "all"):
        raise bad_request("SHP_DLV_001", "display must be showcase, group or all")
    rows = render.showcase(shop, call.state, hide_zero)
    window = rows[(page - 1) * page_count : page * page_count]
    base = f"/v1/showcase/fs/{call.sandbox.settings.fs_id}/get?shop_id={shop.shop_id}"
    has_next = page * page_count < len(rows)
    return {
        "showcase": window if display != "group" else [],
        "showcase_group": [],
        "use_ace": True,
        "showcase_without_ace": [],
        "prev_link": f"{base}&page={page - 1}&page_count={page_count}" if page > 1 else "",
        "next_link": f"{base}&page={page + 1}&page_count={page_count}" if has_next else "",
    }


@api("GET", "/v2/logistic/fs/{fs_id}/info", "shop")
def logistics_info(call: Call) -> list[dict]:
    call.shop("LGS_DLV_001")
    return render.couriers()


@api("GET", "/v1/logistic/fs/{fs_id}/active-info", "shop")
def active_couriers(call: Call) -> dict:
    if call.request.query_params.get("shop_id"):
        return render.active_couriers([call.shop("LGS_DLV_001")])
    return render.active_couriers(list(call.state.shops.values()))


ROUTES = [shop_info, showcases, logistics_info, active_couriers]
