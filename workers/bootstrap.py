"""Admins made outside the bus: the bootstrap admin of `migrate`/`run`, and `create-admin`.

They go through the work of the `user.create` command itself (workers/handlers/users.py
`insert_user`): the same validation and uniqueness rules, an audit row by the service
`bootstrap`, and a `user.created` event in the outbox, which a worker's relay publishes
within seconds (no broker connection is needed here).
"""

import asyncio
import logging

from usersvc.domain.commands import CreateUser
from usersvc.domain.passwords import PasswordHasher
from usersvc.domain.rbac import Principal, Role
from usersvc.redis_client import connect_redis
from usersvc.settings import Settings
from usersvc.workers.cache import WorkerCache
from usersvc.workers.db import connected
from usersvc.workers.repositories.users import insert_user
from usersvc.workers.unit_of_work import UnitOfWork, outside_a_command

log = logging.getLogger(__name__)
BOOTSTRAP = Principal(kind="service", id="bootstrap", role=Role.ADMIN)


async def create_admin(
    settings: Settings, *, email: str, username: str, password: str, only_if_no_admin: bool
) -> dict | None:
    """Raises pydantic's ValidationError or a DomainError (e.g. EMAIL_TAKEN) when refused."""
    command = CreateUser(
        username=username, email=email, password=password, first_name="Admin", last_name="User", role=Role.ADMIN
    )
    password_hash = await asyncio.to_thread(PasswordHasher(rounds=settings.bcrypt_rounds).hash, password)
    async with connected(settings.database_url), outside_a_command(settings, BOOTSTRAP) as unit:
        if only_if_no_admin and await unit.users.active_admin_exists():
            return None
        view = await insert_user(unit, command, password_hash=password_hash)
    await apply_cache_changes(settings, unit)
    log.info("created admin %s", view["username"])
    return view


async def apply_cache_changes(settings: Settings, unit: UnitOfWork) -> None:
    """Cached list pages must show the new admin at once, as after any user.create."""
    redis = connect_redis(settings.redis_url)
    cache = WorkerCache.for_settings(redis, settings)
    try:
        await cache.apply(unit.cache)
    finally:
        await cache.aclose()
        await redis.aclose()


async def bootstrap_admin(settings: Settings) -> None:
    if not (settings.bootstrap_admin_email and settings.bootstrap_admin_password):
        return
    await create_admin(
        settings,
        email=settings.bootstrap_admin_email,
        username=settings.bootstrap_admin_username,
        password=settings.bootstrap_admin_password,
        only_if_no_admin=True,
    )
