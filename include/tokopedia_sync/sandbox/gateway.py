"""What stands in front of every sandbox API endpoint, as Tokopedia's gateway does: faults, bearer
auth, fs_id checks, rate budgets, the response envelope, and the request log."""

from __future__ import annotations

import asyncio
import json
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from tokopedia_sync.sandbox.errors import (
    MSG_MALFORMED,
    MSG_SERVER,
    MSG_SUCCESS,
    ApiError,
    bad_request,
)
from tokopedia_sync.sandbox.faults import (
    BAD_RECORD,
    SHORT_ANSWER,
    leave_out_first_success,
    reshape_data,
)
from tokopedia_sync.sandbox.limits import SlidingWindow

if TYPE_CHECKING:
    from tokopedia_sync.sandbox.app import Sandbox
    from tokopedia_sync.sandbox.model import Shop

JSON = "application/json"


def dumps(value: object) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


def envelope(
    data: object, started: float, status: int = 200, error: ApiError | None = None
) -> Response:
    header: dict[str, Any] = {"process_time": round(time.perf_counter() - started, 9)}
    if error is None:
        header["messages"] = MSG_SUCCESS
    else:
        header.update(messages=error.messages, reason=error.reason, error_code=error.error_code)
    return Response(dumps({"header": header, "data": data}), status, media_type=JSON)


def legacy(data: object, status: int = 200, errors: list[str] | None = None) -> Response:
    """The older `{data, status, error_message}` envelope of webhook management."""
    label = f"{status} {HTTPStatus(status).phrase}".replace("OK", "Ok")
    body = {"data": data, "status": label, "error_message": errors or []}
    return Response(dumps(body), status, media_type=JSON)


class RequestLog:
    """Every API request the sandbox answered, for tests that prove what a client did."""

    def __init__(self, size: int) -> None:
        self._entries: deque[dict] = deque(maxlen=size)
        self._seq = 0

    def add(self, entry: dict) -> None:
        self._seq += 1
        entry["seq"] = self._seq
        self._entries.append(entry)

    def since(self, seq: int) -> list[dict]:
        return [entry for entry in self._entries if entry["seq"] > seq]

    @property
    def last_seq(self) -> int:
        return self._seq

    def clear(self) -> None:
        self._entries.clear()


@dataclass
class Call:
    """One API request on its way through the gateway to a handler."""

    sandbox: Sandbox
    request: Request
    body: bytes
    family: str | None
    client_id: str = ""
    window: SlidingWindow | None = None
    units: int = 0
    throttled: int = 0
    shop_id: int | None = None
    notes: dict[str, Any] = field(default_factory=dict)

    @property
    def state(self):
        return self.sandbox.state

    def path_int(self, name: str, error_code: str) -> int:
        raw = self.request.path_params[name]
        try:
            return int(raw)
        except ValueError:
            raise bad_request(error_code, f"{name} [{raw}] should be int") from None

    def query_int(
        self,
        name: str,
        empty_code: str,
        invalid_code: str | None = None,
        *,
        required: bool = True,
        low: int | None = None,
        high: int | None = None,
    ) -> int | None:
        raw = self.request.query_params.get(name, "").strip()
        if not raw:
            if required:
                raise bad_request(empty_code, f"{name} cannot be empty")
            return None
        try:
            value = int(raw)
        except ValueError:
            raise bad_request(invalid_code or empty_code, f"{name} [{raw}] should be int") from None
        if (low is not None and value < low) or (high is not None and value > high):
            bounds = f"from {low}" + (f" to {high}" if high is not None else "")
            raise bad_request(invalid_code or empty_code, f"{name} must be {bounds}, got {value}")
        return value

    def json(self, error_code: str) -> Any:
        if not self.body.strip():
            raise bad_request(error_code, "the request body is empty; send JSON")
        try:
            return json.loads(self.body)
        except (ValueError, UnicodeDecodeError) as exc:
            raise bad_request(error_code, f"the request body is not valid JSON: {exc}") from None
        except RecursionError:
            # The JSON parser recurses per nesting level; a hostile body is a bad request.
            raise bad_request(error_code, "the request body is nested too deeply") from None

    def shop(self, error_code: str = "PRD_DLV_001") -> Shop:
        """The shop named by the `shop_id` query parameter, which must be linked to the app."""
        shop_id = self.query_int("shop_id", error_code)
        assert shop_id is not None
        self.shop_id = shop_id
        return self.state.shop(shop_id)

    def spend(self, units: int) -> int:
        """Spend budget for `units` bulk items; returns how many the budget allowed."""
        if self.window is None:
            self.units += units
            return units
        granted = self.window.take(units, self.sandbox.clock())
        self.units += granted
        self.throttled += units - granted
        return granted


