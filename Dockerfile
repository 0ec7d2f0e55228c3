# One image for the code server, the webserver and the daemon (they must run the same code).
# The package is installed from its wheel, as `pip install` would for a user: the image holds no
# source tree, so what runs is exactly what the wheel ships (tests: ecom_assets_tests/deploy/).
FROM python:3.11-slim AS wheel
WORKDIR /src
COPY pyproject.toml README.md ./
COPY ecom_assets ./ecom_assets
RUN pip wheel --no-deps --no-cache-dir --wheel-dir /wheels .

FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DAGSTER_HOME=/opt/dagster/home \
    ECOM_DATA_DIR=/data

COPY --from=wheel /wheels /tmp/wheels
RUN pip install /tmp/wheels/*.whl \
    && rm -rf /tmp/wheels \
    && mkdir -p "$DAGSTER_HOME" /data /opt/dagster/app/docker \
    && useradd --system --uid 10001 --home-dir /opt/dagster dagster \
    && chown -R dagster "$DAGSTER_HOME" /data

COPY docker/dagster.yaml "$DAGSTER_HOME/dagster.yaml"
COPY docker/workspace.yaml /opt/dagster/app/docker/workspace.yaml
WORKDIR /opt/dagster/app

USER dagster
EXPOSE 3000 4000
# Overridden per service in docker-compose.yml; alone, the image serves the code location.
CMD ["dagster", "api", "grpc", "--host", "0.0.0.0", "--port", "4000", "--module-name", "ecom_assets.definitions"]
