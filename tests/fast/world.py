"""A worker on memory: the real handlers with their WorkerDeps, where the database is a
`Store` (tests/fast/memory.py), the cache and the event publisher record what they are
given, and mails are read back from the outbox. `World.send` runs a command as a worker
does after CommandMiddleware has identified who speaks."""

import asyncio
import functools
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
from tortoise import Tortoise

from tests.fast.memory import Store, memory_units
from usersvc.cache_keys import changed_dependencies
from usersvc.domain.commands import Actor, Command, CommandContext
from usersvc.domain.oauth import ClientSecretDigester
from usersvc.domain.opaque_tokens import opaque_token_digest
from usersvc.domain.passwords import PasswordHasher
from usersvc.domain.rbac import Role
from usersvc.secret_box import SecretBox
from usersvc.settings import Settings
from usersvc.signing_keys import generate_key, signing_key_box
from usersvc.tokens import TokenIssuer
from usersvc.workers.app import HANDLERS
from usersvc.workers.deps import WorkerDeps
from usersvc.workers.identity import Speaker
from usersvc.workers.mail_outbox import MailRelay
from usersvc.workers.mail_render import load_templates
from usersvc.workers.mail_transport import LogTransport
from usersvc.workers.message_scope import current_command_id, current_speaker
from usersvc.workers.models import SigningKey, User
from usersvc.workers.signing_keys import CurrentSigningKey
from usersvc.workers.unit_of_work import CommandEnvelope

SECRET_KEY = "fast-tier-secret-key-" + "x" * 40
PASSWORD = "Passw0rd!"  # every user's made by World.user
EDGE = "usersvc-edge"


@functools.cache
def _shared() -> tuple[PasswordHasher, str, dict, Any, Any]:
    """What every World may share, made once: a hasher, PASSWORD's hash, the mail templates
    and the two signing keys (each costs milliseconds, and a World is made per test)."""
    hasher = PasswordHasher(rounds=4)
    box = signing_key_box(SECRET_KEY)
    return (
        hasher,
        hasher.hash(PASSWORD),
        load_templates(""),
        generate_key("EdDSA", box=box),
        generate_key("RS256", box=box),
    )


def new_profile(name: str, **overrides: Any) -> dict:
    """The fields of a new account, as user.create and auth.register take them."""
    values = {"username": name, "email": f"{name}@example.com", "password": PASSWORD, "first_name": "New"}
    return {**values, "last_name": "Doe", **overrides}


def fast_settings(**overrides: Any) -> Settings:
    """Settings that name servers on closed ports: nothing here may connect to any."""
    values = {
        "environment": "development",
        "secret_key": SECRET_KEY,
        "bcrypt_rounds": 4,
        "database_url": "postgres://nobody:nothing@127.0.0.1:9/none",
        "redis_url": "redis://127.0.0.1:9/0",
        "rabbitmq_url": "amqp://nobody:nothing@127.0.0.1:9/none",
        "bus_edge_user": EDGE,
        "bus_services": "billing,migrator",
        "allow_registration": True,
        "public_url": "https://users.example.com",
        **overrides,
    }
    return Settings(_env_file=None, **values)


async def models_ready() -> None:
    """Tortoise builds the models' relations (the `user_id` of a session) when it starts;
    SQLite in memory with no tables: a query that slipped past the fake repositories fails."""
    if not Tortoise._inited:
        await Tortoise.init(db_url="sqlite://:memory:", modules={"models": ["usersvc.workers.models"]})


class MemoryCache:
    """WorkerCache's interface, kept in a dict; `applied` holds every committed change set."""

    def __init__(self) -> None:
        self.users: dict[str, dict] = {}
        self.sessions: dict[str, dict | None] = {}
        self.pages: list[dict] = []
        self.applied: list = []
        self.login_holds: dict[str, int] = {}  # user id → milliseconds held back
        self.generations = 0

    async def fill_user(self, view: dict) -> None:
        self.users.setdefault(view["id"], view)

    async def list_generations(self, dependencies: list[str]) -> str:
        return ".".join(str(self.generations) for _ in dependencies)

    async def fill_page(self, *, generations: str, query: dict, page: dict) -> None:
        self.pages.append({"generations": generations, "query": query, "page": page})

    async def check_login(self, *, identifier: str, user_id: object | None, client: str | None) -> int:
        return self.login_holds.get(str(user_id), 0)

    async def fill_session(self, session_id: str, entry: dict | None) -> None:
        self.sessions.setdefault(session_id, entry)

    async def apply(self, changes: Any) -> None:
        self.applied.append(changes)
        for view in changes.users:
            self.users[view["id"]] = view
        for user_id in changes.deleted_users:
            self.users[user_id] = {"deleted": True}
        self.sessions.update(changes.sessions)
        if changes.list_dependencies():
            self.generations += 1


class MemoryEvents:
    def __init__(self) -> None:
        self.published: list[dict] = []

    def publish_soon(self, events: list) -> None:
        self.published.extend(event.payload for event in events)


