"""Tortoise tables. aerich owns the schema (migrations/); extra SQL lives in the migration.

A foreign key `x` also gives the row an `x_id` column attribute; it is declared beside the
field (a bare annotation, which Tortoise ignores) so the type checker knows it too.
"""

import uuid
from typing import Any

from tortoise import fields
from tortoise.models import Model

from usersvc.domain.rbac import Role


class User(Model):
    id = fields.UUIDField(primary_key=True)
    username = fields.CharField(max_length=50, unique=True, description="[A-Za-z0-9_]{3,50}")
    email = fields.CharField(
        max_length=254, unique=True, description="stored normalised: local part NFKC case-folded, domain IDNA"
    )
    password_hash = fields.CharField(max_length=255)
    first_name = fields.CharField(max_length=100)
    last_name = fields.CharField(max_length=100, db_index=True)
    phone = fields.CharField(max_length=20, null=True)
    role = fields.CharEnumField(Role, max_length=16, default=Role.USER, db_index=True)
    is_active = fields.BooleanField(default=True)
    email_verified = fields.BooleanField(default=False)
    email_ever_verified = fields.BooleanField(
        default=False, description="an address of this account was verified once; kept true by a trigger"
    )
    mfa_enabled = fields.BooleanField(default=False, description="a confirmed TOTP factor (user_totp)")
    notify_new_sign_in = fields.BooleanField(
        default=True, description="mail the user on a sign-in from a device and network not seen in 30 days"
    )
    last_login_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)
    deleted_at = fields.DatetimeField(null=True, description="soft delete: 404 everywhere after")

    class Meta:
        table = "users"
        table_description = "People who can log in; soft-deleted rows keep email/username reserved"


class UserSession(Model):
    id = fields.UUIDField(primary_key=True)
    user: fields.ForeignKeyRelation["User"] = fields.ForeignKeyField(
        "models.User", related_name="sessions", on_delete=fields.RESTRICT
    )
    user_id: uuid.UUID
    refresh_token_hash = fields.CharField(
        max_length=64, null=True, unique=True, description="sha256 hex of the one refresh token not yet spent"
    )
    created_at = fields.DatetimeField(auto_now_add=True)
    last_used_at = fields.DatetimeField()
    expires_at = fields.DatetimeField()
    revoked_at = fields.DatetimeField(null=True, db_index=True)
    end_reason = fields.CharField(
        max_length=32,
        null=True,
        description="why it was revoked: logout | revoked | refresh_reuse | password_change | deactivated",
    )
    ended_by_type = fields.CharField(max_length=16, null=True, description="user | service: who ended it, if anyone")
    ended_by_id = fields.CharField(max_length=200, null=True, description="a user id or a service's broker user")
    ip_address = fields.CharField(max_length=64, null=True)
    user_agent = fields.CharField(max_length=500, null=True)
    kind = fields.CharField(
        max_length=16,
        default="api",
        db_index=True,
        description="api: /v1/auth/login | browser: the provider's sign-in cookie | grant: tokens of an OAuth client",
    )
    client_id = fields.CharField(max_length=64, null=True, db_index=True, description="grant sessions: the client")
    scopes: list[str] | None = fields.JSONField(null=True, description="grant sessions: the scopes granted")
    parent_session_id = fields.UUIDField(
        null=True, db_index=True, description="grant sessions: the browser session they were granted in"
    )
    amr: list[str] | None = fields.JSONField(null=True, description="how the user signed in (RFC 8176 values)")
    auth_time = fields.DatetimeField(null=True, description="when the user last proved who they are")

    class Meta:
        table = "user_sessions"
        table_description = "One row per login, provider sign-in or client grant; refresh rotates refresh_token_hash"


class KnownSignIn(Model):
    """A (device, network) an account signed in from, and when last (domain/sign_in_places.py)."""

    id = fields.UUIDField(primary_key=True)
    user: fields.ForeignKeyRelation["User"] = fields.ForeignKeyField(
        "models.User", related_name="known_sign_ins", on_delete=fields.RESTRICT
    )
    user_id: uuid.UUID
    device = fields.CharField(max_length=64, description="the user agent's family: browser and system, no versions")
    network = fields.CharField(max_length=64, description="the client's IPv4 /24 or IPv6 /48")
    first_seen_at = fields.DatetimeField()
    last_seen_at = fields.DatetimeField()

    class Meta:
        table = "known_sign_ins"
        table_description = "Where each account signed in from: a sign-in from a pair unseen for 30 days is mailed"
        unique_together = [["user", "device", "network"]]  # noqa: RUF012 - a list: aerich keeps its snapshot as JSON


