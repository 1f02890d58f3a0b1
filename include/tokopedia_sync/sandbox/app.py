"""The sandbox server: one `Sandbox` holding a run's state, served as a Starlette app."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tokopedia_sync.sandbox import (
    render,
    routes_control,
    routes_orders,
    routes_products,
    routes_shop,
    routes_webhooks,
)
from tokopedia_sync.sandbox.faults import FaultInjector
from tokopedia_sync.sandbox.gateway import (
    Call,
    RequestLog,
    api,
    starlette_route,
    unmatched_handler,
)
from tokopedia_sync.sandbox.limits import RateLimiter
from tokopedia_sync.sandbox.settings import SandboxSettings
from tokopedia_sync.sandbox.state import Event, SandboxState
from tokopedia_sync.sandbox.tokens import TokenIssuer
from tokopedia_sync.sandbox.webhooks import WebhookRegistry, WebhookSender

log = logging.getLogger(__name__)


class Sandbox:
    """Everything one running sandbox holds. `reset()` starts it over from the same settings."""

    def __init__(self, settings: SandboxSettings, clock=time.time) -> None:
        self.initial = settings
        self.clock = clock
        self.request_log = RequestLog(settings.request_log_size)
        self.webhooks = WebhookRegistry(settings.fs_id)
        self.sender = WebhookSender(self.webhooks, clock)
        self._build(settings)

    def _build(self, settings: SandboxSettings) -> None:
        self.settings = settings
        self.state = SandboxState(settings, self.clock)
        self.tokens = TokenIssuer(settings.client_id, settings.client_secret, settings.token_ttl)
        self.limiter = RateLimiter(settings.budgets)
        self.faults = FaultInjector(settings.faults, settings.fault_seed)
        self.webhooks = self.sender.registry = WebhookRegistry(settings.fs_id)
        self._replays: dict[tuple[int, str, str], dict] = {}
        self.state.subscribe(self._on_event)

    def reset(self) -> None:
        self._build(self.initial)
        self.request_log.clear()
        self.sender.forget()

    def reconfigure(self, budgets: dict[str, int | None] | None = None, **changes: object) -> None:
        """Change run-time knobs without reseeding; only what is given changes.

        The families named in `budgets` start a fresh window; the fault generator is re-seeded
        only when the faults or their seed are given.
        """
        if budgets is not None:
            changes["budgets"] = {**self.settings.budgets, **budgets}
            self.limiter.set_budgets(budgets)
        self.settings = self.state.settings = self.settings.replace(**changes)
        self.tokens.ttl = self.settings.token_ttl
        if "faults" in changes or "fault_seed" in changes:
            self.faults.configure(self.settings.faults, self.settings.fault_seed)

    def _on_event(self, event: Event) -> None:
        if self.webhooks.url_for(event.kind):
            self.sender.enqueue(event.kind, render.event_payload(event, self.state))

    def replayed(self, shop_id: int, action: str, request_id: str) -> dict | None:
        """The answer already given to a stock change with this `request_id`, if any."""
        return self._replays.get((shop_id, action, request_id))

    def remember(self, shop_id: int, action: str, request_id: str, answer: dict) -> None:
        self._replays[(shop_id, action, request_id)] = answer

    async def simulate(self) -> None:
        """Let orders arrive and move on in real time, at the configured rates.

        A failure in one step is logged and the next step runs: business must keep happening.
        """
        last = time.monotonic()
        while True:
            await asyncio.sleep(1.0)
            now = time.monotonic()
            try:
                self.state.run_for(now - last)
            except Exception:
                log.exception("simulated business failed for one step; it goes on")
            last = now


@api("POST", "/accounts/token", None, public=True)
def issue_token(call: Call) -> Response:
    tokens = call.sandbox.tokens
    if call.request.query_params.get("grant_type") != "client_credentials":
        body = {
            "error": "unsupported_grant_type",
            "error_description": "grant_type=client_credentials is required in the query string",
        }
        return JSONResponse(body, 400)
    client_id = tokens.check_basic(call.request.headers.get("authorization"))
    if client_id is None:
        body = {
            "error": "invalid_client",
            "error_description": "client_id or client_secret is wrong",
        }
        return JSONResponse(body, 401, headers={"WWW-Authenticate": 'Basic realm="accounts"'})
    call.client_id = client_id
    now = call.sandbox.clock()
    token = tokens.issue(client_id, now)
    return JSONResponse(
        {
            "access_token": token.value,
            "event_code": "",
            "expires_in": max(0, int(token.expires_at - now)),
            "last_login_type": "8",
            "sq_check": False,
            "token_type": "Bearer",
        }
    )


API_ROUTES = [
    issue_token,
    *routes_orders.ROUTES,
    *routes_products.ROUTES,
    *routes_shop.ROUTES,
    *routes_webhooks.ROUTES,
]


def create_app(sandbox: Sandbox, *, simulate: bool = True) -> Starlette:
    """The ASGI app; with `simulate`, orders keep arriving and moving while it runs."""

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        tasks = [asyncio.create_task(sandbox.sender.run())]
        if simulate:
            tasks.append(asyncio.create_task(sandbox.simulate()))
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    routes: list[Route] = [starlette_route(route, sandbox) for route in API_ROUTES]
    routes += routes_control.routes(sandbox)
    unmatched = unmatched_handler(sandbox)
    app = Starlette(
        routes=routes, lifespan=lifespan, exception_handlers={404: unmatched, 405: unmatched}
    )
    app.state.sandbox = sandbox
    return app
