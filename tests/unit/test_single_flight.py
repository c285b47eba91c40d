"""SharedResult: concurrent callers share one run; a result is reused for max_age seconds."""

import asyncio

import pytest

from usersvc.edge.single_flight import SharedResult


class SlowCheck:
    def __init__(self, *, seconds: float = 0.05, fail: bool = False) -> None:
        self.runs = 0
        self.seconds = seconds
        self.fail = fail

    async def __call__(self) -> dict:
        self.runs += 1
        await asyncio.sleep(self.seconds)
        if self.fail:
            raise RuntimeError("down")
        return {"run": self.runs}


async def test_concurrent_callers_share_one_run():
    check = SlowCheck()
    shared = SharedResult(check, max_age=1.0)
    results = await asyncio.gather(*(shared.get() for _ in range(50)))
    assert check.runs == 1 and all(result == {"run": 1} for result in results)


async def test_a_result_is_reused_until_it_is_max_age_old():
    check = SlowCheck(seconds=0)
    shared = SharedResult(check, max_age=0.2)
    assert await shared.get() == {"run": 1}
    assert await shared.get() == {"run": 1}
    await asyncio.sleep(0.25)
    assert await shared.get() == {"run": 2}


async def test_a_caller_that_goes_away_does_not_cancel_the_others_run():
    check = SlowCheck(seconds=0.1)
    shared = SharedResult(check, max_age=1.0)
    impatient = asyncio.ensure_future(shared.get())
    patient = asyncio.ensure_future(shared.get())
    await asyncio.sleep(0.01)
    impatient.cancel()
    assert await patient == {"run": 1}


async def test_a_failure_reaches_every_waiting_caller():
    shared = SharedResult(SlowCheck(fail=True), max_age=1.0)
    results = await asyncio.gather(shared.get(), shared.get(), return_exceptions=True)
    assert all(isinstance(result, RuntimeError) for result in results)
    with pytest.raises(RuntimeError):
        await shared.get()
