"""The unit of work: one command, from who acts to what happens after its commit.

A write handler reads top to bottom:

    async with deps.unit_of_work(envelope) as uow:
        await uow.begin(locking=command.user_id)       # the transaction; the row locked
        rbac.authorize_delete(uow.principal, ...)      # check
        user = uow.target(command.user_id)
        user.deleted_at = uow.now                      # change, through the repositories
        uow.users.save(user, ["deleted_at"])
        uow.record(action="user.delete", ...)          # audit row and event
        await uow.commit(None)                         # the reply
    return uow.reply

The change, its audit rows, its outbox events and its processed-command record (the reply,
for idempotency) commit together, in one statement at the end (workers/repositories/records.py),
or not at all; the cache writes, the events and the mail relay's wake-up follow the commit.
A `DomainError` raised in the block is the reply (`RefuseAfterCommit`: after committing what
was done), and a refusal is remembered for a redelivery too; any other exception goes on up
to workers/middleware.py (an outage is a 503 there).

Slow work (bcrypt) runs in the block before `begin`, so no lock waits on it: `acting()`
says who acts then, and `replay()` answers a redelivery before any of it is spent.

`UnitOfWork` holds these rules; `DatabaseUnitOfWork` runs them on PostgreSQL through
Tortoise, and the fast tests run them on memory (tests/fast/memory.py). The repositories
(`uow.users`, `uow.sessions`, …; workers/repositories/) are the only code that speaks SQL.
"""

import contextlib
import hashlib
import hmac
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from types import TracebackType
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import orjson
from pydantic import BaseModel, ConfigDict
from tortoise import connections
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError
from tortoise.models import Model
from tortoise.transactions import in_transaction

from usersvc.domain.commands import Actor, Command, CommandContext
from usersvc.domain.errors import DomainError, ErrorCode
from usersvc.domain.rbac import Principal, Role
from usersvc.domain.replies import Reply
from usersvc.settings import Settings
from usersvc.workers.cache import CacheChanges
from usersvc.workers.message_scope import current_command_id, current_speaker
from usersvc.workers.models import OutboxEvent, ProcessedCommand, User
from usersvc.workers.outbox import new_event
from usersvc.workers.repositories.account_tokens import AccountTokensRepository
from usersvc.workers.repositories.analytics import AnalyticsRepository
from usersvc.workers.repositories.audit import AuditRepository
from usersvc.workers.repositories.identities import IdentitiesRepository
from usersvc.workers.repositories.mails import MailsRepository
from usersvc.workers.repositories.oauth import OAuthRepository
from usersvc.workers.repositories.passkeys import PasskeysRepository
from usersvc.workers.repositories.records import (
    PROCESSED_COMMAND_KEY,
    TAKEN,
    RowUpdate,
    constraint_of,
    records_statement,
    taken_code,
)
from usersvc.workers.repositories.second_factor import SecondFactorRepository
from usersvc.workers.repositories.sessions import SessionsRepository
from usersvc.workers.repositories.sign_ins import SignInsRepository
from usersvc.workers.repositories.signing_keys import SigningKeysRepository
from usersvc.workers.repositories.users import UsersRepository, user_not_found

if TYPE_CHECKING:
    from usersvc.workers.deps import WorkerDeps

C = TypeVar("C", bound=Command)


class CommandEnvelope(BaseModel, Generic[C]):
    """A command on the bus: who acts, what they ask, and where the request came from."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    actor: Actor
    data: C
    context: CommandContext = CommandContext()


class RefuseAfterCommit(DomainError):
    """A refusal whose changes so far must still commit (a reused refresh token revokes its
    session, and the caller is refused)."""


class AlreadyProcessed(Exception):
    """A twin's processed-command record committed first (its primary key let one in)."""


def record_key(message_id: str, actor: Actor) -> str:
    """The processed-command record's key: the message id within its caller's scope, which
    is the broker user and, for the edge, the actor it speaks for. So one caller can never
    pre-record a reply another will get, nor read another's (docs/api.md, "Bus"). A digest:
    any message id fits the column, and the scope's parts cannot run into each other."""
    speaker = current_speaker.get()
    scope = [speaker.broker_user, actor.type, actor.id] if speaker.is_edge else [speaker.broker_user]
    return hashlib.sha256(orjson.dumps([*scope, message_id])).hexdigest()


def fingerprint(command: Command, *, key: str) -> str:
    """Tells a redelivery from another command under the same id (and caller: record_key).
    Keyed (HMAC with SECRET_KEY): bodies may hold passwords, and a plain hash in a dump could
    be cracked."""
    body = orjson.dumps(command.model_dump(mode="json"), option=orjson.OPT_SORT_KEYS)
    return hmac.new(key.encode(), command.ROUTING_KEY.encode() + b"\n" + body, hashlib.sha256).hexdigest()


