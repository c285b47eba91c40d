"""A database that restarts fails commands with asyncpg's own errors (raised while the pool
opens a connection, not wrapped by Tortoise): the workers answer them as an outage, 503 that
the caller retries with its key, never as an internal error."""

from types import SimpleNamespace

import pytest
from asyncpg import exceptions as pg_errors
from tortoise.exceptions import OperationalError

from usersvc.workers.middleware import CommandMiddleware, Settle


def _rollback_on_a_closed_connection() -> Exception:
    """What a transaction's exit raises when PostgreSQL closed its connection mid-command: the
    rollback's own InterfaceError, raised while the query's (translated) failure was handled."""
    try:
        try:
            raise OperationalError("query failed") from pg_errors.ConnectionDoesNotExistError(
                "connection was closed in the middle of operation"
            )
        except OperationalError:
            raise pg_errors.InterfaceError(
                "cannot call Transaction.rollback(): the underlying connection is closed"
            ) from None
    except pg_errors.InterfaceError as raised:
        raised.__suppress_context__ = False
        return raised


@pytest.mark.parametrize(
    "error",
    [
        _rollback_on_a_closed_connection(),
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
