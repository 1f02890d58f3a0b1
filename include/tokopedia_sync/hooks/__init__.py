"""Airflow hooks of the project."""
