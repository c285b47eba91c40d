# syntax=docker/dockerfile:1
# usersvc image: one image, three roles chosen by the command
#   usersvc migrate | usersvc edge (default) | usersvc worker | usersvc run

# ---- build stage: install the package and its dependencies into a venv ----
FROM python:3.11-slim AS build

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PYTHONDONTWRITEBYTECODE=1

RUN python -m venv /opt/venv
ENV PATH="/opt/venv/bin:$PATH"

WORKDIR /src
# README*/LICENSE* are optional globs: copied if present (pyproject may reference them).
COPY pyproject.toml README* LICENSE* ./
COPY domain/ ./domain/
COPY edge/ ./edge/
COPY workers/ ./workers/
COPY usersvc/ ./usersvc/
RUN pip install --no-cache-dir .

# ---- runtime stage ----
FROM python:3.11-slim AS runtime

ENV PATH="/opt/venv/bin:$PATH" \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PORT=8000

RUN groupadd --system --gid 10001 usersvc \
 && useradd --system --uid 10001 --gid usersvc --home-dir /app --no-create-home \
        --shell /usr/sbin/nologin usersvc

WORKDIR /app
COPY --from=build /opt/venv /opt/venv
# `usersvc migrate` reads ./migrations relative to the working directory (/app);
# pyproject.toml is kept for its [tool.aerich]/[tool.tortoise] settings.
COPY --chown=usersvc:usersvc migrations/ ./migrations/
COPY --chown=usersvc:usersvc pyproject.toml ./

USER usersvc

EXPOSE 8000

# No curl in the slim image: probe /health with the standard library.
# Meaningful for the `edge` role only; compose disables it for migrate/worker.
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/health' % os.environ.get('PORT', '8000'), timeout=4)"]

CMD ["usersvc", "edge"]
