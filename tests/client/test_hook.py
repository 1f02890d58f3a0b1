"""`TokopediaHook`: connections from the environment, field checks, test_connection, masking,
and the "Tokopedia" connection type as Airflow's UI sees it after a plain install."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from urllib.parse import quote, urlsplit

import pytest

from tests.client.conftest import WEBHOOK_SECRET
from tests.conftest import CLIENT_ID, CLIENT_SECRET, FS_ID, SHOP_ID, UNLINKED_SHOP_ID, at_once
from tokopedia_sync.client import ConfigurationError
from tokopedia_sync.hooks.tokopedia import TokopediaHook


def connection(sandbox, **extra) -> dict:
    return {
        "conn_type": "tokopedia",
        "host": sandbox.base_url,
        "login": CLIENT_ID,
        "password": CLIENT_SECRET,
        "extra": {
            "fs_id": FS_ID,
            "shop_id": SHOP_ID,
            "webhook_secret": WEBHOOK_SECRET,
            "auth_base_url": f"{sandbox.base_url}/accounts",
            **extra,
        },
    }


@pytest.fixture
def use_connection(monkeypatch, sandbox):
    def define(conn_id: str = "tokopedia_test", **fields) -> str:
        definition = connection(sandbox)
        extra = {**definition["extra"], **fields.pop("extra", {})}
        definition.update(fields, extra={k: v for k, v in extra.items() if v is not None})
        monkeypatch.setenv(f"AIRFLOW_CONN_{conn_id.upper()}", json.dumps(definition))
        return conn_id

    return define


class TestConnectionFromTheEnvironment:
    def test_test_connection_reports_the_shop_name(self, use_connection):
        hook = TokopediaHook(use_connection())

        ok, message = hook.test_connection()

        assert ok, message
        assert "Toko Uji" in message
        hook.close()

    def test_a_shop_not_linked_fails_the_connection_test_with_the_reason(self, use_connection):
        hook = TokopediaHook(use_connection(extra={"shop_id": UNLINKED_SHOP_ID}))

        ok, message = hook.test_connection()

        assert not ok
        assert "RBAC_MDLW_001" in message

    def test_budgets_come_from_the_connection(self, use_connection):
        hook = TokopediaHook(use_connection(extra={"budget_orders": "400", "budget_shop": "off"}))

        budgets = dict(hook.get_conn().config.budgets)

        assert budgets == {"products": 100, "orders": 400, "inventory": 150, "shop": None}
        hook.close()

    def test_a_host_and_port_reach_the_sandbox_over_plain_http(self, use_connection, sandbox):
        address = urlsplit(sandbox.base_url)
        hook = TokopediaHook(use_connection(host=address.hostname, port=address.port))

        ok, message = hook.test_connection()

        assert ok, message
        assert hook.get_conn().config.api_base_url == sandbox.base_url
        hook.close()

    def test_a_connection_uri_with_a_port_reaches_the_sandbox(self, monkeypatch, sandbox):
        address = urlsplit(sandbox.base_url)
        auth_base_url = quote(f"{sandbox.base_url}/accounts", safe="")
        monkeypatch.setenv(
            "AIRFLOW_CONN_TOKOPEDIA_URI",
            f"tokopedia://{CLIENT_ID}:{CLIENT_SECRET}@{address.hostname}:{address.port}/"
            f"?fs_id={FS_ID}&shop_id={SHOP_ID}&auth_base_url={auth_base_url}",
        )
        hook = TokopediaHook("tokopedia_uri")

        ok, message = hook.test_connection()

        assert ok, message
        assert hook.get_conn().config.api_base_url == sandbox.base_url
        hook.close()

    def test_a_port_that_contradicts_the_api_base_url_is_refused(self, use_connection, sandbox):
        conn_id = use_connection("shop_c", host="https://fs.tokopedia.net:8443", port=9443)

        with pytest.raises(ConfigurationError, match="names port 8443 but API port says 9443"):
            TokopediaHook(conn_id).get_conn()

    def test_threads_sharing_a_hook_share_one_client(self, use_connection):
        hook = TokopediaHook(use_connection())
        clients = []

        errors = at_once(lambda: clients.append(hook.get_conn()), threads=8)

        assert errors == []
        assert len(clients) == 8
        assert len({id(client) for client in clients}) == 1
        hook.close()

    def test_the_older_prefixed_extra_names_are_understood(self, use_connection):
        conn_id = use_connection(
            extra={"fs_id": None, "extra__tokopedia__fs_id": str(FS_ID)},
        )

        assert TokopediaHook(conn_id).get_conn().config.fs_id == FS_ID

    @pytest.mark.parametrize(
        ("fields", "named"),
        [
            ({"extra": {"fs_id": None}}, "FS ID (fs_id in extra) is missing"),
            ({"extra": {"shop_id": "toko-a"}}, "Shop ID must be a whole number"),
            ({"login": ""}, "Client ID is empty"),
            ({"host": "http://fs.tokopedia.example"}, "plain http"),
            ({"extra": {"budget_orders": "lots"}}, "budget_orders must be a whole number"),
        ],
    )
    def test_a_missing_or_malformed_field_fails_at_once_naming_it(
        self, use_connection, fields, named
    ):
        conn_id = use_connection("shop_b", **fields)

        with pytest.raises(ConfigurationError) as raised:
            TokopediaHook(conn_id).get_conn()

        assert named in str(raised.value)
        assert "'shop_b'" in str(raised.value)

    def test_secrets_and_minted_tokens_are_handed_to_the_log_masker(self, use_connection):
        from airflow.sdk.log import redact

        hook = TokopediaHook(use_connection())
        client = hook.get_conn()
        client.shop.info()
        token = client.tokens.get()

        assert redact(f"token={token}") == "token=***"
        assert redact(f"hook secret {WEBHOOK_SECRET}") == "hook secret ***"
        assert redact(f"secret {CLIENT_SECRET}") == "secret ***"
        hook.close()

    def test_budgets_are_shared_through_postgres_when_a_budget_connection_is_set(
        self, use_connection, monkeypatch, postgres_url
    ):
        monkeypatch.setenv("AIRFLOW_CONN_BUDGET_DB", postgres_url.replace("postgresql", "postgres"))
        hook = TokopediaHook(use_connection(extra={"budget_conn_id": "budget_db"}))

        hook.get_conn().shop.info()

        import psycopg

        with psycopg.connect(postgres_url) as conn:
            rows = conn.execute(
                "SELECT budget_key, sum(units) FROM tokopedia.rate_budget_spend GROUP BY 1"
            ).fetchall()
        assert rows == [(f"{CLIENT_ID}@{hook.get_conn().config.api_base_url[7:]}/shop", 1)]
        hook.close()


def test_the_tokopedia_connection_type_and_its_fields_are_served_to_the_ui(tmp_path):
    """What the connection form's REST endpoint serves, computed in a fresh interpreter."""
    script = textwrap.dedent(
        """
        from airflow.api_fastapi.core_api.services.ui.connections import HookMetaService
        meta = {m.connection_type: m for m in HookMetaService.hook_meta_data()}
        print(meta["tokopedia"].model_dump_json())
        """
    )
    env = {"AIRFLOW_HOME": str(tmp_path), "PATH": "/usr/bin:/bin"}
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    meta = json.loads(done.stdout.strip().splitlines()[-1])

    standard, extra = meta["standard_fields"], meta["extra_fields"]
    assert meta["hook_name"] == "Tokopedia"
    assert standard["login"]["title"] == "Client ID"
    assert standard["password"]["title"] == "Client Secret"
    assert standard["host"]["title"] == "API base URL"
    assert not standard["port"]["hidden"]
    assert standard["port"]["title"] == "API port"
    titles = {name: field["schema"]["title"] for name, field in extra.items()}
    assert titles["fs_id"] == "FS ID"
    assert titles["shop_id"] == "Shop ID"
    assert titles["webhook_secret"] == "Webhook Secret"
    assert extra["webhook_secret"]["schema"]["format"] == "password"
    # Budgets take a number or "off", as the connection form's help says.
    assert "string" in extra["budget_orders"]["schema"]["type"]
    assert "off" in extra["budget_orders"]["description"]
