"""Airflow provider metadata: registers the "Tokopedia" connection type and its form fields.

Airflow lists connection types only from installed distributions with an
`apache_airflow_provider` entry point; pyproject.toml points that entry point here.
"""

from __future__ import annotations

from tokopedia_sync import __version__


def _text(
    label: str, description: str, *, secret: bool = False, default: str | None = None
) -> dict:
    schema: dict = {"type": ["string", "null"]}
    if secret:
        schema["format"] = "password"
    if default is not None:
        schema["default"] = default
    return {"label": label, "description": description, "schema": schema}


def _number(label: str, description: str) -> dict:
    return {"label": label, "description": description, "schema": {"type": ["integer", "null"]}}


def _budget(label: str, what: str, default: int) -> dict:
    # Text, not a number: "off" switches the family's budget off.
    return _text(
        label,
        f"{what} per minute, shared by everything using these credentials (default {default}); "
        "off for no budget (Tokopedia's 429s are still obeyed).",
    )


CONNECTION_FIELDS = {
    "fs_id": _number("FS ID", "App ID (fs_id) of your Tokopedia app, from the developer console."),
    "shop_id": _number("Shop ID", "The shop to sync, from Tokopedia Seller Center."),
    "webhook_secret": _text(
        "Webhook Secret",
        "Secret Tokopedia signs webhooks with (Authorization-Hmac).",
        secret=True,
    ),
    "auth_base_url": _text(
        "Auth base URL",
        "Where tokens are issued. Keep the default unless you use the sandbox.",
        default="https://accounts.tokopedia.com",
    ),
    "budget_products": _budget("Products budget", "Product requests", 100),
    "budget_orders": _budget("Orders budget", "Order requests", 200),
    "budget_inventory": _budget("Inventory budget", "Stock and price rows", 150),
    "budget_shop": _budget("Shop budget", "Shop info requests", 50),
    "budget_conn_id": _text(
        "Budget Postgres connection",
        "Postgres connection id in which rate budgets are shared by every worker.",
    ),
}


def get_provider_info() -> dict:
    return {
        "package-name": "tokopedia-sync",
        "name": "Tokopedia",
        "description": "Keep a Tokopedia shop and Postgres in sync: hook, DAGs, webhooks.",
        "versions": [__version__],
        "connection-types": [
            {
                "hook-class-name": "tokopedia_sync.hooks.tokopedia.TokopediaHook",
                "hook-name": "Tokopedia",
                "connection-type": "tokopedia",
                "conn-fields": CONNECTION_FIELDS,
                "ui-field-behaviour": {
                    "hidden-fields": ["schema"],
                    "relabeling": {
                        "host": "API base URL",
                        "port": "API port",
                        "login": "Client ID",
                        "password": "Client Secret",
                    },
                    "placeholders": {
                        "host": "https://fs.tokopedia.net",
                        "port": "leave empty unless the API is on another port (the sandbox)",
                        "login": "Client ID of the Tokopedia app",
                        "password": "Client Secret of the Tokopedia app",
                    },
                },
            }
        ],
    }
