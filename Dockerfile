# The Airflow image with this project installed: the Tokopedia provider (connection type, hook),
# the sync code and the sandbox command. docker-compose.yaml builds it.
FROM apache/airflow:3.3.2-python3.11

COPY --chown=airflow:root requirements.txt constraints.txt pyproject.toml README.md /opt/tokopedia-sync/
COPY --chown=airflow:root include /opt/tokopedia-sync/include

# The same pinned set as the tests ran with; the project itself installed as a package, so that
# Airflow finds its provider entry point. The mounted include/ (on PYTHONPATH) takes precedence
# for the code itself, so edits show without a rebuild.
RUN grep -v -e '^-e ' -e '^pytest' -e '^ruff' -e '^playwright' -e '^pgserver' /opt/tokopedia-sync/requirements.txt \
        > /tmp/requirements.txt \
    && pip install --no-cache-dir -r /tmp/requirements.txt -c /opt/tokopedia-sync/constraints.txt \
    && pip install --no-cache-dir --no-deps /opt/tokopedia-sync
