"""A worker connected to the broker whose queue lost its consumer (aio-pika, reconnecting to
another node, now and then leaves consumers behind): it asks for the consumers to be
restored, and gives up (the process exits) if they are not back in time."""

import asyncio
from types import SimpleNamespace

from usersvc.broker_failover import keep_consuming, missing_consumers


def fake_broker(*, consuming: set[str]) -> SimpleNamespace:
    channel = SimpleNamespace(is_closed=False, consumers={tag: object() for tag in consuming})
    subscribers = [
        SimpleNamespace(
            _queue_obj=SimpleNamespace(
                name=f"usersvc.{tag}", channel=SimpleNamespace(_channel=SimpleNamespace(channel=channel))
            ),
            _consumer_tag=tag,
        )
        for tag in ("user.get", "user.update")
    ]
    connection = SimpleNamespace(
        connected=asyncio.Event(),
        reconnecting=False,
        transport=SimpleNamespace(connection=SimpleNamespace(is_closed=False)),
        recoveries=0,
    )
    connection.connected.set()

    def request_recovery() -> None:
        connection.recoveries += 1
        channel.consumers.update({tag: object() for tag in ("user.get", "user.update")} if connection.heals else {})

    connection._request_recovery = request_recovery
    connection.heals = False
    return SimpleNamespace(subscribers=subscribers, _connection=connection, channel=channel)


def test_a_queue_without_its_consumer_is_named():
    broker = fake_broker(consuming={"user.get"})
    assert missing_consumers(broker) == ["usersvc.user.update"]  # type: ignore[arg-type]


async def test_lost_consumers_are_restored_and_the_worker_keeps_running():
    broker = fake_broker(consuming={"user.get"})
    broker._connection.heals = True
    gave_up = []
    task = asyncio.create_task(
        keep_consuming(broker, every=0.01, give_up_after=0.2, give_up=lambda: gave_up.append(True))  # type: ignore[arg-type]
    )
    await asyncio.sleep(0.4)
    task.cancel()
    assert broker._connection.recoveries == 1 and not gave_up
    assert missing_consumers(broker) == []  # type: ignore[arg-type]


async def test_a_worker_whose_consumers_do_not_come_back_gives_up():
    broker = fake_broker(consuming=set())
    gave_up = []
    await asyncio.wait_for(
        keep_consuming(broker, every=0.01, give_up_after=0.1, give_up=lambda: gave_up.append(True)),  # type: ignore[arg-type]
        timeout=5,
    )
    assert gave_up == [True] and broker._connection.recoveries == 1


async def test_nothing_is_asked_while_the_connection_is_down():
    broker = fake_broker(consuming=set())
    broker._connection.connected.clear()  # aio-pika reconnects, and restores consumers itself
    gave_up = []
    task = asyncio.create_task(
        keep_consuming(broker, every=0.01, give_up_after=0.05, give_up=lambda: gave_up.append(True))  # type: ignore[arg-type]
    )
    await asyncio.sleep(0.2)
    task.cancel()
    assert broker._connection.recoveries == 0 and not gave_up
