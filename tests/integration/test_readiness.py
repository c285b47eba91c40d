"""/ready checks its dependencies at most once a second per edge process."""

import asyncio
import re

import httpx

PING_COUNT = re.compile(r'^usersvc_rpc_seconds_count\{command="system\.ping"\} ([0-9.e+]+)$', re.MULTILINE)


async def _pings_sent(client: httpx.AsyncClient) -> float:
    found = PING_COUNT.search((await client.get("/metrics")).text)
    return float(found.group(1)) if found else 0.0


async def test_fifty_concurrent_probes_cost_one_or_two_worker_pings(stack):
    async with httpx.AsyncClient(base_url=stack.base_url, timeout=30) as client:
        before = await _pings_sent(client)
        responses = await asyncio.gather(*(client.get("/ready") for _ in range(50)))
        after = await _pings_sent(client)
    assert all(response.status_code == 200 for response in responses), {r.status_code for r in responses}
    assert all(response.json()["checks"]["database"] == "ok" for response in responses)
    # One shared check, or two if the burst straddles the end of a cached result's second.
    assert after - before <= 2, f"{after - before:.0f} system.ping round trips for 50 probes"


async def test_a_probe_after_a_second_checks_again(stack):
    async with httpx.AsyncClient(base_url=stack.base_url, timeout=30) as client:
        await client.get("/ready")
        before = await _pings_sent(client)
        await asyncio.sleep(1.1)
        assert (await client.get("/ready")).status_code == 200
        assert await _pings_sent(client) - before == 1
