"""A database that restarts fails commands with asyncpg's own errors (raised while the pool
opens a connection, not wrapped by Tortoise): the workers answer them as an outage, 503 that
the caller retries with its key, never as an internal error."""

from types import SimpleNamespace

import pytest
from asyncpg import exceptions as pg_errors

from usersvc.workers.middleware import CommandMiddleware, Settle


@pytest.mark.parametrize(
    "error",
    [
        pg_errors.CannotConnectNowError("the database system is shutting down"),
        pg_errors.AdminShutdownError("terminating connection due to administrator command"),
        pg_errors.ConnectionDoesNotExistError("connection was closed in the middle of operation"),
        pg_errors.InternalClientError("cannot switch to state 15; another operation (2) is in progress"),
    ],
    ids=lambda error: type(error).__name__,
)
async def test_a_database_going_away_is_answered_as_an_outage(error):
    message = SimpleNamespace(
        reply_to="amq.gen-reply", message_id="m-1", user_id="edge", routing_key="user.update", expiration=None
    )
    settings = SimpleNamespace(edge_broker_user="edge", service_broker_users=())
    middleware = CommandMiddleware(message, context=SimpleNamespace(), settings=settings)

    async def command(_):
        raise error

    reply = await middleware.consume_scope(command, message)
    assert reply["error"]["code"] == "SERVICE_UNAVAILABLE"
    assert middleware.settle is Settle.ACK  # its caller waits: answered once, not redelivered
