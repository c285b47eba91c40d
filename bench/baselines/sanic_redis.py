"""Baseline: a bare Sanic JSON handler doing one Redis GET (redis-py asyncio), one process.

This is the physical limit the cached `GET /v1/users/{id}` is compared with: same
framework, same Redis client, same single edge process, nothing else on the path.

    python bench/baselines/sanic_redis.py --port 18181 --redis-url redis://127.0.0.1:6379/0 \
        --key usersvc-bench:baseline:user
"""

import argparse

import orjson
from redis.asyncio import Redis
from sanic import HTTPResponse, Request, Sanic

VALUE = orjson.dumps({
    "id": "00000000-0000-4000-8000-000000000000", "username": "baseline_user", "email": "baseline@example.com",
    "first_name": "Base", "last_name": "Line", "phone": None, "role": "user", "is_active": True,
    "email_verified": False, "last_login_at": None, "created_at": "2026-01-01T00:00:00Z",
    "updated_at": "2026-01-01T00:00:00Z",
})


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
    args = parser.parse_args()
    create_app(args.redis_url, args.key).run(host="127.0.0.1", port=args.port, single_process=True,
                                             access_log=False, motd=False)


if __name__ == "__main__":
    main()
