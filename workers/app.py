"""The worker process: one FastStream app, its routers, and what it opens and closes."""

import asyncio
import logging
import os

from faststream import FastStream
from faststream.rabbit import ExchangeType, RabbitBroker, RabbitExchange, RabbitQueue
from redis.asyncio import Redis

from usersvc.broker_failover import ClusterBroker, keep_consuming
from usersvc.domain.oauth import ClientSecretDigester
from usersvc.domain.passwords import PasswordHasher
from usersvc.metrics_access import MetricsAccess
from usersvc.redis_client import connect_redis
from usersvc.settings import Settings
from usersvc.signing_keys import signing_key_box
from usersvc.tokens import TokenIssuer
from usersvc.topology import (
    DEAD_LETTER_EXCHANGE,
    DEAD_LETTER_QUEUE,
    EVENTS_EXCHANGE,
    dead_letter_queue_arguments,
)
from usersvc.workers.analytics_rollup import roll_up_forever
from usersvc.workers.cache import WorkerCache
from usersvc.workers.db import close_database, open_database
from usersvc.workers.db_role_guard import refuse_privileged_role, require_signing_key
from usersvc.workers.deps import WorkerDeps
from usersvc.workers.handlers import (
    account,
    account_security,
    analytics,
    audit,
    auth,
    identities,
    identity_providers,
    mfa,
    oauth_authorize,
    oauth_clients,
    oauth_sessions,
    oauth_tokens,
    passkeys,
    sessions,
    signing_keys,
    system,
    user_import,
    users,
)
from usersvc.workers.housekeeping import prune_forever
from usersvc.workers.mail_outbox import MailRelay
from usersvc.workers.mail_render import load_templates
from usersvc.workers.mail_transport import LogTransport, SmtpTransport
from usersvc.workers.metrics import serve_metrics
from usersvc.workers.middleware import command_middleware
from usersvc.workers.outbox import EventPublisher
from usersvc.workers.queue_upgrade import recreate_changed_queues
from usersvc.workers.routing import Handlers, command_router
from usersvc.workers.signing_keys import CurrentSigningKey

# Every command the workers answer, by area (workers/handlers/).
HANDLERS: Handlers = {
    **users.HANDLERS,
    **auth.HANDLERS,
    **sessions.HANDLERS,
    **audit.HANDLERS,
    **account.HANDLERS,
    **mfa.HANDLERS,
    **user_import.HANDLERS,
    **signing_keys.HANDLERS,
    **oauth_clients.HANDLERS,
    **system.HANDLERS,
    **oauth_authorize.HANDLERS,
    **oauth_tokens.HANDLERS,
    **oauth_sessions.HANDLERS,
    **passkeys.HANDLERS,
    **account_security.HANDLERS,
    **identity_providers.HANDLERS,
    **identities.HANDLERS,
    **analytics.HANDLERS,
}
log = logging.getLogger("workers.app")
EVENTS = RabbitExchange(EVENTS_EXCHANGE, type=ExchangeType.TOPIC, durable=True)
DEAD_LETTERS = RabbitExchange(DEAD_LETTER_EXCHANGE, type=ExchangeType.FANOUT, durable=True)


def create_broker(settings: Settings) -> RabbitBroker:
    """The connection and middleware; the command routes are added by create_worker_app."""
    # Per-message logs at DEBUG: at INFO they cost a fifth of the worker's CPU.
    return ClusterBroker(  # RABBITMQ_URL may list several nodes of a cluster
        settings.rabbitmq_url,
        middlewares=[command_middleware(settings)],
        log_level=logging.DEBUG,
        logger=logging.getLogger("workers.broker"),
        description="usersvc commands: publish to usersvc.commands, reply_to for answers",
    )


def create_mail_relay(settings: Settings) -> MailRelay:
    """Raises MailTemplateError when a template cannot be used."""
    endpoint = settings.smtp_endpoint
    return MailRelay(
        transport=SmtpTransport(endpoint) if endpoint else LogTransport(),
        templates=load_templates(settings.mail_templates_dir),
        secret_key=settings.secret_key,
        sender=settings.mail_from,
        retry_seconds=settings.mail_retry_seconds,
        max_attempts=settings.mail_max_attempts,
    )