class OAuthClient(Model):
    """An application that signs its users in through usersvc (OpenID Connect), registered by an admin."""

    client_id = fields.CharField(max_length=64, primary_key=True)
    name = fields.CharField(max_length=100)
    type = fields.CharField(max_length=16, description="confidential | public")
    first_party = fields.BooleanField(default=False, description="no consent page")
    redirect_uris: list[str] = fields.JSONField()
    post_logout_redirect_uris: list[str] = fields.JSONField()
    grant_types: list[str] = fields.JSONField()
    scopes: list[str] = fields.JSONField()
    id_token_signed_response_alg = fields.CharField(max_length=16, default="RS256")
    secret_digest = fields.CharField(
        max_length=64, null=True, description="HMAC-SHA256 of the secret under a key derived from SECRET_KEY"
    )
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)
    deleted_at = fields.DatetimeField(null=True, description="deleted: its tokens and grants stop working")

    class Meta:
        table = "oauth_clients"
        table_description = "OpenID Connect clients; secrets are stored as keyed digests only"


class OAuthConsent(Model):
    """What a user allowed a third-party client to have."""

    id = fields.UUIDField(primary_key=True)
    user: fields.ForeignKeyRelation["User"] = fields.ForeignKeyField(
        "models.User", related_name="oauth_consents", on_delete=fields.RESTRICT
    )
    user_id: uuid.UUID
    client_id = fields.CharField(max_length=64)
    scopes: list[str] = fields.JSONField()
    granted_at = fields.DatetimeField()

    class Meta:
        table = "oauth_consents"
        table_description = "Consents remembered per user and client"
        unique_together = [["user", "client_id"]]  # noqa: RUF012 - a list: aerich keeps its snapshot as JSON


class OAuthCode(Model):
    """An authorization code, as a digest: spent once, by one UPDATE … WHERE used_at IS NULL."""

    code_hash = fields.CharField(max_length=64, primary_key=True, description="sha256 hex of the code")
    client_id = fields.CharField(max_length=64)
    user_id = fields.UUIDField()
    browser_session_id = fields.UUIDField(description="the provider session the code was issued in")
    redirect_uri = fields.TextField()
    scopes: list[str] = fields.JSONField()
    nonce = fields.TextField(null=True)
    code_challenge = fields.CharField(max_length=128, null=True, description="PKCE S256 challenge")
    auth_time = fields.DatetimeField()
    amr: list[str] = fields.JSONField()
    expires_at = fields.DatetimeField()
    used_at = fields.DatetimeField(null=True)
    grant_session_id = fields.UUIDField(null=True, description="the grant its redemption opened; ended on reuse")
    created_at = fields.DatetimeField(auto_now_add=True, db_index=True)

    class Meta:
        table = "oauth_codes"
        table_description = "Authorization codes, as digests; single use"


class SpentRefreshToken(Model):
    """A refresh token already used, as a digest: presented again, it revokes its session."""

    token_hash = fields.CharField(
        max_length=64, primary_key=True, description="sha256 hex of a refresh token already used"
    )
    session: fields.ForeignKeyRelation["UserSession"] = fields.ForeignKeyField(
        "models.UserSession", related_name="spent_refresh_tokens", on_delete=fields.CASCADE
    )
    session_id: uuid.UUID
    spent_at = fields.DatetimeField()

    class Meta:
        table = "spent_refresh_tokens"
        table_description = "Spent refresh tokens, as digests: one presented again revokes its session"


class SigningKey(Model):
    """Keys that sign access tokens (usersvc/signing_keys.py). The runtime role may only read
    them; `usersvc migrate` and `usersvc keys` change them, as the schema owner."""

    kid = fields.CharField(max_length=64, primary_key=True, description="RFC 7638 thumbprint of the public key")
    algorithm = fields.CharField(max_length=16)
    public_jwk: dict[str, Any] = fields.JSONField()
    private_key = fields.TextField(
        description="PKCS#8 PEM sealed with SECRET_KEY (purpose signing-keys); empty once the key no longer signs"
    )
    created_at = fields.DatetimeField()
    retired_at = fields.DatetimeField(null=True, description="no longer signs; still verifies until verify_until")
    verify_until = fields.DatetimeField(null=True, description="a retired key leaves the published set then")
    revoked_at = fields.DatetimeField(null=True, description="its tokens are refused at once")

    class Meta:
        table = "signing_keys"
        table_description = "Keys that sign access tokens; never deleted, state only moves forward"


