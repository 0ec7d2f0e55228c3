# One image for the code server, the webserver and the daemon (they must run the same code).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DAGSTER_HOME=/opt/dagster/home \
    ECOM_DATA_DIR=/data

WORKDIR /opt/dagster/app
COPY pyproject.toml README.md ./
COPY ecom_assets ./ecom_assets
RUN pip install . \
    && mkdir -p "$DAGSTER_HOME" /data \
    && useradd --system --uid 10001 --home-dir /opt/dagster dagster \
    && chown -R dagster "$DAGSTER_HOME" /data

COPY docker/dagster.yaml "$DAGSTER_HOME/dagster.yaml"
COPY workspace.yaml ./
COPY docker/workspace.yaml ./docker/workspace.yaml

USER dagster
EXPOSE 3000 4000
# Overridden per service in docker-compose.yml; alone, the image serves the code location.
CMD ["dagster", "api", "grpc", "--host", "0.0.0.0", "--port", "4000", "--module-name", "ecom_assets.definitions"]
