"""Running a command: who is acting, one transaction, idempotency, audit, events, cache.

A write runs as one unit: the change, its audit rows, its outbox events and its
processed-command record commit together or not at all. Cache updates and event
publishing happen only after that commit.
"""

import contextlib
import functools
import hashlib
import hmac
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

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
from usersvc.workers.cache import CacheChanges
from usersvc.workers.deps import WorkerDeps
from usersvc.workers.message_scope import current_command_id, current_speaker
from usersvc.workers.models import OutboxEvent, ProcessedCommand, User
from usersvc.workers.outbox import new_event
from usersvc.workers.user_lock import ACTOR_ROLE, lock_live_user_and_actor_role, user_not_found

C = TypeVar("C", bound=Command)


class CommandEnvelope(BaseModel, Generic[C]):
    """A command on the bus: who acts, what they ask, and where the request came from."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    actor: Actor
    data: C
    context: CommandContext = CommandContext()


async def resolve_principal(actor: Actor, *, using_db: BaseDBAsyncClient | None = None) -> Principal:
    """Who acts, from the broker-verified speaker (workers/identity.py) and the body's actor.

    A calling service is itself, with admin rights, whatever the body says. The edge speaks
    for the user in the body, whose current role is read on every command (plain SQL: it is
    on every path); on its own behalf (login, refresh, readiness) it has no rights.
    """
    if (principal := _principal_without_role(actor)) is not None:
        return principal
    connection = using_db or connections.get("default")
    rows = await connection.execute_query_dict(ACTOR_ROLE, [actor.id]) if _is_uuid(actor.id) else []
    return _acting_user(actor, rows[0]["role"] if rows else None)


async def _resolve_principal_and_lock(
    actor: Actor, user_id: uuid.UUID, connection: BaseDBAsyncClient
) -> tuple[Principal, User | None]:
    """resolve_principal, and the lock of the live user `user_id`, in one round trip."""
    principal = _principal_without_role(actor)
    actor_id = uuid.UUID(actor.id) if principal is None and _is_uuid(actor.id) else None
    user, role = await lock_live_user_and_actor_role(connection, user_id=user_id, actor_id=actor_id)
    return principal or _acting_user(actor, role), user


def _principal_without_role(actor: Actor) -> Principal | None:
    """The principal when no role needs reading: a calling service, or the edge itself."""
    speaker = current_speaker.get()
    if not speaker.is_edge:
        return Principal(kind="service", id=speaker.broker_user, role=Role.ADMIN)
    if actor.type == "service":
        return Principal(kind="service", id=speaker.broker_user, role=Role.USER)
    return None


def _acting_user(actor: Actor, role: str | None) -> Principal:
    if role is None:
        raise DomainError(ErrorCode.UNAUTHENTICATED, "The acting user is unknown or inactive")
    return Principal(kind="user", id=str(uuid.UUID(actor.id)), role=Role(role))


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


# Plain SQL: a command's audit rows, its outbox events and its processed-command record go to
# PostgreSQL in one statement at the end of its transaction (the ORM took a round trip each).
# Columns as in workers/models.py; the jsonb ones are sent as JSON text.
AUDIT_COLUMNS = (
    "actor_type", "actor_id", "action", "entity_type", "entity_id", "old_values::jsonb",
    "new_values::jsonb", "ip_address", "user_agent", "request_id", "command_id", "created_at",
)  # fmt: skip
OUTBOX_COLUMNS = ("id", "routing_key", "payload::jsonb", "created_at")
PROCESSED_COLUMNS = ("id", "routing_key", "fingerprint", "reply::jsonb", "created_at")
PROCESSED_COMMAND_KEY = "processed_commands_pkey"
# The unique rules on users, by the name PostgreSQL gives their constraint (migrations/): a
# concurrent write that won the race past a handler's own check.
TAKEN_BY_CONSTRAINT = {
    "users_email_key": ErrorCode.EMAIL_TAKEN,
    "users_username_key": ErrorCode.USERNAME_TAKEN,
    "users_username_lower": ErrorCode.USERNAME_TAKEN,
}


TAKEN = "That email or username is already taken"


def constraint_of(error: IntegrityError) -> str | None:
    """The constraint a violation names (Tortoise wraps the driver's error, which has it)."""
    return getattr(error.__cause__, "constraint_name", None)


def taken_code(error: IntegrityError) -> ErrorCode:
    """EMAIL_TAKEN or USERNAME_TAKEN for a unique rule a concurrent write won; any other
    violation is re-raised."""
    code = TAKEN_BY_CONSTRAINT.get(constraint_of(error) or "")
    if code is None:
        raise error
    return code


@functools.cache
def _names_and_casts(columns: tuple[str, ...]) -> tuple[str, tuple[str, ...]]:
    """A column list's quoted names, and each column's cast ('' for none): once per table."""
    names = ", ".join(f'"{column.partition("::")[0]}"' for column in columns)
    return names, tuple(column.partition("::")[2] for column in columns)


def _insert(table: str, columns: tuple[str, ...], rows: list[list], params: list) -> str:
    """INSERT of `rows`, whose values are appended to `params` ($n numbered after those there)."""
    names, casts = _names_and_casts(columns)
    tuples = []
    for row in rows:
        placeholders = []
        for value, cast in zip(row, casts, strict=True):
            params.append(value)
            placeholders.append(f"${len(params)}::{cast}" if cast else f"${len(params)}")
        tuples.append(f"({', '.join(placeholders)})")
    return f'INSERT INTO "{table}" ({names}) VALUES {", ".join(tuples)}'  # noqa: S608  # names are constants


@dataclass(frozen=True)
class RowUpdate:
    """New values of some columns of one row, by its primary key."""

    table: str
    key_column: str
    key: Any
    values: dict[str, Any]  # column: value, as the driver takes it

    @classmethod
    def of(cls, model: Model, fields: list[str]) -> "RowUpdate":
        """Converted now, as Tortoise converts them (an auto_now field takes the time now,
        on the model too, so what the command reports afterwards is what is stored)."""
        meta = model._meta
        values = {
            meta.fields_db_projection[name]: meta.fields_map[name].to_db_value(getattr(model, name), model)
            for name in fields
        }
        return cls(meta.db_table, meta.db_pk_column, model.pk, values)

    def sql(self, params: list) -> str:
        assignments = []
        for column, value in self.values.items():
            params.append(value)
            assignments.append(f'"{column}" = ${len(params)}')
        params.append(self.key)
        return f'UPDATE "{self.table}" SET {", ".join(assignments)} WHERE "{self.key_column}" = ${len(params)}'  # noqa: S608  # names from the model


def records_statement(
    audit: list[list], outbox: list[list], processed: list | None, updates: Sequence[RowUpdate] = ()
) -> tuple[str, list]:
    """One statement for all of them: data-modifying WITH parts always run to completion."""
    params: list = []
    inserts = [update.sql(params) for update in updates]
    if audit:
        inserts.append(_insert("audit_logs", AUDIT_COLUMNS, audit, params))
    if outbox:
        inserts.append(_insert("outbox_events", OUTBOX_COLUMNS, outbox, params))
    if processed:
        inserts.append(_insert("processed_commands", PROCESSED_COLUMNS, [processed], params))
    *first, last = inserts
    parts = ", ".join(f'"part{index}" AS ({insert})' for index, insert in enumerate(first))
    return (f"WITH {parts} {last}" if parts else last), params


def _json_or_null(value: dict | None) -> str | None:
    return None if value is None else orjson.dumps(value).decode()


@dataclass
class UnitOfWork:
    """What one write command did, gathered while it runs inside its transaction."""

    connection: BaseDBAsyncClient
    principal: Principal
    context: CommandContext
    command_id: str | None
    now: datetime
    prepared: Any = None  # what the command computed before its transaction (password hashes)
    # The live user execute_write's `locks_user` named, locked (None: there is none); see target().
    locked_user: User | None = None
    cache: CacheChanges = field(default_factory=CacheChanges)
    events: list[OutboxEvent] = field(default_factory=list)
    mails_queued: bool = False  # set by MailRelay.queue; the relay is woken after commit
    # Audit rows and outbox events of a command wait here for write_records (execute_write);
    # work run outside a command writes each as it is recorded.
    deferred: bool = False
    _audit_rows: list[list] = field(default_factory=list, init=False, repr=False)
    _outbox_rows: list[list] = field(default_factory=list, init=False, repr=False)
    _updates: list[RowUpdate] = field(default_factory=list, init=False, repr=False)

    @classmethod
    def outside_a_command(
        cls, connection: BaseDBAsyncClient, principal: Principal, *, prepared: Any = None
    ) -> "UnitOfWork":
        """Work the CLI runs itself (bootstrap admin, import, key rotation): no message id and
        no request context."""
        return cls(
            connection=connection,
            principal=principal,
            context=CommandContext(),
            command_id=None,
            now=datetime.now(UTC),
            prepared=prepared,
        )

    def target(self, user_id: uuid.UUID) -> User:
        """The user locked for this command (execute_write's `locks_user`), or USER_NOT_FOUND."""
        if self.locked_user is None or self.locked_user.id != user_id:
            raise user_not_found(user_id)
        return self.locked_user

    async def record(
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
        self._audit_rows.append(
            [
                self.principal.kind,
                self.principal.id,
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
        if not self.deferred:
            await self.write_records()

    async def save(self, model: Model, fields: list[str]) -> None:
        """An UPDATE of `fields` (and updated_at, where the model has one) of a row this
        command has locked. Deferred like the records, and sent in their statement: nothing
        the command reads afterwards may depend on it. A unique rule it breaks is a
        DomainError then (TAKEN_BY_CONSTRAINT)."""
        if "updated_at" in model._meta.fields_map:
            fields = [*fields, "updated_at"]
        update = RowUpdate.of(model, fields)
        # One statement may change a row only once (PostgreSQL keeps one of two changes).
        for index, pending in enumerate(self._updates):
            if (pending.table, pending.key) == (update.table, update.key):
                update = replace(update, values={**pending.values, **update.values})
                del self._updates[index]
                break
        self._updates.append(update)
        if not self.deferred:
            await self.write_records()

    async def write_records(self, processed: list | None = None) -> None:
        """What was recorded and not yet written, with the processed-command record if given."""
        if not (self._audit_rows or self._outbox_rows or self._updates or processed):
            return
        sql, params = records_statement(self._audit_rows, self._outbox_rows, processed, self._updates)
        self._audit_rows, self._outbox_rows, self._updates = [], [], []
        try:
            await self.connection.execute_query(sql, params)
        except IntegrityError as error:  # any but a taken email or username goes on up
            raise DomainError(taken_code(error), TAKEN) from None


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


class _AlreadyProcessed(Exception):
    """A twin's processed-command record committed first (its primary key let one in)."""

    def __init__(self, record_id: str) -> None:
        self.record_id = record_id


class RefuseAfterCommit(DomainError):
    """A refusal whose changes so far must still commit (a reused refresh token revokes its
    session, and the caller is refused)."""


async def _earlier_reply(record_id: str, command_fingerprint: str) -> dict | None:
    earlier = await ProcessedCommand.filter(id=record_id).first()
    if earlier is None:
        return None
    if earlier.fingerprint != command_fingerprint:
        return Reply.failure(
            DomainError(
                ErrorCode.VALIDATION_ERROR, "This idempotency key / message_id was already used for a different command"
            )
        ).to_json_dict()
    return earlier.reply


async def execute_write(
    deps: WorkerDeps,
    envelope: CommandEnvelope,
    *,
    work: Callable[[UnitOfWork, Any], Awaitable[Any]],
    prepare: Callable[[Any, Principal], Awaitable[Any]] | None = None,
    idempotent: bool = True,
    locks_user: Callable[[Any], uuid.UUID] | None = None,
) -> dict:
    """`prepare` runs slow work (bcrypt) before the transaction, so no lock waits on it.

    `locks_user` names, from the command, the user whose row `work` starts by locking: the
    lock is taken with the read of the actor's role, one round trip fewer, and `work` finds
    the user in `unit.target(id)`. Its authorization still comes first in `work`: a refused
    command only held the lock until its rollback.

    `idempotent` records the AMQP message_id, scoped to its caller (record_key), with the
    reply in the same transaction, so a redelivery, or a twin running at the same time,
    answers like the first (the record's primary key lets only one of them commit).
    """
    command_id = current_command_id.get() if idempotent else None
    record_id = record_key(command_id, envelope.actor) if command_id else None
    command = envelope.data
    command_fingerprint = fingerprint(command, key=deps.settings.secret_key)
    # Only worth a round trip when a redelivery would otherwise redo slow work.
    if prepare and record_id and (reply := await _earlier_reply(record_id, command_fingerprint)):
        return reply
    try:
        # prepare() authorizes before it touches the target or checks a password (docs/api.md, "REST").
        prepared = await prepare(command, await resolve_principal(envelope.actor)) if prepare else None
        async with in_transaction() as connection:
            if locks_user is None:
                principal, locked_user = await resolve_principal(envelope.actor, using_db=connection), None
            else:
                principal, locked_user = await _resolve_principal_and_lock(
                    envelope.actor, locks_user(command), connection
                )
            context = current_speaker.get().trusted_context(envelope.context)
            unit = UnitOfWork(
                connection=connection,
                principal=principal,
                context=context,
                command_id=command_id,
                now=datetime.now(UTC),
                prepared=prepared,
                locked_user=locked_user,
                deferred=True,
            )
            try:
                reply = Reply.success(await work(unit, command)).to_json_dict()
            except RefuseAfterCommit as refusal:
                reply = Reply.failure(refusal).to_json_dict()
            processed = (
                [record_id, command.ROUTING_KEY, command_fingerprint, orjson.dumps(reply).decode(), unit.now]
                if record_id
                else None
            )
            try:
                await unit.write_records(processed)
            except IntegrityError as error:
                if record_id and constraint_of(error) == PROCESSED_COMMAND_KEY:
                    raise _AlreadyProcessed(record_id) from None
                raise
    except _AlreadyProcessed as twin:
        earlier = await _earlier_reply(twin.record_id, command_fingerprint)
        if earlier is None:  # the record that refused ours was there a moment ago
            raise RuntimeError(f"command {command_id}: its processed record vanished") from None
        return earlier
    except DomainError as error:
        if record_id and (reply := await _earlier_reply(record_id, command_fingerprint)):
            return reply  # a twin committed first; its success explains this refusal
        reply = Reply.failure(error).to_json_dict()
        if record_id:
            await _remember_refusal(record_id, command, command_fingerprint, reply)
        return reply
    await deps.cache.apply(unit.cache)
    deps.events.publish_soon(unit.events)
    if unit.mails_queued:
        deps.mail.wake()
    return reply


async def _remember_refusal(record_id: str, command: Command, command_fingerprint: str, reply: dict) -> None:
    """A refused command gives the same refusal when it is delivered again."""
    with contextlib.suppress(IntegrityError):  # a twin recorded it first
        await ProcessedCommand.create(
            id=record_id, routing_key=command.ROUTING_KEY, fingerprint=command_fingerprint, reply=reply
        )


async def execute_query(envelope: CommandEnvelope, work: Callable[[Principal, Any], Awaitable[Any]]) -> dict:
    try:
        principal = await resolve_principal(envelope.actor)
        return Reply.success(await work(principal, envelope.data)).to_json_dict()
    except DomainError as error:
        return Reply.failure(error).to_json_dict()
