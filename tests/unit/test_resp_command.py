"""usersvc/redis_pipeline.py writes commands in RESP by hand: byte for byte what redis-py sends."""

import pytest
from redis.asyncio.connection import Connection

from usersvc.redis_pipeline import resp_command

COMMANDS = [
    ("EVALSHA", "a" * 40, 3, "usersvc:session:é", b"raw\r\nbytes", 60, "usersvc:{users}:page:{generation}:x"),
    ("SCRIPT", "LOAD", "return {KEYS[1], ARGV[1]}\n-- two lines"),
    ("GET", ""),
    ("EVALSHA", "b" * 40, 0, "x" * 10_000),  # redis-py sends a long value as its own chunk
]


@pytest.mark.parametrize("command", COMMANDS)
def test_matches_redis_py(command):
    assert resp_command(command) == b"".join(Connection().pack_command(*command))
