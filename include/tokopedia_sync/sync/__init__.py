"""Moving data between Tokopedia and the Postgres staging tables."""
