"""Tokopedia sync DAGs for Airflow: one per shop and enabled feature, as listed in
config/shops.yaml (or the file named by $TOKOPEDIA_SHOPS_FILE).

Airflow only parses files that mention both "airflow" and "dag"; this docstring does.
"""

from pathlib import Path

from tokopedia_sync import shops
from tokopedia_sync.dag_factory import build_dags

SHOPS_FILE = shops.shops_file(Path(__file__).resolve().parents[1] / "config" / "shops.yaml")

globals().update(build_dags(shops.load(SHOPS_FILE)))
