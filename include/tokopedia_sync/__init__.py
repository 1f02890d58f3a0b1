"""Keep a Tokopedia shop and a Postgres database in sync, with Apache Airflow."""

__version__ = "0.1.0"
