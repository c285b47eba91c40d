"""The one write statement of a command: its row updates, audit rows (and the analytics queue
of those counted), outbox events and processed-command record go to PostgreSQL together, as
the parts of one data-modifying WITH (the ORM took a round trip each). The unit of work
(workers/unit_of_work.py) gathers them while the command runs and sends them here when it
commits.
"""

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.models import Model

from usersvc.domain.analytics import COUNTED_ACTIONS
from usersvc.domain.errors import ErrorCode

# Columns as in workers/models.py; the jsonb ones are sent as JSON text.
AUDIT_COLUMNS = (
    "actor_type", "actor_id", "action", "entity_type", "entity_id", "old_values::jsonb",
    "new_values::jsonb", "ip_address", "user_agent", "request_id", "command_id", "created_at",
)  # fmt: skip
AUDIT_ACTION = AUDIT_COLUMNS.index("action")
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
    counted = any(row[AUDIT_ACTION] in COUNTED_ACTIONS for row in audit)
    if audit:
        audit_part = f'"part{len(inserts)}"'
        inserts.append(_insert("audit_logs", AUDIT_COLUMNS, audit, params) + (' RETURNING "id", "action"' * counted))
    if outbox:
        inserts.append(_insert("outbox_events", OUTBOX_COLUMNS, outbox, params))
    if processed:
        inserts.append(_insert("processed_commands", PROCESSED_COLUMNS, [processed], params))
    if counted:  # the analytics roll-up's queue (workers/repositories/analytics.py)
        params.append(list(COUNTED_ACTIONS))
        queued = f'SELECT "id" FROM {audit_part} WHERE "action" = ANY(${len(params)})'  # noqa: S608  # names are constants
        inserts.append(f'INSERT INTO "analytics_queue" ("audit_id") {queued}')
    *first, last = inserts
    parts = ", ".join(f'"part{index}" AS ({insert})' for index, insert in enumerate(first))
    return (f"WITH {parts} {last}" if parts else last), params
