"""`TokopediaHook`: builds a `TokopediaClient` from an Airflow connection of type "tokopedia".

The connection holds the fields of Tokopedia's developer console:

- Client ID (login) and Client Secret (password) of the app;
- API base URL (host, and port when not the scheme's own), default https://fs.tokopedia.net; a
  host without a scheme is https, or plain http when it is localhost (the sandbox);
- extras: ``fs_id`` and ``shop_id`` (required), ``webhook_secret``, ``auth_base_url``
  (default https://accounts.tokopedia.com), ``budget_products`` / ``budget_orders`` /
  ``budget_inventory`` / ``budget_shop`` (requests per minute, or "off"), and
  ``budget_conn_id``: a Postgres connection in which the budgets are shared by every worker.

The same fields work from an ``AIRFLOW_CONN_<ID>`` JSON environment variable.
"""

from __future__ import annotations

import threading
from typing import Any
from urllib.parse import urlsplit

from airflow.sdk import BaseHook

from tokopedia_sync.client import ClientConfig, TokopediaClient, TokopediaError
from tokopedia_sync.client.budget import Budget, LocalBudget, PostgresBudget
from tokopedia_sync.client.config import (
    API_BASE_URL,
    AUTH_BASE_URL,
    FAMILIES,
    LOCAL_HOSTS,
    ConfigurationError,
)


def _extra(extras: dict[str, Any], name: str) -> Any:
    # Older forms of the connection UI stored custom fields as extra__<type>__<name>.
    value = extras.get(name)
    if value in (None, ""):
        value = extras.get(f"extra__tokopedia__{name}")
    return None if value == "" else value


def _whole_number(source: str, label: str, value: Any) -> int:
    if isinstance(value, bool):
        raise ConfigurationError(f"{source}: {label} must be a whole number, got {value!r}")
    try:
        return int(str(value).strip())
    except ValueError:
        raise ConfigurationError(
            f"{source}: {label} must be a whole number, got {value!r}"
        ) from None


def _api_base_url(source: str, conn: Any) -> str:
    """The host, with a scheme (https, or http to localhost) and the connection's port."""
    host = (conn.host or "").strip()
    if not host:
        if conn.port:
            raise ConfigurationError(f"{source}: API port is set but API base URL is empty")
        return API_BASE_URL
    if "://" not in host:
        scheme = "http" if urlsplit(f"//{host}").hostname in LOCAL_HOSTS else "https"
        host = f"{scheme}://{host}"
    if not conn.port:
        return host
    port = _whole_number(source, "API port", conn.port)
    parts = urlsplit(host)
    try:
        named = parts.port
    except ValueError:
        named = None  # ClientConfig names what is wrong with the URL
    if named is not None and named != port:
        raise ConfigurationError(
            f"{source}: API base URL {host} names port {named} but API port says {port}; keep one"
        )
    if named is None and parts.hostname:
        host = parts._replace(netloc=f"{parts.netloc}:{port}").geturl()
    return host


def config_from_connection(conn: Any) -> ClientConfig:
    """Client settings from an Airflow connection; errors name the connection and the field."""
    source = f"Tokopedia connection {conn.conn_id!r}"
    extras = conn.extra_dejson
    ids = {}
    for name, label in (("fs_id", "FS ID"), ("shop_id", "Shop ID")):
        value = _extra(extras, name)
        if value is None:
            raise ConfigurationError(f"{source}: {label} ({name} in extra) is missing")
        ids[name] = _whole_number(source, label, value)
    budgets: dict[str, int | None] = {}
    for family in FAMILIES:
        value = _extra(extras, f"budget_{family}")
        if value is not None:
            off = str(value).strip().lower() == "off"
            budgets[family] = None if off else _whole_number(source, f"budget_{family}", value)
    return ClientConfig(
        fs_id=ids["fs_id"],
        shop_id=ids["shop_id"],
        client_id=conn.login or "",
        client_secret=conn.password or "",
        webhook_secret=_extra(extras, "webhook_secret") or "",
        api_base_url=_api_base_url(source, conn),
        auth_base_url=_extra(extras, "auth_base_url") or AUTH_BASE_URL,
        budgets=budgets,
        source=source,
    )


class TokopediaHook(BaseHook):
    """Talks to Tokopedia for one app and shop; everything goes through `get_conn()`'s client.

    :param tokopedia_conn_id: the Tokopedia connection.
    :param budget_conn_id: a Postgres connection to keep the rate budgets in, so that every task
        and worker using these credentials shares them. Overrides the connection's
        ``budget_conn_id`` extra. Without either, budgets hold within this process only.
    """

    conn_name_attr = "tokopedia_conn_id"
    default_conn_name = "tokopedia_default"
    conn_type = "tokopedia"
    hook_name = "Tokopedia"

    def __init__(
        self, tokopedia_conn_id: str = default_conn_name, budget_conn_id: str | None = None
    ) -> None:
        super().__init__()
        self.tokopedia_conn_id = tokopedia_conn_id
        self.budget_conn_id = budget_conn_id
        self._client: TokopediaClient | None = None
        self._lock = threading.Lock()

    def get_conn(self) -> TokopediaClient:
        """The client of this connection, built once and shared by every thread using the hook."""
        with self._lock:
            if self._client is None:
                from airflow.sdk.log import mask_secret

                conn = self.get_connection(self.tokopedia_conn_id)
                config = config_from_connection(conn)
                budget_conn_id = self.budget_conn_id or _extra(conn.extra_dejson, "budget_conn_id")
                self._client = TokopediaClient(
                    config, budget=self._budget(config, budget_conn_id), mask=mask_secret
                )
            return self._client

    def _budget(self, config: ClientConfig, budget_conn_id: str | None) -> Budget:
        if not budget_conn_id:
            self.log.info(
                "Rate budgets of %s hold within this process only; set budget_conn_id to share "
                "them with every worker",
                self.tokopedia_conn_id,
            )
            return LocalBudget(config.budgets)
        from airflow.providers.postgres.hooks.postgres import PostgresHook

        postgres = PostgresHook(postgres_conn_id=budget_conn_id)
        return PostgresBudget(postgres.get_conn, config.budgets, config.budget_key)

    def close(self) -> None:
        """Close the client; the next `get_conn()` builds a new one."""
        with self._lock:
            if self._client is not None:
                self._client.close()
                self._client = None

    def test_connection(self) -> tuple[bool, str]:
        """Get a token and the shop's info; report the shop's name."""
        try:
            client = self.get_conn()
            shop = client.shop.info()
        except TokopediaError as exc:
            return False, str(exc)
        name = shop.get("shop_name") or shop.get("ShopName") or "?"
        return True, (
            f"Connected: shop {name!r} ({client.config.shop_id}) is linked to fs_id "
            f"{client.config.fs_id}"
        )