class AuditLog(Model):
    id = fields.BigIntField(primary_key=True)
    actor_type = fields.CharField(max_length=16)
    actor_id = fields.CharField(max_length=200, db_index=True)
    action = fields.CharField(max_length=64, db_index=True)
    entity_type = fields.CharField(max_length=32)
    entity_id = fields.CharField(max_length=200, db_index=True)
    old_values: dict[str, Any] | None = fields.JSONField(null=True)
    new_values: dict[str, Any] | None = fields.JSONField(null=True)
    ip_address = fields.CharField(max_length=64, null=True)
    user_agent = fields.CharField(max_length=500, null=True)
    request_id = fields.CharField(max_length=200, null=True)
    command_id = fields.CharField(max_length=200, null=True)
    created_at = fields.DatetimeField(auto_now_add=True, db_index=True)

    class Meta:
        table = "audit_logs"
        table_description = "Append-only: a trigger refuses UPDATE, DELETE and TRUNCATE"


class ProcessedCommand(Model):
    """Makes commands idempotent: a message_id its caller used before gets its first reply again."""

    id = fields.CharField(
        max_length=200,
        primary_key=True,
        description="sha256 of the caller (broker user; for the edge, also the actor) and the AMQP message_id",
    )
    routing_key = fields.CharField(max_length=64)
    fingerprint = fields.CharField(max_length=64, description="sha256 of routing key + data")
    reply: dict[str, Any] | None = fields.JSONField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True, db_index=True)

    class Meta:
        table = "processed_commands"


class OutboxEvent(Model):
    """Events written with their change, published after commit (transactional outbox)."""

    id = fields.UUIDField(primary_key=True)
    routing_key = fields.CharField(max_length=64)
    payload: dict[str, Any] = fields.JSONField()
    created_at = fields.DatetimeField(auto_now_add=True)
    published_at = fields.DatetimeField(null=True, db_index=True)

    class Meta:
        table = "outbox_events"


class AccountToken(Model):
    """One-time tokens mailed to users (email verification, password reset), as digests only."""

    id = fields.UUIDField(primary_key=True)
    user: fields.ForeignKeyRelation["User"] = fields.ForeignKeyField(
        "models.User", related_name="account_tokens", on_delete=fields.RESTRICT
    )
    user_id: uuid.UUID
    purpose = fields.CharField(max_length=32, description="verify_email | reset_password")
    token_hash = fields.CharField(
        max_length=64, unique=True, description="sha256 hex of the token; the token itself is never stored"
    )
    email = fields.CharField(max_length=254, description="the address the token was mailed to")
    created_at = fields.DatetimeField(auto_now_add=True)
    expires_at = fields.DatetimeField()
    used_at = fields.DatetimeField(null=True, description="spent, or superseded by a newer token")

    class Meta:
        table = "account_tokens"
        table_description = "One-time tokens mailed to users, stored as digests only"


class OutboxMail(Model):
    """Mails written with their change, sent after commit (transactional outbox)."""

    id = fields.UUIDField(primary_key=True)
    template = fields.CharField(max_length=32)
    sealed = fields.TextField(
        null=True, description="recipient and template values, sealed with SECRET_KEY; NULL once sent or given up"
    )
    attempts = fields.IntField(default=0)
    next_attempt_at = fields.DatetimeField()
    created_at = fields.DatetimeField(auto_now_add=True)
    sent_at = fields.DatetimeField(null=True)
    failed_at = fields.DatetimeField(null=True, description="given up after MAIL_MAX_ATTEMPTS")

    class Meta:
        table = "outbox_mails"
        table_description = "Mails written with their change, sent after commit (transactional outbox)"


class UserTotp(Model):
    """A user's TOTP factor: pending from enrolment until a code confirms it."""

    user_id = fields.UUIDField(primary_key=True, description="users.id")
    secret_sealed = fields.TextField(description="the base32 secret, sealed with SECRET_KEY (purpose mfa)")
    confirmed_at = fields.DatetimeField(null=True, description="NULL while enrolment is pending")
    last_used_step = fields.BigIntField(
        null=True,
        description="the last 30-second step whose code was accepted; codes of it or earlier are refused (no replay)",
    )
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "user_totp"
        table_description = "TOTP factors; the secret is stored only sealed"


