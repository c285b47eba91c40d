"""Baseline: a bare Sanic JSON handler doing one Redis GET (redis-py asyncio).

This is the physical limit the cached `GET /v1/users/{id}` is compared with: same
framework, same Redis client, as many processes as usersvc's edge, nothing else on the path.

    python bench/baselines/sanic_redis.py --port 18181 --redis-url redis://127.0.0.1:6379/0 \
        --key usersvc-bench:baseline:user --processes 2
"""

import argparse
from functools import partial

import orjson
from redis.asyncio import Redis
from sanic import HTTPResponse, Request, Sanic
from sanic.worker.loader import AppLoader

VALUE = orjson.dumps(
    {
        "id": "00000000-0000-4000-8000-000000000000",
        "username": "baseline_user",
        "email": "baseline@example.com",
        "first_name": "Base",
        "last_name": "Line",
        "phone": None,
        "role": "user",
        "is_active": True,
        "email_verified": False,
        "last_login_at": None,
        "created_at": "2026-01-01T00:00:00Z",
        "updated_at": "2026-01-01T00:00:00Z",
    }
)


def create_app(redis_url: str, key: str) -> Sanic:
    app = Sanic("bench_sanic_redis")
    app.config.AUTO_EXTEND = False  # bare: no sanic-ext (docs) machinery
    app.config.KEEP_ALIVE_TIMEOUT = 75

    @app.before_server_start
    async def connect(app: Sanic) -> None:
        app.ctx.redis = Redis.from_url(redis_url, max_connections=256)
        await app.ctx.redis.set(key, VALUE)

    @app.after_server_stop
    async def disconnect(app: Sanic) -> None:
        await app.ctx.redis.aclose()

    @app.get("/get")
    async def get(request: Request) -> HTTPResponse:
        value = await request.app.ctx.redis.get(key)
        return HTTPResponse(value, content_type="application/json")

    @app.get("/health")
    async def health(request: Request) -> HTTPResponse:
        return HTTPResponse(b'{"status":"ok"}', content_type="application/json")

    return app


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--key", default="usersvc-bench:baseline:user")
    parser.add_argument("--processes", type=int, default=1)
    args = parser.parse_args()
    options = {"host": "127.0.0.1", "port": args.port, "access_log": False, "motd": False}
    if args.processes == 1:
        create_app(args.redis_url, args.key).run(single_process=True, **options)
        return
    # As usersvc's edge: Sanic's worker manager, each process building its own app.
    loader = AppLoader(factory=partial(create_app, args.redis_url, args.key))
    primary = loader.load()
    primary.prepare(workers=args.processes, **options)
    Sanic.serve(primary=primary, app_loader=loader)


if __name__ == "__main__":
    main()
