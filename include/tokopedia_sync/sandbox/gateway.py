"""What stands in front of every sandbox API endpoint, as Tokopedia's gateway does: faults, bearer
auth, fs_id checks, rate budgets, the response envelope, and the request log."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from tokopedia_sync.sandbox import jsonio
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
from tokopedia_sync.sandbox.tokens import Token

if TYPE_CHECKING:
    from tokopedia_sync.sandbox.app import Sandbox
    from tokopedia_sync.sandbox.model import Shop

log = logging.getLogger(__name__)

JSON = "application/json"
CONTROL_PREFIX = "/_sandbox/"
# The sandbox's own error codes, for answers Tokopedia documents none for: a request the
# sandbox's own bug failed, a path no endpoint has, and a method the endpoint does not take.
INTERNAL_ERROR = "INTERNAL_SERVER_ERROR"
_UNMATCHED = {404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED"}


def envelope(
    data: object, started: float, status: int = 200, error: ApiError | None = None
) -> Response:
    header: dict[str, Any] = {"process_time": round(time.perf_counter() - started, 9)}
    if error is None:
        header["messages"] = MSG_SUCCESS
    else:
        header.update(messages=error.messages, reason=error.reason, error_code=error.error_code)
    return Response(jsonio.dumps({"header": header, "data": data}), status, media_type=JSON)


def legacy(data: object, status: int = 200, errors: list[str] | None = None) -> Response:
    """The older `{data, status, error_message}` envelope of webhook management."""
    label = f"{status} {HTTPStatus(status).phrase}".replace("OK", "Ok")
    body = {"data": data, "status": label, "error_message": errors or []}
    return Response(jsonio.dumps(body), status, media_type=JSON)


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
    token: Token | None = None
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
            return jsonio.loads(self.body)
        except jsonio.UnusableJson as exc:
            raise bad_request(error_code, f"the request body cannot be taken: {exc}") from None
        except ValueError as exc:
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


class _Endpoint:
    """The ASGI app of one API route. It takes every method, so that a wrong one is answered
    by the gateway, in the route's envelope, and logged like any other request."""

    def __init__(self, route: ApiRoute, sandbox: Sandbox) -> None:
        self.route = route
        self.sandbox = sandbox

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = await through_gateway(self.sandbox, self.route, Request(scope, receive))
        await response(scope, receive, send)


def starlette_route(route: ApiRoute, sandbox: Sandbox) -> Route:
    return Route(route.path, _Endpoint(route, sandbox))


async def through_gateway(sandbox: Sandbox, route: ApiRoute, request: Request) -> Response:
    """Answer one API request, the way the real gateway would, and log it."""
    started = time.perf_counter()
    body = await request.body()
    call = Call(sandbox, request, body, route.family)
    _identify(call, route)
    fault: str | None = None
    try:
        if request.method not in _allowed(route):
            response = _wrong_method(call, route, started)
        else:
            fault = sandbox.faults.draw(request.url.path)
            response, fault = await _faulty_or_answered(call, route, fault, started)
    except Exception:
        log.exception("the sandbox failed on %s %s", request.method, request.url.path)
        call.notes["error_code"] = INTERNAL_ERROR
        error = ApiError(500, INTERNAL_ERROR, "the sandbox failed here; see its log", MSG_SERVER)
        response = _error_response(route, error, started)
    if call.window is not None and fault != "drop" and "X-Ratelimit-Limit" not in response.headers:
        response.headers.update(call.window.headers(sandbox.clock()))
    _log(sandbox, request, call, 200 if fault == "drop" else response.status_code, fault)
    return response


def _identify(call: Call, route: ApiRoute) -> None:
    """Find who is calling and the budget window they spend from, spending nothing yet.

    Requests without a valid token share one anonymous window per family, so that they are
    throttled and answered with rate headers as a gateway in front of the auth check would.
    """
    if route.public:
        return
    sandbox = call.sandbox
    authorization = call.request.headers.get("authorization")
    call.token = sandbox.tokens.check_bearer(authorization, sandbox.clock())
    call.client_id = call.token.client_id if call.token is not None else ""
    call.window = sandbox.limiter.window(call.client_id, route.family)


def _allowed(route: ApiRoute) -> tuple[str, ...]:
    return (*route.methods, "HEAD") if "GET" in route.methods else route.methods