def principal_without_role(actor: Actor) -> Principal | None:
    """The principal when no role needs reading: a calling service, or the edge itself.

    A calling service is itself, with admin rights, whatever the body says (the broker
    verified who speaks: workers/identity.py). The edge speaks for the user in the body, whose
    current role is read on every command; on its own behalf (login, refresh, readiness) it
    has no rights."""
    speaker = current_speaker.get()
    if not speaker.is_edge:
        return Principal(kind="service", id=speaker.broker_user, role=Role.ADMIN)
    if actor.type == "service":
        return Principal(kind="service", id=speaker.broker_user, role=Role.USER)
    return None


def acting_user(actor: Actor, role: str | None) -> Principal:
    if role is None:
        raise DomainError(ErrorCode.UNAUTHENTICATED, "The acting user is unknown or inactive")
    return Principal(kind="user", id=str(uuid.UUID(actor.id)), role=Role(role))


def user_id_of(actor: Actor) -> uuid.UUID | None:
    try:
        return uuid.UUID(actor.id)
    except ValueError:
        return None


def _json_or_null(value: dict | None) -> str | None:
    return None if value is None else orjson.dumps(value).decode()


def refused(error: DomainError) -> dict:
    return Reply.failure(error).to_json_dict()


@dataclass(frozen=True)
class AfterCommit:
    """What follows a commit: the cache written through, the events published, the mail
    relay woken (WorkerDeps' own; the CLI's units have none)."""

    deps: "WorkerDeps | None"

    async def run(self, unit: "UnitOfWork") -> None:
        if self.deps is None:
            return
        await self.deps.cache.apply(unit.cache)
        self.deps.events.publish_soon(unit.events)
        if unit.mails_queued:
            self.deps.mail.wake()


