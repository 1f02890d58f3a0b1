"""Postgres side of the project: versioned migrations of the staging schema."""