async def _faulty_or_answered(
    call: Call, route: ApiRoute, fault: str | None, started: float
) -> tuple[Response, str | None]:
    """The answer to a request, or the fault drawn for it, with the fault that showed."""
    sandbox, path = call.sandbox, call.request.url.path
    if fault == "slow":
        await asyncio.sleep(sandbox.settings.slow_seconds)
    if fault == "drop":
        return DroppedConnection(), fault
    if fault == "5xx":
        return _server_fault(call, route, started), fault
    if fault == "429":
        return _injected_throttle(call, route, started), fault
    if fault == "forbidden":
        return _forbidden(call, route, started), fault
    if fault == "revoke" and call.token is not None:
        sandbox.tokens.revoke(call.token.value)
        call.token = None
    response = await _answer(sandbox, route, call, started)
    if fault == "malformed":
        return _with_body(response, response.body[: max(1, len(response.body) // 2)]), fault
    if fault == "wrong_shape":
        return _with_body(response, reshape_data(response.body) or response.body), fault
    if fault == SHORT_ANSWER:
        shortened = leave_out_first_success(response.body)
        if shortened is None:
            return response, None
        return _with_body(response, shortened), fault
    garbled = sandbox.faults.garble(path, response.body, fault == BAD_RECORD)
    if garbled is not None:
        return _with_body(response, garbled), BAD_RECORD
    return response, fault


def _log(
    sandbox: Sandbox, request: Request, call: Call | None, status: int, fault: str | None
) -> None:
    sandbox.request_log.add(
        {
            "time": sandbox.clock(),
            "method": request.method,
            "path": request.url.path,
            "query": request.url.query,
            "family": call.family if call else None,
            "client_id": call.client_id if call else "",
            "shop_id": call.shop_id if call else None,
            "status": status,
            "units": call.units if call else 0,
            "throttled": call.throttled if call else 0,
            "fault": fault,
            "error_code": call.notes.get("error_code") if call else _UNMATCHED.get(status),
        }
    )


async def _answer(sandbox: Sandbox, route: ApiRoute, call: Call, started: float) -> Response:
    if route.public:
        return route.handler(call)
    if (call.token is None or not route.bulk) and call.spend(1) == 0:
        call.notes["error_code"] = "ERR_TOO_MANY_REQUEST"
        return _throttled(call, route, started)
    if call.token is None:
        call.notes["error_code"] = "UNAUTHORIZED"
        # Tokopedia's 401 body is not documented; the sandbox uses the usual envelope.
        error = ApiError(
            401, "UNAUTHORIZED", "access token is missing, invalid or expired", "Unauthorized"
        )
        return _error_response(route, error, started)
    try:
        _check_fs_id(call, sandbox.settings.fs_id)
        result = route.handler(call)
        if route.bulk and call.units == 0 and call.throttled == 0:
            call.spend(1)
    except ApiError as error:
        if route.bulk and call.units == 0 and call.throttled == 0:
            call.spend(1)
        call.notes["error_code"] = error.error_code
        return _error_response(route, error, started)
    if isinstance(result, Response):
        return result
    if route.legacy:
        return legacy(result)
    return envelope(result, started)


def _error_response(route: ApiRoute, error: ApiError, started: float) -> Response:
    if route.legacy:
        return legacy(None, error.status, [error.error_code, error.reason])
    return envelope(None, started, error.status, error)


def _wrong_method(call: Call, route: ApiRoute, started: float) -> Response:
    allowed = ", ".join(_allowed(route))
    error = ApiError(
        405,
        _UNMATCHED[405],
        f"{call.request.method} is not allowed on {route.path}; use {allowed}",
        "Method Not Allowed",
    )
    call.notes["error_code"] = error.error_code
    response = _error_response(route, error, started)
    response.headers["Allow"] = allowed
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


def _server_fault(call: Call, route: ApiRoute, started: float) -> Response:
    # A share of injected 5xx answers come from "the load balancer" as HTML, as real outages do.
    if call.sandbox.faults.variant(3) == 0:
        page = "<html><body><h1>502 Bad Gateway</h1></body></html>"
        return Response(page, 502, media_type="text/html")
    error = ApiError(500, "ORD_API_006", "There Are Error From Ext Service", MSG_SERVER)
    return _error_response(route, error, started)


def _throttle_error() -> ApiError:
    return ApiError(429, "ERR_TOO_MANY_REQUEST", "rate limit exceeded, slow down", MSG_MALFORMED)


def _throttled(call: Call, route: ApiRoute, started: float) -> Response:
    """The 429 of a spent budget: the window's own headers, and when a unit comes back."""
    response = _error_response(route, _throttle_error(), started)
    assert call.window is not None
    response.headers["Retry-After"] = str(call.window.retry_after(call.sandbox.clock()))
    return response


def _injected_throttle(call: Call, route: ApiRoute, started: float) -> Response:
    """An injected 429: the family's real limit, as if a burst had just spent it."""
    response = _error_response(route, _throttle_error(), started)
    chosen = call.sandbox.settings.fault_retry_after
    if call.window is None:
        # No budget to speak of (the accounts host, or a family switched off).
        response.headers["Retry-After"] = chosen or "1"
        return response
    headers, retry_after = call.window.injected_throttle_headers(call.sandbox.clock())
    response.headers.update(headers)
    response.headers["Retry-After"] = chosen or str(retry_after)
    return response


def _forbidden(call: Call, route: ApiRoute, started: float) -> Response:
    """An injected 403 of a shop whose owner has not given the app permission."""
    call.notes["error_code"] = "RBAC_USC_012"
    reason = "This shop owner has not given permission for your app to use this API on the shop"
    return _error_response(route, ApiError(403, "RBAC_USC_012", reason, "Forbidden"), started)


def unmatched_handler(sandbox: Sandbox):
    """Starlette's handler for paths no route has, and wrong methods on the control routes:
    API paths answer in the envelope and are logged; control paths answer as the controls do."""

    async def handle(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        status, path = exc.status_code, request.url.path
        headers = dict(exc.headers or {})
        if path.startswith(CONTROL_PREFIX) or path == CONTROL_PREFIX.rstrip("/"):
            what = "no control endpoint" if status == 404 else f"{request.method} is not allowed on"
            return JSONResponse({"error": f"{what} {path}"}, status, headers=headers)
        reason = (
            f"no endpoint at {path}"
            if status == 404
            else f"{request.method} is not allowed on {path}"
        )
        error = ApiError(status, _UNMATCHED.get(status, str(status)), reason, MSG_MALFORMED)
        response = envelope(None, time.perf_counter(), status, error)
        response.headers.update(headers)
        _log(sandbox, request, None, status, None)
        return response

    return handle