class UnitOfWork:
    """One command's transaction and what it records; subclasses say where rows live."""

    users: UsersRepository
    sessions: SessionsRepository
    account_tokens: AccountTokensRepository
    second_factor: SecondFactorRepository
    mails: MailsRepository
    audit: AuditRepository
    signing_keys: SigningKeysRepository
    oauth: OAuthRepository
    passkeys: PasskeysRepository
    sign_ins: SignInsRepository
    identities: IdentitiesRepository
    analytics: AnalyticsRepository

    def __init__(
        self,
        *,
        settings: Settings,
        envelope: CommandEnvelope | None,
        after_commit: AfterCommit,
        idempotent: bool = True,
        principal: Principal | None = None,
    ) -> None:
        self.settings = settings
        self.envelope = envelope
        self._after_commit = after_commit
        self.command_id = current_command_id.get() if idempotent and envelope is not None else None
        self._record_id = record_key(self.command_id, envelope.actor) if envelope and self.command_id else None
        # Only what is recorded needs one (an HMAC of the body: not worth it on every read).
        self._fingerprint = fingerprint(envelope.data, key=settings.secret_key) if envelope and self._record_id else ""
        # Before begin(): who acts as read outside the transaction; after it, as read inside.
        self.principal: Principal = principal or Principal(kind="service", id="", role=Role.USER)
        self._principal_read = principal is not None
        self.context = CommandContext()
        self.now = datetime.now(UTC)
        self.locked_user: User | None = None
        self.cache = CacheChanges()
        self.events: list[OutboxEvent] = []
        self.mails_queued = False  # set by MailRelay.queue; the relay is woken after commit
        self.reply: dict = {}
        self._audit_rows: list[list] = []
        self._outbox_rows: list[list] = []
        self._began = self._closed = False

    # --- the transaction's life -------------------------------------------------------------

    async def __aenter__(self) -> "UnitOfWork":
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> bool:
        if self._began and not self._closed and isinstance(error, RefuseAfterCommit):
            try:
                await self._commit(refused(error))
                return True
            except Exception as later:  # the commit itself failed: that is the outcome
                error = later
        if self._began and not self._closed:
            self._closed = True
            await self._rollback()
            if error is None:
                raise RuntimeError("a unit of work began and neither committed nor refused")
        if isinstance(error, AlreadyProcessed):
            earlier = await self._earlier_reply()
            if earlier is None:  # the record that refused ours was there a moment ago
                raise RuntimeError(f"command {self.command_id}: its processed record vanished") from None
            self.reply = earlier
            return True
        if isinstance(error, DomainError):
            if self._record_id and (earlier := await self._earlier_reply()):
                self.reply = earlier  # a twin committed first; its success explains this refusal
                return True
            self.reply = refused(error)
            if self._record_id:  # a refused command gives the same refusal when delivered again
                await self._remember(self.reply)
            return True
        return False

    async def replay(self) -> bool:
        """A redelivery of a command that committed (or was refused) answers as it did then:
        asked first by commands whose slow work (bcrypt) a redelivery would repeat."""
        if self._record_id and (earlier := await self._earlier_reply()):
            self.reply = earlier
            return True
        return False

    async def acting(self) -> Principal:
        """Who acts, read outside the transaction (before slow work; begin() reads it again)."""
        if not self._principal_read and self.envelope is not None:
            actor = self.envelope.actor
            principal = principal_without_role(actor)
            if principal is None:
                actor_id = user_id_of(actor)
                principal = acting_user(actor, await self.users.actor_role(actor_id) if actor_id else None)
            self.principal = principal
        return self.principal

    async def begin(self, *, locking: uuid.UUID | None = None) -> None:
        """The transaction. `locking` names the user the command changes: its row is locked
        with the read of the actor's role, in one round trip, and found by target(). The
        command's authorization still comes first after this: a refused command held the
        lock only until its rollback."""
        await self._open()
        self._began = True
        self.now = datetime.now(UTC)
        if self.envelope is None:
            return
        self.context = current_speaker.get().trusted_context(self.envelope.context)
        actor = self.envelope.actor
        principal = principal_without_role(actor)
        actor_id = user_id_of(actor) if principal is None else None
        if locking is None:
            role = await self.users.actor_role(actor_id) if actor_id else None
        else:
            self.locked_user, role = await self.users.lock_with_actor_role(locking, actor_id)
        self.principal = principal or acting_user(actor, role)
        self._principal_read = True

    def target(self, user_id: uuid.UUID) -> User:
        """The user begin(locking=…) locked, or USER_NOT_FOUND."""
        if self.locked_user is None or self.locked_user.id != user_id:
            raise user_not_found(user_id)
        return self.locked_user

    async def commit(self, data: Any = None) -> None:
        """The reply is `data`. A write's changes, records and reply commit in one statement,
        then the cache, events and mail follow; a read (never begun) only answers."""
        reply = Reply.success(data).to_json_dict()
        if not self._began:
            self.reply = reply
            return
        await self._commit(reply)

    async def _commit(self, reply: dict) -> None:
        processed = (
            [self._record_id, self.envelope.data.ROUTING_KEY, self._fingerprint, orjson.dumps(reply).decode(), self.now]
            if self._record_id and self.envelope
            else None
        )
        await self._write(processed)
        self._closed = True
        await self._close()
        self.reply = reply
        await self._after_commit.run(self)

    # --- what a command records -------------------------------------------------------------

    def record(
        self,
        *,
        action: str,
        entity_id: str,
        old: dict | None,
        new: dict | None,
        event: str | None = None,
        event_data: dict | None = None,
        entity_type: str = "user",
    ) -> None:
        """An audit row, and the domain event with it (published after commit)."""
        principal = self.principal
        self._audit_rows.append(
            [
                principal.kind,
                principal.id,
                action,
                entity_type,
                entity_id,
                _json_or_null(old),
                _json_or_null(new),
                self.context.ip,
                self.context.user_agent,
                self.context.request_id,
                self.command_id,
                self.now,
            ]
        )
        if event:
            data = event_data if event_data is not None else new
            if data is None:
                raise ValueError(f"{event}: an event needs event_data or new values")
            outbox_event = new_event(event, data, now=self.now)
            self._outbox_rows.append(
                [outbox_event.id, outbox_event.routing_key, orjson.dumps(outbox_event.payload).decode(), self.now]
            )
            self.events.append(outbox_event)

    def save(self, model: Model, fields: list[str], *, touch: bool = True) -> None:
        """An UPDATE of `fields` (and updated_at, where the model has one and `touch`) of a
        row this command has locked, sent with the records at commit: nothing the command
        reads afterwards may depend on it. A unique rule it breaks is a DomainError then."""
        if touch and "updated_at" in model._meta.fields_map:
            fields = [*fields, "updated_at"]
        self._defer(model, fields)

    # --- where rows live: the subclass's ---------------------------------------------------

    async def _open(self) -> None:
        raise NotImplementedError

    async def _close(self) -> None:
        raise NotImplementedError

    async def _rollback(self) -> None:
        raise NotImplementedError

    def _defer(self, model: Model, fields: list[str]) -> None:
        raise NotImplementedError

    async def _write(self, processed: list | None) -> None:
        """The deferred updates, audit rows, outbox rows and the processed record: raises
        AlreadyProcessed when a twin's record is there, a DomainError for a taken name."""
        raise NotImplementedError

    async def _earlier_reply(self) -> dict | None:
        raise NotImplementedError

    async def _remember(self, reply: dict) -> None:
        raise NotImplementedError

    async def database_answers(self) -> bool:
        raise NotImplementedError