def create_worker_deps(settings: Settings, broker: RabbitBroker, redis: Redis) -> WorkerDeps:
    """Connects to nothing: what needs a connection opens it at start-up (create_worker_app).
    Raises MailTemplateError when a mail template cannot be used."""
    return WorkerDeps(
        settings=settings,
        cache=WorkerCache.for_settings(redis, settings),
        hasher=PasswordHasher(rounds=settings.bcrypt_rounds),
        tokens=TokenIssuer(
            issuer=settings.token_issuer,
            audience=settings.jwt_audience,
            access_minutes=settings.access_token_expire_minutes,
            refresh_minutes=settings.refresh_token_expire_minutes,
        ),
        signing_key=CurrentSigningKey(signing_key_box(settings.secret_key)),
        events=EventPublisher(broker, EVENTS),
        mail=create_mail_relay(settings),
        client_secrets=ClientSecretDigester(settings.secret_key),
    )


async def exit_unless_started(started: asyncio.Event, *, seconds: float) -> None:
    """Ends the process when its start-up does not finish in time. A broker node lost while
    a worker is starting can leave the start waiting on a channel that never comes back, or
    fail it while aio-pika's reconnect task keeps the process alive: either way the worker
    would stay up without consuming. Exiting lets its supervisor start it afresh."""
    try:
        await asyncio.wait_for(started.wait(), seconds)
    except TimeoutError:
        log.critical("the worker did not finish starting within %s s (WORKER_START_TIMEOUT_SECONDS); exiting", seconds)
        logging.shutdown()
        os._exit(1)


def create_worker_app(settings: Settings) -> FastStream:
    broker = create_broker(settings)
    redis = connect_redis(settings.redis_url)
    deps = create_worker_deps(settings, broker, redis)  # a broken mail template stops the worker here
    broker.include_router(command_router(deps, HANDLERS))
    app = FastStream(broker, logger=logging.getLogger("workers.app"))
    background: list[asyncio.Task] = []

    @app.on_startup
    async def open_resources() -> None:
        background.append(
            asyncio.create_task(exit_unless_started(deps.started, seconds=settings.worker_start_timeout_seconds))
        )
        # Every subscriber here is a RabbitMQ one, with a queue (the base type does not say so).
        expected = {
            subscriber.queue.name: subscriber.queue.arguments  # type: ignore[attr-defined]
            for subscriber in broker.subscribers
        }
        await recreate_changed_queues(
            settings.rabbitmq_url, {**expected, DEAD_LETTER_QUEUE: dead_letter_queue_arguments()}
        )
        await open_database(settings.database_url, pool_size=settings.database_pool_size)
        await refuse_privileged_role(settings.environment)
        await require_signing_key(deps.signing_key)

    @app.after_startup
    async def declare_and_relay() -> None:
        if settings.worker_metrics_port:
            serve_metrics(host=settings.host, port=settings.worker_metrics_port, access=MetricsAccess.of(settings))
        await deps.events.declare()
        await broker.declare_exchange(DEAD_LETTERS)
        dead_letter_queue = await broker.declare_queue(
            # The queue type is in the arguments, as for the command queues (workers/routing.py).
            RabbitQueue(DEAD_LETTER_QUEUE, durable=True, arguments=dead_letter_queue_arguments())  # type: ignore[call-overload]
        )
        await dead_letter_queue.bind(DEAD_LETTER_EXCHANGE)
        background.append(asyncio.create_task(deps.events.relay_forever()))
        background.append(asyncio.create_task(prune_forever()))
        background.append(asyncio.create_task(roll_up_forever()))
        background.append(asyncio.create_task(deps.mail.run_forever()))
        background.append(asyncio.create_task(keep_consuming(broker)))
        deps.started.set()  # after_startup runs once the broker has started every subscriber

    @app.on_shutdown  # before the broker closes
    async def finish_publishing() -> None:
        await deps.events.drain(timeout=5)

    @app.after_shutdown
    async def close_resources() -> None:
        for task in background:
            task.cancel()
        await deps.cache.aclose()
        await redis.aclose()
        await close_database()

    return app