Handler = Callable[[Call], Any]


@dataclass(frozen=True)
class ApiRoute:
    """An endpoint of the sandboxed API.

    `bulk` endpoints spend their budget item by item from the handler; the rest spend one unit
    before the handler runs. `legacy` endpoints answer in the `{data, status, error_message}` form.
    `public` endpoints (the accounts host) take no bearer token and answer for themselves.
    """

    methods: tuple[str, ...]
    path: str
    family: str | None
    handler: Handler
    bulk: bool = False
    legacy: bool = False
    public: bool = False


def api(
    methods: str,
    path: str,
    family: str | None,
    *,
    bulk: bool = False,
    legacy: bool = False,
    public: bool = False,
):
    """Declare a handler as an API endpoint: `@api("GET", "/v2/order/list", "orders")`."""

    def declare(handler: Handler) -> ApiRoute:
        return ApiRoute(tuple(methods.split("|")), path, family, handler, bulk, legacy, public)

    return declare


class DroppedConnection(Response):
    """Starts an answer and never finishes it: the server closes the connection mid-body."""

    def __init__(self) -> None:
        super().__init__()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", JSON.encode()), (b"content-length", b"4096")],
            }
        )
        await send(
            {"type": "http.response.body", "body": b'{"header":{"process', "more_body": True}
        )


def starlette_route(route: ApiRoute, sandbox: Sandbox) -> Route:
    async def endpoint(request: Request) -> Response:
        return await through_gateway(sandbox, route, request)

    return Route(route.path, endpoint, methods=list(route.methods))