def earlier_reply_of(stored: tuple[str, dict | None] | None, command_fingerprint: str) -> dict | None:
    """The reply a processed record (its fingerprint, its reply) gives this command."""
    if stored is None:
        return None
    stored_fingerprint, reply = stored
    if stored_fingerprint != command_fingerprint:
        return refused(
            DomainError(
                ErrorCode.VALIDATION_ERROR, "This idempotency key / message_id was already used for a different command"
            )
        )
    return reply


class DatabaseUnitOfWork(UnitOfWork):
    """On PostgreSQL: one Tortoise transaction; the deferred writes go in one statement."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._transaction: Any = None
        self._connection: BaseDBAsyncClient | None = None
        self._updates: list[RowUpdate] = []
        self.users = UsersRepository(self)
        self.sessions = SessionsRepository(self)
        self.account_tokens = AccountTokensRepository(self)
        self.second_factor = SecondFactorRepository(self)
        self.mails = MailsRepository(self)
        self.audit = AuditRepository(self)
        self.signing_keys = SigningKeysRepository(self)
        self.oauth = OAuthRepository(self)
        self.passkeys = PasskeysRepository(self)
        self.sign_ins = SignInsRepository(self)
        self.identities = IdentitiesRepository(self)
        self.analytics = AnalyticsRepository(self)

    @property
    def connection(self) -> BaseDBAsyncClient:
        """The transaction's connection; before begin() (and after), the pool's."""
        return self._connection or connections.get("default")

    async def _open(self) -> None:
        self._transaction = in_transaction()
        self._connection = await self._transaction.__aenter__()

    async def _close(self) -> None:
        transaction, self._transaction, self._connection = self._transaction, None, None
        await transaction.__aexit__(None, None, None)

    async def _rollback(self) -> None:
        transaction, self._transaction, self._connection = self._transaction, None, None
        if transaction is not None:
            # Tortoise's transaction context rolls back when it is left with an exception.
            await transaction.__aexit__(RuntimeError, RuntimeError("rolled back"), None)

    def _defer(self, model: Model, fields: list[str]) -> None:
        update = RowUpdate.of(model, fields)
        # One statement may change a row only once (PostgreSQL keeps one of two changes).
        for index, pending in enumerate(self._updates):
            if (pending.table, pending.key) == (update.table, update.key):
                update = RowUpdate(update.table, update.key_column, update.key, {**pending.values, **update.values})
                del self._updates[index]
                break
        self._updates.append(update)

    async def _write(self, processed: list | None) -> None:
        if not (self._audit_rows or self._outbox_rows or self._updates or processed):
            return
        sql, params = records_statement(self._audit_rows, self._outbox_rows, processed, self._updates)
        self._audit_rows, self._outbox_rows, self._updates = [], [], []
        try:
            await self.connection.execute_query(sql, params)
        except IntegrityError as error:
            if processed and constraint_of(error) == PROCESSED_COMMAND_KEY:
                raise AlreadyProcessed from None
            # any but a taken email or username goes on up
            raise DomainError(taken_code(error), TAKEN) from None

    async def _earlier_reply(self) -> dict | None:
        earlier = await ProcessedCommand.filter(id=self._record_id).first()
        return earlier_reply_of((earlier.fingerprint, earlier.reply) if earlier else None, self._fingerprint)

    async def _remember(self, reply: dict) -> None:
        if self.envelope is None:
            return
        with contextlib.suppress(IntegrityError):  # a twin recorded it first
            await ProcessedCommand.create(
                id=self._record_id,
                routing_key=self.envelope.data.ROUTING_KEY,
                fingerprint=self._fingerprint,
                reply=reply,
            )

    async def database_answers(self) -> bool:
        try:
            await connections.get("default").execute_query("SELECT 1")
        except Exception:
            return False
        return True


def database_unit_of_work(deps: "WorkerDeps", envelope: CommandEnvelope, *, idempotent: bool) -> UnitOfWork:
    return DatabaseUnitOfWork(
        settings=deps.settings, envelope=envelope, after_commit=AfterCommit(deps), idempotent=idempotent
    )


def reading(settings: Settings) -> UnitOfWork:
    """Reads outside any command and transaction (the CLI's), through the repositories."""
    return DatabaseUnitOfWork(settings=settings, envelope=None, after_commit=AfterCommit(None))


@asynccontextmanager
async def outside_a_command(settings: Settings, principal: Principal) -> AsyncIterator[UnitOfWork]:
    """Work the CLI runs itself (bootstrap admin, import, key operations): no message id, no
    request context, no cache or events after commit (the caller applies `unit.cache`).
    Commits when the block ends; an exception rolls back and goes on up."""
    unit = DatabaseUnitOfWork(settings=settings, envelope=None, after_commit=AfterCommit(None), principal=principal)
    await unit.begin()
    try:
        yield unit
        await unit._commit({})
    except BaseException:
        if not unit._closed:
            unit._closed = True
            await unit._rollback()
        raise