class World:
    """One worker's handlers over one Store; `send` runs a command, `user` seeds a user."""

    def __init__(self, **settings: Any) -> None:
        self.settings = fast_settings(**settings)
        self.store = Store()
        self.cache = MemoryCache()
        self.events = MemoryEvents()
        hasher, self._password_hash, templates, key, id_token_key = _shared()
        self.mail = MailRelay(
            transport=LogTransport(),
            templates=templates,
            secret_key=self.settings.secret_key,
            sender="usersvc@example.com",
            retry_seconds=1,
            max_attempts=3,
        )
        self.deps = WorkerDeps(
            settings=self.settings,
            cache=self.cache,  # type: ignore[arg-type]
            hasher=hasher,
            tokens=TokenIssuer(
                issuer=self.settings.token_issuer,
                audience=self.settings.jwt_audience,
                access_minutes=self.settings.access_token_expire_minutes,
                refresh_minutes=self.settings.refresh_token_expire_minutes,
            ),
            signing_key=CurrentSigningKey(signing_key_box(self.settings.secret_key)),
            events=self.events,  # type: ignore[arg-type]
            mail=self.mail,
            client_secrets=ClientSecretDigester(self.settings.secret_key),
            units=memory_units(self.store),
        )
        self.deps.started.set()
        for signer in (key, id_token_key):
            self.store.signing_keys[signer.kid] = SigningKey(
                kid=signer.kid,
                algorithm=signer.algorithm,
                public_jwk=signer.public_jwk,
                private_key=signer.sealed_private_key,
                created_at=datetime.now(UTC),
            )

    # --- seeding ------------------------------------------------------------------------------

    def user(self, role: str = "user", **fields: Any) -> User:
        """A stored user (password PASSWORD), as if created long ago."""
        name = fields.pop("username", None) or f"u_{uuid.uuid4().hex[:10]}"
        created = datetime.now(UTC) - timedelta(days=1)
        user = User(
            id=uuid.uuid4(),
            username=name,
            email=fields.pop("email", f"{name.lower()}@example.com"),
            password_hash=fields.pop("password_hash", self._password_hash),
            first_name=fields.pop("first_name", "First"),
            last_name=fields.pop("last_name", "Last"),
            phone=fields.pop("phone", None),
            role=Role(role),
            is_active=fields.pop("is_active", True),
            email_verified=fields.pop("email_verified", False),
            email_ever_verified=fields.pop("email_ever_verified", fields.get("email_ever_verified", False)),
            mfa_enabled=fields.pop("mfa_enabled", False),
            last_login_at=None,
            deleted_at=fields.pop("deleted_at", None),
            created_at=created,
            updated_at=created,
            **fields,
        )
        self.store.users[user.id] = user
        return user

    def stored(self, user: User | str | uuid.UUID) -> User:
        user_id = user.id if isinstance(user, User) else uuid.UUID(str(user))
        return self.store.users[user_id]

    # --- running commands ---------------------------------------------------------------------

    async def send(
        self,
        command: Command,
        *,
        as_user: User | str | None = None,
        service: str | None = None,
        edge_itself: bool = False,
        message_id: str | None = None,
        context: CommandContext | None = None,
    ) -> dict:
        """The reply to `command`: from the edge for `as_user`, or from the edge on its own
        behalf (`edge_itself`), or from the calling service `service` (its broker user)."""
        if service is not None:
            speaker, actor = Speaker(broker_user=service, is_edge=False), Actor(type="service", id=service)
        elif edge_itself or as_user is None:
            speaker, actor = Speaker(broker_user=EDGE, is_edge=True), Actor(type="service", id="edge")
        else:
            user_id = str(as_user.id) if isinstance(as_user, User) else str(as_user)
            speaker, actor = Speaker(broker_user=EDGE, is_edge=True), Actor(type="user", id=user_id)
        envelope = CommandEnvelope[type(command)](actor=actor, data=command, context=context or CommandContext())  # type: ignore[misc]
        return await asyncio.create_task(self._run(command, envelope, speaker, message_id or str(uuid.uuid4())))

    async def _run(self, command: Command, envelope: CommandEnvelope, speaker: Speaker, message_id: str) -> dict:
        # A task of its own: the context variables are this command's, as per message in a worker.
        current_speaker.set(speaker)
        current_command_id.set(message_id)
        reply = await HANDLERS[type(command)](self.deps, envelope)
        return orjson.loads(orjson.dumps(reply))  # as it goes on the wire

    async def ok(self, command: Command, **kwargs: Any) -> Any:
        reply = await self.send(command, **kwargs)
        assert reply["ok"], reply
        return reply["data"]

    async def refused(self, command: Command, code: str, **kwargs: Any) -> dict:
        reply = await self.send(command, **kwargs)
        assert not reply["ok"], reply
        assert reply["error"]["code"] == code, reply
        return reply["error"]

    # --- what happened ------------------------------------------------------------------------

    def mails(self, template: str | None = None) -> list[dict]:
        """The queued mails, opened: {"template", "to", "values"}."""
        box = SecretBox(self.settings.secret_key, purpose="mail")
        opened = [{"template": mail["template"], **orjson.loads(box.open(mail["sealed"]))} for mail in self.store.mails]
        return [mail for mail in opened if template is None or mail["template"] == template]

    def link_token(self, template: str, to: str) -> str:
        """The token in the newest link mailed to `to` with `template`."""
        (*_, mail) = [mail for mail in self.mails(template) if mail["to"] == to]
        return mail["values"]["link"].split("token=", 1)[1]

    def account_token_row(self, token: str) -> Any:
        digest = opaque_token_digest(token)
        return next(row for row in self.store.account_tokens.values() if row.token_hash == digest)


def moved(old: dict | None, new: dict) -> set[str]:
    return changed_dependencies(old, new)
