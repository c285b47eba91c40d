"""A Redis client (usersvc/redis_client.py) whose server restarted: each of its pooled
connections is stale, and the next command on it is sent again on a new connection instead
of failing (a request long after the restart would otherwise get 503)."""

import asyncio

from tests.support import free_port, redis_server
from usersvc.redis_client import connect_redis


async def test_every_pooled_connection_answers_after_the_server_restarted():
    port = free_port()
    client = connect_redis(f"redis://127.0.0.1:{port}/0")
    count = client.register_script("return redis.call('INCR', KEYS[1])")
    try:
        with redis_server(port):
            # Four callers at once: four connections in the pool.
            assert sorted(await asyncio.gather(*(count(keys=["n"]) for _ in range(4)))) == [1, 2, 3, 4]
        with redis_server(port):  # back, empty (no persistence), its scripts forgotten
            assert sorted(await asyncio.gather(*(count(keys=["n"]) for _ in range(4)))) == [1, 2, 3, 4]
            assert await client.get("n") == b"4"  # each ran once
    finally:
        await client.aclose()
