"""Tortoise tables. aerich owns the schema (migrations/); extra SQL lives in the migration."""

from tortoise import fields
from tortoise.models import Model
from usersvc.domain.rbac import Role


class User(Model):
    id = fields.UUIDField(primary_key=True)
    username = fields.CharField(max_length=50, unique=True, description="[A-Za-z0-9_]{3,50}")
    email = fields.CharField(max_length=254, unique=True, description="stored lower-cased")
    password_hash = fields.CharField(max_length=255)
    first_name = fields.CharField(max_length=100)
    last_name = fields.CharField(max_length=100, db_index=True)
    phone = fields.CharField(max_length=20, null=True)
    role = fields.CharEnumField(Role, max_length=16, default=Role.USER, db_index=True)
    is_active = fields.BooleanField(default=True)
    email_verified = fields.BooleanField(default=False)
    last_login_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)
    deleted_at = fields.DatetimeField(null=True, description="soft delete: 404 everywhere after")

    class Meta:
        table = "users"
        table_description = "People who can log in; soft-deleted rows keep email/username reserved"


class UserSession(Model):
    id = fields.UUIDField(primary_key=True)
    user = fields.ForeignKeyField("models.User", related_name="sessions", on_delete=fields.RESTRICT)
    refresh_jti = fields.CharField(max_length=64, description="the one refresh token not yet spent")
    created_at = fields.DatetimeField(auto_now_add=True)
    last_used_at = fields.DatetimeField()
    expires_at = fields.DatetimeField()
    revoked_at = fields.DatetimeField(null=True, db_index=True)
    ip_address = fields.CharField(max_length=64, null=True)
    user_agent = fields.CharField(max_length=500, null=True)

    class Meta:
        table = "user_sessions"
        table_description = "One row per login; refresh rotates refresh_jti"


class AuditLog(Model):
    id = fields.BigIntField(primary_key=True)
    actor_type = fields.CharField(max_length=16)
    actor_id = fields.CharField(max_length=200, db_index=True)
    action = fields.CharField(max_length=64, db_index=True)
    entity_type = fields.CharField(max_length=32)
    entity_id = fields.CharField(max_length=200, db_index=True)
    old_values = fields.JSONField(null=True)
    new_values = fields.JSONField(null=True)
    ip_address = fields.CharField(max_length=64, null=True)
    user_agent = fields.CharField(max_length=500, null=True)
    request_id = fields.CharField(max_length=200, null=True)
    command_id = fields.CharField(max_length=200, null=True)
    created_at = fields.DatetimeField(auto_now_add=True, db_index=True)

    class Meta:
        table = "audit_logs"
        table_description = "Append-only: a trigger refuses UPDATE, DELETE and TRUNCATE"


class ProcessedCommand(Model):
    """Makes commands idempotent: a message_id seen before gets its first reply again."""

    id = fields.CharField(max_length=200, primary_key=True, description="AMQP message_id")
    routing_key = fields.CharField(max_length=64)
    fingerprint = fields.CharField(max_length=64, description="sha256 of routing key + data")
    reply = fields.JSONField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True, db_index=True)

    class Meta:
        table = "processed_commands"


class OutboxEvent(Model):
    """Events written with their change, published after commit (transactional outbox)."""

    id = fields.UUIDField(primary_key=True)
    routing_key = fields.CharField(max_length=64)
    payload = fields.JSONField()
    created_at = fields.DatetimeField(auto_now_add=True)
    published_at = fields.DatetimeField(null=True, db_index=True)

    class Meta:
        table = "outbox_events"
