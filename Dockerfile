# syntax=docker/dockerfile:1
# usersvc: one image, the role chosen by the command:
#   usersvc migrate | usersvc edge (default) | usersvc worker | usersvc run

# ---- build: the locked dependencies (hashes checked), then the package itself ----
FROM python:3.11-slim AS build

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PYTHONDONTWRITEBYTECODE=1

RUN python -m venv /opt/venv
ENV PATH="/opt/venv/bin:$PATH"

WORKDIR /src
COPY requirements.lock ./
RUN pip install --require-hashes --no-deps -r requirements.lock

COPY pyproject.toml README.md LICENSE ./
COPY usersvc/ ./usersvc/
COPY domain/ ./domain/
COPY edge/ ./edge/
COPY workers/ ./workers/
COPY migrations/ ./migrations/
RUN pip install --no-deps .

# ---- runtime: the virtualenv only, as an unprivileged user ----
FROM python:3.11-slim AS runtime

ENV PATH="/opt/venv/bin:$PATH" \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PORT=8000

RUN groupadd --system --gid 10001 usersvc \
 && useradd --system --uid 10001 --gid usersvc --home-dir /app --no-create-home \
        --shell /usr/sbin/nologin usersvc

WORKDIR /app
COPY --from=build /opt/venv /opt/venv
USER 10001:10001

EXPOSE 8000

# No curl in the slim image: probe /health with the standard library. Meaningful for the
# edge only; compose disables it for migrate and worker.
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/health' % os.environ.get('PORT', '8000'), timeout=4)"]

CMD ["usersvc", "edge"]