async def through_gateway(sandbox: Sandbox, route: ApiRoute, request: Request) -> Response:
    """Answer one API request, the way the real gateway would, and log it."""
    started = time.perf_counter()
    body = await request.body()
    call = Call(sandbox, request, body, route.family)
    fault = sandbox.faults.draw(request.url.path)
    if fault == "slow":
        await asyncio.sleep(sandbox.settings.slow_seconds)
    if fault == "drop":
        response: Response = DroppedConnection()
    elif fault == "5xx":
        response = _server_fault(call, started)
    elif fault == "429":
        response = _throttled(call, started, None)
    elif fault == "forbidden":
        response = _forbidden(call, started)
    else:
        if fault == "revoke":
            token = sandbox.tokens.check_bearer(
                request.headers.get("authorization"), sandbox.clock()
            )
            if token is not None:
                sandbox.tokens.revoke(token.value)
        response = await _answer(sandbox, route, call, started)
        if fault == "malformed":
            response = _with_body(response, response.body[: max(1, len(response.body) // 2)])
        elif fault == "wrong_shape":
            response = _with_body(response, reshape_data(response.body) or response.body)
        elif fault == SHORT_ANSWER:
            shortened = leave_out_first_success(response.body)
            if shortened is None:
                fault = None
            else:
                response = _with_body(response, shortened)
        elif (
            garbled := sandbox.faults.garble(request.url.path, response.body, fault == BAD_RECORD)
        ) is not None:
            response, fault = _with_body(response, garbled), BAD_RECORD
    sandbox.request_log.add(
        {
            "time": sandbox.clock(),
            "method": request.method,
            "path": request.url.path,
            "query": request.url.query,
            "family": route.family,
            "client_id": call.client_id,
            "shop_id": call.shop_id,
            "status": 200 if fault == "drop" else response.status_code,
            "units": call.units,
            "throttled": call.throttled,
            "fault": fault,
            "error_code": call.notes.get("error_code"),
        }
    )
    return response


async def _answer(sandbox: Sandbox, route: ApiRoute, call: Call, started: float) -> Response:
    if route.public:
        return route.handler(call)
    token = sandbox.tokens.check_bearer(call.request.headers.get("authorization"), sandbox.clock())
    if token is None:
        call.notes["error_code"] = "UNAUTHORIZED"
        # Tokopedia's 401 body is not documented; the sandbox uses the usual envelope.
        error = ApiError(
            401, "UNAUTHORIZED", "access token is missing, invalid or expired", "Unauthorized"
        )
        return envelope(None, started, 401, error)
    call.client_id = token.client_id
    call.window = sandbox.limiter.window(token.client_id, route.family)
    if not route.bulk and call.spend(1) == 0:
        call.notes["error_code"] = "ERR_TOO_MANY_REQUEST"
        return _throttled(call, started, call.window)
    try:
        _check_fs_id(call, sandbox.settings.fs_id)
        result = route.handler(call)
        if route.bulk and call.units == 0 and call.throttled == 0:
            call.spend(1)
    except ApiError as error:
        if route.bulk and call.units == 0 and call.throttled == 0:
            call.spend(1)
        call.notes["error_code"] = error.error_code
        if route.legacy:
            response = legacy(None, error.status, [error.error_code, error.reason])
        else:
            response = envelope(None, started, error.status, error)
    else:
        if isinstance(result, Response):
            response = result
        elif route.legacy:
            response = legacy(result)
        else:
            response = envelope(result, started)
    if call.window is not None:
        response.headers.update(call.window.headers(sandbox.clock()))
    return response


def _check_fs_id(call: Call, fs_id: int) -> None:
    raw = call.request.path_params.get("fs_id") or call.request.query_params.get("fs_id", "")
    if not str(raw).strip():
        raise bad_request("ORD_DLV_001", "fs_id cannot be empty")
    try:
        given = int(raw)
    except ValueError:
        raise bad_request("ORD_DLV_002", f"fs_id [{raw}] has an invalid format") from None
    if given != fs_id:
        raise ApiError(
            403, "RBAC_MDLW_001", f"fs_id {given} does not match the access token", "Forbidden"
        )


def _with_body(response: Response, body: bytes) -> Response:
    """The same answer, status and headers (the rate headers too) with another body."""
    headers = {k: v for k, v in response.headers.items() if k.lower() != "content-length"}
    return Response(body, response.status_code, headers=headers)


def _server_fault(call: Call, started: float) -> Response:
    # A share of injected 5xx answers come from "the load balancer" as HTML, as real outages do.
    if call.sandbox.faults.variant(3) == 0:
        page = "<html><body><h1>502 Bad Gateway</h1></body></html>"
        return Response(page, 502, media_type="text/html")
    error = ApiError(500, "ORD_API_006", "There Are Error From Ext Service", MSG_SERVER)
    return envelope(None, started, 500, error)


def _throttled(call: Call, started: float, window: SlidingWindow | None) -> Response:
    error = ApiError(429, "ERR_TOO_MANY_REQUEST", "rate limit exceeded, slow down", MSG_MALFORMED)
    response = envelope(None, started, 429, error)
    now = call.sandbox.clock()
    if window is not None:
        response.headers.update(window.headers(now))
        response.headers["Retry-After"] = str(window.retry_after(now))
    else:
        response.headers.update(
            {
                "X-Ratelimit-Limit": "5 req/s (burst 5)",
                "X-Ratelimit-Remaining": "0",
                "X-Ratelimit-Reset-After": "1.000000",
                "X-Ratelimit-Full-Reset-After": "1.000000",
                "Retry-After": call.sandbox.settings.fault_retry_after,
            }
        )
    return response


def _forbidden(call: Call, started: float) -> Response:
    call.notes["error_code"] = "RBAC_USC_012"
    reason = "This shop owner has not given permission for your app to use this API on the shop"
    return envelope(None, started, 403, ApiError(403, "RBAC_USC_012", reason, "Forbidden"))
