"""Creating admins outside the bus: the bootstrap admin of `migrate`/`run`, and `create-admin`."""

import asyncio
import logging
import uuid
from datetime import datetime, timezone

from tortoise import Tortoise
from tortoise.transactions import in_transaction

from domain.commands import CreateUser
from domain.passwords import PasswordHasher
from domain.rbac import Role
from usersvc.settings import Settings
from workers.db import tortoise_config
from workers.handlers.users import view_of
from workers.models import AuditLog, User

log = logging.getLogger(__name__)


async def create_admin(settings: Settings, *, email: str, username: str, password: str,
                       only_if_no_admin: bool) -> dict | None:
    """Validated like any user.create; audited as the service `bootstrap`."""
    command = CreateUser(username=username, email=email, password=password, first_name="Admin",
                         last_name="User", role=Role.ADMIN)
    password_hash = await asyncio.to_thread(PasswordHasher(rounds=settings.bcrypt_rounds).hash, password)
    await Tortoise.init(config=tortoise_config(settings.database_url, pool_size=2))
    try:
        async with in_transaction() as connection:
            if only_if_no_admin and await User.filter(role=Role.ADMIN, is_active=True, deleted_at=None) \
                    .using_db(connection).exists():
                return None
            if await User.filter(email=command.email).using_db(connection).exists() or \
                    await User.filter(username=command.username).using_db(connection).exists():
                raise ValueError("a user with that email or username already exists")
            user = await User.create(id=uuid.uuid4(), password_hash=password_hash, using_db=connection,
                                     **command.model_dump(exclude={"password"}))
            view = view_of(user)
            await AuditLog.create(actor_type="service", actor_id="bootstrap", action="user.create",
                                  entity_type="user", entity_id=view["id"], old_values=None, new_values=view,
                                  created_at=datetime.now(timezone.utc), using_db=connection)
        log.info("created admin %s", view["username"])
        return view
    finally:
        await Tortoise.close_connections()


async def bootstrap_admin(settings: Settings) -> None:
    if not (settings.bootstrap_admin_email and settings.bootstrap_admin_password):
        return
    await create_admin(settings, email=settings.bootstrap_admin_email, username=settings.bootstrap_admin_username,
                       password=settings.bootstrap_admin_password, only_if_no_admin=True)
