"""A worker says it is ready only once every one of its queues is bound: FastStream starts
subscribers in no fixed order, so a ping answered early made /ready pass while other
commands were still refused as unroutable."""

import asyncio
from functools import partial
from types import SimpleNamespace

from usersvc.domain.commands import Ping
from usersvc.settings import Settings
from usersvc.workers.handlers.system import ping
from usersvc.workers.identity import Speaker
from usersvc.workers.message_scope import current_speaker
from usersvc.workers.unit_of_work import CommandEnvelope, database_unit_of_work


async def test_a_starting_worker_answers_the_readiness_ping_with_service_unavailable():
    deps = SimpleNamespace(started=asyncio.Event())  # set by the worker's after_startup hook
    envelope = CommandEnvelope[Ping](actor={"type": "service", "id": "edge"}, data=Ping())
    reply = await ping(deps, envelope)  # type: ignore[arg-type]
    assert reply["ok"] is False
    assert reply["error"]["code"] == "SERVICE_UNAVAILABLE"
    assert "starting" in reply["error"]["message"]


async def test_a_worker_whose_database_is_down_answers_the_ping_and_names_the_database():
    """The edge tells "no worker" from "no database" by this field, not by a message's words."""
    deps = SimpleNamespace(started=asyncio.Event(), settings=Settings(_env_file=None, environment="development"))
    deps.unit_of_work = partial(database_unit_of_work, deps)
    deps.started.set()
    current_speaker.set(Speaker(broker_user="edge", is_edge=True))
    envelope = CommandEnvelope[Ping](actor={"type": "service", "id": "edge"}, data=Ping())
    reply = await ping(deps, envelope)  # type: ignore[arg-type]  # no Tortoise connection here
    assert reply["ok"] is True
    assert reply["data"]["database"] == "unavailable"