class MfaRecoveryCode(Model):
    id = fields.UUIDField(primary_key=True)
    user: fields.ForeignKeyRelation["User"] = fields.ForeignKeyField(
        "models.User", related_name="recovery_codes", on_delete=fields.RESTRICT
    )
    user_id: uuid.UUID
    code_digest = fields.CharField(max_length=64, description="HMAC-SHA256 under a key derived from SECRET_KEY")
    used_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "mfa_recovery_codes"
        table_description = "Single-use recovery codes, as keyed digests only"


class MfaChallenge(Model):
    """A login whose password was right, waiting for its second factor (the mfa_token)."""

    id = fields.UUIDField(primary_key=True)
    user: fields.ForeignKeyRelation["User"] = fields.ForeignKeyField(
        "models.User", related_name="mfa_challenges", on_delete=fields.RESTRICT
    )
    user_id: uuid.UUID
    token_digest = fields.CharField(max_length=64, unique=True, description="sha256 hex of the mfa_token")
    wrong_codes = fields.SmallIntField(default=0)
    expires_at = fields.DatetimeField()
    spent_at = fields.DatetimeField(null=True, description="used, or refused too often")
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "mfa_challenges"
        table_description = "Pending second login steps; the mfa_token is stored as a digest only"


class Passkey(Model):
    """A WebAuthn credential (passkey) of a user: its public key, never a secret."""

    id = fields.UUIDField(primary_key=True)
    user: fields.ForeignKeyRelation["User"] = fields.ForeignKeyField(
        "models.User", related_name="passkeys", on_delete=fields.RESTRICT
    )
    user_id: uuid.UUID
    credential_id = fields.CharField(max_length=1400, unique=True, description="the credential id, base64url")
    public_key = fields.BinaryField(description="the COSE public key")
    sign_count = fields.BigIntField(default=0, description="the authenticator's counter last seen; it must grow")
    aaguid = fields.CharField(max_length=36, description="the authenticator model (zeros when not told)")
    name = fields.CharField(max_length=100)
    transports: list[str] | None = fields.JSONField(null=True, description="as the browser reported them")
    backup_eligible = fields.BooleanField(description="BE at registration: a synced (multi-device) passkey")
    backed_up = fields.BooleanField(description="BS at the last ceremony")
    created_at = fields.DatetimeField(auto_now_add=True)
    last_used_at = fields.DatetimeField(null=True)

    class Meta:
        table = "passkeys"
        table_description = "WebAuthn credentials (public keys only)"


class WebAuthnChallenge(Model):
    """A WebAuthn ceremony's challenge: single use, five minutes, stored as a digest only."""

    id = fields.UUIDField(primary_key=True)
    challenge_digest = fields.CharField(max_length=64, unique=True, description="sha256 hex of the challenge")
    purpose = fields.CharField(max_length=16, description="registration | authentication")
    user: fields.ForeignKeyNullableRelation["User"] = fields.ForeignKeyField(
        "models.User", related_name="webauthn_challenges", null=True, on_delete=fields.CASCADE
    )
    user_id: uuid.UUID | None
    mfa_challenge: fields.ForeignKeyNullableRelation["MfaChallenge"] = fields.ForeignKeyField(
        "models.MfaChallenge", related_name="webauthn_challenges", null=True, on_delete=fields.CASCADE
    )
    mfa_challenge_id: uuid.UUID | None
    expires_at = fields.DatetimeField(db_index=True)
    spent_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "webauthn_challenges"
        table_description = "Pending WebAuthn ceremonies; the challenge is stored as a digest only"


