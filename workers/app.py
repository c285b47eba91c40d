"""The worker process: one FastStream app, its routers, and what it opens and closes."""

import asyncio
import logging

from faststream import FastStream
from faststream.rabbit import ExchangeType, RabbitBroker, RabbitExchange, RabbitQueue
from redis.asyncio import Redis
from tortoise import Tortoise
from usersvc.domain.passwords import PasswordHasher
from usersvc.workers.cache import WorkerCache
from usersvc.workers.db import tortoise_config
from usersvc.workers.db_role_guard import refuse_privileged_role
from usersvc.workers.deps import WorkerDeps, current_deps, install
from usersvc.workers.handlers.audit import audit_router
from usersvc.workers.handlers.auth import auth_router
from usersvc.workers.handlers.sessions import sessions_router
from usersvc.workers.handlers.users import users_router
from usersvc.workers.housekeeping import prune_forever
from usersvc.workers.middleware import CommandMiddleware
from usersvc.workers.outbox import EventPublisher
from usersvc.workers.queue_upgrade import recreate_changed_queues

from usersvc.settings import Settings
from usersvc.tokens import TokenCodec
from usersvc.topology import (
    DEAD_LETTER_EXCHANGE,
    DEAD_LETTER_QUEUE,
    EVENTS_EXCHANGE,
    dead_letter_queue_arguments,
)

EVENTS = RabbitExchange(EVENTS_EXCHANGE, type=ExchangeType.TOPIC, durable=True)
DEAD_LETTERS = RabbitExchange(DEAD_LETTER_EXCHANGE, type=ExchangeType.FANOUT, durable=True)


def create_broker(settings: Settings) -> RabbitBroker:
    # Per-message logs at DEBUG: at INFO they cost a fifth of the worker's CPU.
    broker = RabbitBroker(settings.rabbitmq_url, middlewares=[CommandMiddleware], log_level=logging.DEBUG,
                          logger=logging.getLogger("workers.broker"),
                          description="usersvc commands: publish to usersvc.commands, reply_to for answers")
    for router in (users_router, auth_router, sessions_router, audit_router):
        broker.include_router(router(prefetch=settings.worker_prefetch))
    return broker


def create_worker_app(settings: Settings) -> FastStream:
    broker = create_broker(settings)
    app = FastStream(broker, logger=logging.getLogger("workers.app"))
    background: list[asyncio.Task] = []
    redis = Redis.from_url(settings.redis_url)

    @app.on_startup
    async def open_resources() -> None:
        expected = {subscriber.queue.name: subscriber.queue.arguments for subscriber in broker.subscribers}
        await recreate_changed_queues(settings.rabbitmq_url,
                                      {**expected, DEAD_LETTER_QUEUE: dead_letter_queue_arguments()})
        await Tortoise.init(config=tortoise_config(settings.database_url, pool_size=settings.database_pool_size))
        await refuse_privileged_role(settings.environment)
        install(WorkerDeps(
            settings=settings,
            cache=WorkerCache.for_settings(redis, settings),
            hasher=PasswordHasher(rounds=settings.bcrypt_rounds),
            tokens=TokenCodec(secret=settings.jwt_secret,
                              access_minutes=settings.access_token_expire_minutes,
                              refresh_minutes=settings.refresh_token_expire_minutes),
            events=EventPublisher(broker, EVENTS),
        ))

    @app.after_startup
    async def declare_and_relay() -> None:
        await current_deps().events.declare()
        await broker.declare_exchange(DEAD_LETTERS)
        dead_letter_queue = await broker.declare_queue(
            RabbitQueue(DEAD_LETTER_QUEUE, durable=True, arguments=dead_letter_queue_arguments()))
        await dead_letter_queue.bind(DEAD_LETTER_EXCHANGE)
        background.append(asyncio.create_task(current_deps().events.relay_forever()))
        background.append(asyncio.create_task(prune_forever()))

    @app.after_shutdown
    async def close_resources() -> None:
        for task in background:
            task.cancel()
        await redis.aclose()
        await Tortoise.close_connections()

    return app
