"""The pipelined Redis connection (usersvc/redis_pipeline.py) against a real, private
redis-server: replies reach their own callers, one connection carries them all, and a lost
or stuck server fails calls at once (or within the reply timeout) and is used again when it
is back.
"""

import asyncio
import signal
import time
import uuid

import pytest
from redis.asyncio import Redis
from redis.exceptions import ConnectionError, ResponseError

from tests.support import free_port, redis_server
from usersvc.redis_pipeline import RedisPipeline

# Returns its key's value and the argument it was given: a reply names its own call.
ECHO = "return {redis.call('GET', KEYS[1]), ARGV[1]}"
FAIL_ON_BAD = "if ARGV[1] == 'bad' then return redis.error_reply('refused') end return ARGV[1]"


@pytest.fixture
async def server():
    port = free_port()
    with redis_server(port) as process:
        client = Redis(port=port)
        yield port, client, process
        await client.aclose()


@pytest.fixture
async def pipeline(server):
    port = server[0]
    pipeline = RedisPipeline(Redis(port=port))
    yield pipeline
    await pipeline.aclose()


async def _clients(client: Redis) -> int:
    return len(await client.client_list())


async def test_many_concurrent_calls_each_get_their_own_reply_over_one_connection(server, pipeline):
    _, client, _ = server
    keys = [f"k{index}" for index in range(500)]
    await client.mset({key: f"value-{key}" for key in keys})
    before = await _clients(client)
    echo = pipeline.register_script(ECHO)
    replies = await asyncio.gather(*(echo(keys=[key], args=[index]) for index, key in enumerate(keys)))
    assert replies == [[f"value-{key}".encode(), str(index).encode()] for index, key in enumerate(keys)]
    assert await _clients(client) == before + 1  # redis-py's pool would have opened one per concurrent call


async def test_an_error_reply_fails_only_its_own_call(pipeline):
    script = pipeline.register_script(FAIL_ON_BAD)
    results = await asyncio.gather(
        *(script(keys=[], args=[value]) for value in ("a", "bad", "b", "bad", "c")), return_exceptions=True
    )
    assert results[0::2] == [b"a", b"b", b"c"]
    assert all(isinstance(result, ResponseError) and "refused" in str(result) for result in results[1::2])


async def test_commands_sent_together_answer_in_order_and_an_error_comes_after_all_ran(server, pipeline):
    _, client, _ = server
    assert await pipeline.call_all([("SET", "a", 1), ("INCR", "a"), ("GET", "a")]) == [b"OK", 2, b"2"]
    await client.set("text", "not a number")
    with pytest.raises(ResponseError):
        await pipeline.call_all([("INCR", "text"), ("SET", "after", "ran"), ("INCR", "a")])
    assert await client.get("after") == b"ran"  # the commands after the refused one ran
    assert await pipeline.call("GET", "a") == b"3"  # and the connection's replies still line up


async def test_scripts_run_after_redis_forgot_them(server, pipeline):
    _, client, _ = server
    echo = pipeline.register_script(ECHO)
    assert await echo(keys=["missing"], args=["1"]) == [None, b"1"]
    await client.script_flush()  # as a restarted Redis has
    assert await asyncio.gather(*(echo(keys=["missing"], args=[n]) for n in range(20))) == [
        [None, str(n).encode()] for n in range(20)
    ]


async def test_a_cancelled_caller_does_not_shift_the_replies_of_the_others(server, pipeline):
    _, client, _ = server
    await client.set("slow", "x")
    echo = pipeline.register_script(ECHO)
    calls = [asyncio.create_task(echo(keys=["slow"], args=[n])) for n in range(50)]
    await asyncio.sleep(0)  # all of them queued
    for task in calls[::3]:
        task.cancel()
    finished = await asyncio.gather(*calls, return_exceptions=True)
    for n, result in enumerate(finished):
        if n % 3:
            assert result == [b"x", str(n).encode()]
        else:
            assert isinstance(result, asyncio.CancelledError)


async def test_a_lost_server_fails_calls_at_once_and_is_reconnected_when_back(server, pipeline):
    port, _, process = server
    echo = pipeline.register_script(ECHO)
    assert await echo(keys=["k"], args=["before"]) == [None, b"before"]
    process.kill()
    process.wait()
    started = time.monotonic()
    for _ in range(3):  # the lost connection, then refused reconnects
        with pytest.raises(ConnectionError):
            await asyncio.wait_for(echo(keys=["k"], args=["during"]), timeout=5)
    assert time.monotonic() - started < 5
    with redis_server(port):
        key = uuid.uuid4().hex
        assert await echo(keys=[key], args=["after"]) == [None, b"after"]


async def test_a_redis_that_stops_answering_fails_calls_in_time_and_is_used_again_after(server):
    port, _, process = server
    pipeline = RedisPipeline(Redis(port=port), reply_timeout=0.5)
    echo = pipeline.register_script(ECHO)
    try:
        assert await echo(keys=["k"], args=["before"]) == [None, b"before"]
        process.send_signal(signal.SIGSTOP)  # connected, accepting, answering nothing
        try:
            started = time.monotonic()
            with pytest.raises(ConnectionError):  # the call on the stuck connection
                await asyncio.wait_for(echo(keys=["k"], args=["stuck"]), timeout=5)
            with pytest.raises(ConnectionError):  # a new connection's handshake is bounded too
                await asyncio.wait_for(echo(keys=["k"], args=["stuck"]), timeout=5)
            assert time.monotonic() - started < 3
        finally:
            process.send_signal(signal.SIGCONT)
        assert await echo(keys=["k"], args=["after"]) == [None, b"after"]
    finally:
        await pipeline.aclose()


def test_an_edge_answers_503_while_its_redis_is_down_and_serves_again_after(stack, extra_edge, admin):
    port = free_port()
    with redis_server(port) as process:
        edge = extra_edge(REDIS_URL=f"redis://127.0.0.1:{port}/0")
        signed_in = {"Authorization": f"Bearer {admin.token}"}
        me = edge.get("/v1/auth/me", headers=signed_in)
        assert me.status_code == 200, me.text
        process.kill()
        process.wait()
        started = time.monotonic()
        down = [edge.get("/v1/auth/me", headers=signed_in) for _ in range(3)]
        assert time.monotonic() - started < 5  # each a refused connect, not a wait
        assert {(r.status_code, r.json()["error"]["code"]) for r in down} == {(503, "SERVICE_UNAVAILABLE")}
    with redis_server(port):
        back = edge.get("/v1/auth/me", headers=signed_in)
        assert back.status_code == 200, back.text
        assert back.json()["id"] == me.json()["id"]