class IdentityProvider(Model):
    """Another provider people sign in with (docs/identity-providers.md), configured by an admin."""

    id = fields.UUIDField(primary_key=True)
    slug = fields.CharField(max_length=40, unique=True)
    name = fields.CharField(max_length=100)
    kind = fields.CharField(max_length=16, description="oidc | oauth2")
    issuer = fields.CharField(max_length=2000, null=True, description="oidc: where discovery starts")
    authorization_endpoint = fields.CharField(max_length=2000, null=True)
    token_endpoint = fields.CharField(max_length=2000, null=True)
    userinfo_endpoint = fields.CharField(max_length=2000, null=True)
    client_id = fields.CharField(max_length=500)
    client_secret_sealed = fields.TextField(description="sealed with SECRET_KEY (purpose identity-provider)")
    scopes: list[str] = fields.JSONField()
    claims: dict[str, Any] = fields.JSONField(description="claim name per field (ClaimMapping)")
    creates_accounts = fields.BooleanField(default=False)
    trusts_email_verified = fields.BooleanField(default=False)
    trusts_amr_second_factor = fields.BooleanField(
        default=False, description="oidc: a second factor in the ID token's amr stands for usersvc's own"
    )
    enabled = fields.BooleanField(default=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "identity_providers"
        table_description = "Providers to sign in with; client secrets are stored sealed only"


class UserIdentity(Model):
    """A user's account at another provider: that provider and the subject it names."""

    id = fields.UUIDField(primary_key=True)
    user: fields.ForeignKeyRelation["User"] = fields.ForeignKeyField(
        "models.User", related_name="identities", on_delete=fields.RESTRICT
    )
    user_id: uuid.UUID
    provider: fields.ForeignKeyRelation["IdentityProvider"] = fields.ForeignKeyField(
        "models.IdentityProvider", related_name="identities", on_delete=fields.CASCADE
    )
    provider_id: uuid.UUID
    subject = fields.CharField(max_length=255)
    email = fields.CharField(max_length=254, null=True, description="what the provider said last; never a link key")
    linked_at = fields.DatetimeField()
    last_sign_in_at = fields.DatetimeField(null=True)

    class Meta:
        table = "user_identities"
        table_description = "Linked identities: provider + subject, never an email"
        unique_together = [["provider", "subject"]]  # noqa: RUF012 - a list: aerich keeps its snapshot as JSON


class ProviderSignIn(Model):
    """One sign-in through another provider: its state until the callback, then its login
    code until spent. Random values as digests only."""

    state_hash = fields.CharField(max_length=64, primary_key=True, description="sha256 hex of the state")
    provider: fields.ForeignKeyRelation["IdentityProvider"] = fields.ForeignKeyField(
        "models.IdentityProvider", related_name="sign_ins", on_delete=fields.CASCADE
    )
    provider_id: uuid.UUID
    browser_binding_hash = fields.CharField(max_length=64, description="sha256 hex of the browser's cookie")
    nonce = fields.CharField(max_length=100)
    code_verifier_sealed = fields.TextField(description="PKCE verifier, sealed")
    return_to = fields.TextField()
    expires_at = fields.DatetimeField(db_index=True)
    state_used_at = fields.DatetimeField(null=True)
    login_code_hash = fields.CharField(max_length=64, null=True, unique=True)
    login_code_expires_at = fields.DatetimeField(null=True)
    login_code_used_at = fields.DatetimeField(null=True)
    subject = fields.CharField(max_length=255, null=True)
    profile: dict[str, Any] | None = fields.JSONField(
        null=True, description="email, email_verified, username, names, as the provider said them; amr (oidc)"
    )
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "provider_sign_ins"
        table_description = "Sign-ins through other providers: state and login code as digests; short-lived"


# --- Analytics (docs/analytics.md): rollups the workers keep from the audit trail -----------


class AnalyticsQueue(Model):
    """Audit rows that count in the analytics, written with them and not yet rolled up: the
    roll-up takes them off exactly once (workers/repositories/analytics.py)."""

    audit_id = fields.BigIntField(primary_key=True, generated=False)

    class Meta:
        table = "analytics_queue"
        table_description = "Audit rows waiting to be counted in analytics_days"


class AnalyticsDay(Model):
    """One figure of one UTC day: a metric, and the dimension it is split by ('' for none)."""

    id = fields.BigIntField(primary_key=True)
    day = fields.DateField()
    metric = fields.CharField(max_length=32, description="sign_ups, sign_ins, new_sessions, failed_sign_ins, …")
    dimension = fields.CharField(max_length=200, default="", description="a sign-in method, a client_id, or empty")
    value = fields.BigIntField(default=0)

    class Meta:
        table = "analytics_days"
        table_description = "Daily counts, kept from the audit trail by the workers' roll-up"
        unique_together = [["day", "metric", "dimension"]]  # noqa: RUF012 - a list: aerich keeps its snapshot as JSON


class AnalyticsActiveUser(Model):
    """A user who signed in on a UTC day (active users are distinct per day, week, month)."""

    id = fields.BigIntField(primary_key=True)
    day = fields.DateField()
    user_id = fields.CharField(max_length=200)

    class Meta:
        table = "analytics_active_users"
        table_description = "Who signed in each day, once per user and day"
        unique_together = [["day", "user_id"]]  # noqa: RUF012 - a list: aerich keeps its snapshot as JSON
