"""The workers' unit of work and repositories on memory: the fast tier runs the real handlers
(workers/handlers/) and the real rules of workers/unit_of_work.py (idempotency, refusals,
RefuseAfterCommit, audit rows, events, after-commit cache) against these, with no
PostgreSQL, RabbitMQ, Redis or SMTP.

Each fake repository subclasses the real one and overrides every method that speaks SQL, so
the steps they share (workers/repositories/*.py functions) run as they do in production.
Rows are Tortoise model instances (constructed, never saved); reads hand out copies, so a
handler's change reaches the store only through the repository's write, and a transaction
is a snapshot of the store that a rollback puts back.
"""

import copy
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import orjson

from usersvc.domain import analytics
from usersvc.domain.commands import ListUsers
from usersvc.domain.errors import DomainError, ErrorCode
from usersvc.domain.replies import page_of
from usersvc.workers.models import (
    AccountToken,
    AuditLog,
    IdentityProvider,
    MfaChallenge,
    MfaRecoveryCode,
    OAuthClient,
    OAuthCode,
    OAuthConsent,
    Passkey,
    ProviderSignIn,
    SigningKey,
    SpentRefreshToken,
    User,
    UserIdentity,
    UserSession,
    UserTotp,
    WebAuthnChallenge,
)
from usersvc.workers.repositories.account_tokens import AccountTokensRepository
from usersvc.workers.repositories.analytics import AnalyticsRepository, window_start
from usersvc.workers.repositories.audit import AuditRepository
from usersvc.workers.repositories.identities import IdentitiesRepository
from usersvc.workers.repositories.mails import MailsRepository
from usersvc.workers.repositories.oauth import OAuthRepository
from usersvc.workers.repositories.passkeys import PasskeysRepository
from usersvc.workers.repositories.records import AUDIT_COLUMNS, TAKEN
from usersvc.workers.repositories.second_factor import SecondFactorRepository
from usersvc.workers.repositories.sessions import SessionsRepository
from usersvc.workers.repositories.sign_ins import SignInsRepository
from usersvc.workers.repositories.signing_keys import SigningKeysRepository
from usersvc.workers.repositories.users import UsersRepository, view_of
from usersvc.workers.unit_of_work import AfterCommit, AlreadyProcessed, UnitOfWork, earlier_reply_of

AUDIT_NAMES = [column.partition("::")[0] for column in AUDIT_COLUMNS]


@dataclass
class Store:
    """Every table the workers touch, by primary key."""

    users: dict[uuid.UUID, User] = field(default_factory=dict)
    sessions: dict[uuid.UUID, UserSession] = field(default_factory=dict)
    spent_tokens: dict[str, SpentRefreshToken] = field(default_factory=dict)
    account_tokens: dict[uuid.UUID, AccountToken] = field(default_factory=dict)
    mails: list[dict] = field(default_factory=list)
    totps: dict[uuid.UUID, UserTotp] = field(default_factory=dict)
    recovery_codes: dict[uuid.UUID, MfaRecoveryCode] = field(default_factory=dict)
    challenges: dict[uuid.UUID, MfaChallenge] = field(default_factory=dict)
    signing_keys: dict[str, SigningKey] = field(default_factory=dict)
    oauth_clients: dict[str, OAuthClient] = field(default_factory=dict)
    oauth_codes: dict[str, OAuthCode] = field(default_factory=dict)
    oauth_consents: dict[uuid.UUID, OAuthConsent] = field(default_factory=dict)
    passkeys: dict[uuid.UUID, Passkey] = field(default_factory=dict)
    webauthn_challenges: dict[uuid.UUID, WebAuthnChallenge] = field(default_factory=dict)
    # (user_id, device, network): last seen
    sign_ins: dict[tuple[uuid.UUID, str, str], datetime] = field(default_factory=dict)
    identity_providers: dict[uuid.UUID, IdentityProvider] = field(default_factory=dict)
    provider_sign_ins: dict[str, ProviderSignIn] = field(default_factory=dict)
    user_identities: dict[uuid.UUID, UserIdentity] = field(default_factory=dict)
    audit: list[dict] = field(default_factory=list)
    outbox: list[dict] = field(default_factory=list)
    processed: dict[str, tuple[str, dict | None]] = field(default_factory=dict)
    database_up: bool = True
    commits: int = 0
    rollbacks: int = 0

    def snapshot(self) -> "Store":
        copied = Store()
        for name, value in vars(self).items():
            if isinstance(value, dict):
                setattr(copied, name, {key: copy.copy(row) for key, row in value.items()})
            elif isinstance(value, list):
                setattr(copied, name, [dict(row) for row in value])
            else:
                setattr(copied, name, value)
        return copied

    def restore(self, snapshot: "Store") -> None:
        commits, rollbacks = self.commits, self.rollbacks
        vars(self).update(vars(snapshot))
        self.commits, self.rollbacks = commits, rollbacks

    def audit_rows(self, action: str | None = None) -> list[dict]:
        return [row for row in self.audit if action is None or row["action"] == action]

    def events(self, routing_key: str | None = None) -> list[dict]:
        return [row for row in self.outbox if routing_key is None or row["routing_key"] == routing_key]


def _copy(row: Any) -> Any:
    return None if row is None else copy.copy(row)


def _now() -> datetime:
    return datetime.now(UTC)


class MemoryUsers(UsersRepository):
    @property
    def _rows(self) -> dict[uuid.UUID, User]:
        return self.unit.store.users  # type: ignore[attr-defined]

    def _live(self, *, active: bool = False) -> list[User]:
        return [user for user in self._rows.values() if user.deleted_at is None and (user.is_active or not active)]

    async def actor_role(self, actor_id: uuid.UUID) -> str | None:
        user = self._rows.get(actor_id)
        return str(user.role) if user and user.deleted_at is None and user.is_active else None

    async def find(self, user_id: uuid.UUID, *, active: bool = False) -> User | None:
        return _copy(next((user for user in self._live(active=active) if user.id == user_id), None))

    async def get(self, user_id: object) -> User:
        return _copy(self._rows[uuid.UUID(str(user_id))])

    async def find_for_login(self, *, email: str | None, username: str | None) -> User | None:
        for user in self._live(active=True):
            if (email and user.email == email) or (not email and user.username.lower() == (username or "").lower()):
                return _copy(user)
        return None

    async def holder_of(self, email: str) -> User | None:
        return _copy(next((user for user in self._rows.values() if user.email == email), None))

    async def email_taken(self, email: str, *, exclude_id: uuid.UUID | None = None) -> bool:
        return any(user.email == email and user.id != exclude_id for user in self._rows.values())

    async def username_taken(self, username: str, *, exclude_id: uuid.UUID | None = None) -> bool:
        return any(user.username.lower() == username.lower() and user.id != exclude_id for user in self._rows.values())

    async def taken_emails(self, emails: set[str]) -> set[str]:
        return {user.email for user in self._rows.values() if user.email in emails}

    async def taken_usernames(self, usernames: set[str]) -> set[str]:
        return {user.username.lower() for user in self._rows.values() if user.username.lower() in usernames}

    async def active_admin_exists(self) -> bool:
        return any(user.role == "admin" for user in self._live(active=True))

    async def page(self, command: ListUsers) -> dict:
        users = self._live()
        if command.role is not None:
            users = [user for user in users if user.role == command.role.value]
        if command.is_active is not None:
            users = [user for user in users if user.is_active == command.is_active]
        if command.search:
            needle = command.search.lower()
            users = [
                user
                for user in users
                if needle in f"{user.username.lower()} {user.email} {user.first_name.lower()} {user.last_name.lower()}"
            ]
        column, descending = command.sort.removeprefix("-"), command.sort.startswith("-")

        def key(user: User) -> tuple:
            value = getattr(user, column)
            # PostgreSQL sorts NULL after every value ascending, and before them descending.
            return (value is None, value if value is not None else 0, str(user.id))

        users.sort(key=key, reverse=descending)
        start = (command.page - 1) * command.page_size
        views = [view_of(user) for user in users[start : start + command.page_size]]
        return page_of(views, page=command.page, page_size=command.page_size, total_items=len(users))

    async def lock(
        self, *, user_id: uuid.UUID | None = None, email: str | None = None, active: bool = False
    ) -> User | None:
        if (user_id is None) == (email is None):
            raise TypeError("lock takes a user_id or an email")
        for user in self._live(active=active):
            if (user_id is not None and user.id == user_id) or (email is not None and user.email == email):
                return _copy(user)
        return None

    async def lock_with_actor_role(
        self, user_id: uuid.UUID, actor_id: uuid.UUID | None
    ) -> tuple[User | None, str | None]:
        return await self.lock(user_id=user_id), await self.actor_role(actor_id) if actor_id else None

    async def add(self, user: User, *, taken: str = TAKEN) -> None:
        if await self.email_taken(user.email):
            raise DomainError(ErrorCode.EMAIL_TAKEN, taken)
        if await self.username_taken(user.username):
            raise DomainError(ErrorCode.USERNAME_TAKEN, taken)
        now = _now()
        user.created_at = user.created_at or now
        user.updated_at = now
        self._rows[user.id] = copy.copy(user)


class MemorySessions(SessionsRepository):
    @property
    def _rows(self) -> dict[uuid.UUID, UserSession]:
        return self.unit.store.sessions  # type: ignore[attr-defined]

    def _is_active(self, session: UserSession) -> bool:
        now = _now()
        oldest = now - timedelta(days=self.unit.settings.session_max_age_days)
        return session.revoked_at is None and session.expires_at > now and session.created_at > oldest

    async def active(self, session_id: uuid.UUID) -> UserSession | None:
        session = self._rows.get(session_id)
        return _copy(session) if session and self._is_active(session) else None

    async def active_by_refresh_token(self, digest: str, *, kind: str) -> UserSession | None:
        found = (s for s in self._rows.values() if s.refresh_token_hash == digest and s.kind == kind)
        return _copy(next((s for s in found if self._is_active(s)), None))

    async def active_of(self, user_id: object) -> list[UserSession]:
        mine = [s for s in self._rows.values() if str(s.user_id) == str(user_id) and self._is_active(s)]
        return [copy.copy(s) for s in sorted(mine, key=lambda s: s.created_at, reverse=True)]

    async def active_of_users(self, user_ids: list[uuid.UUID]) -> list[UserSession]:
        wanted = {str(user_id) for user_id in user_ids}
        theirs = [s for s in self._rows.values() if str(s.user_id) in wanted and self._is_active(s)]
        return [copy.copy(s) for s in sorted(theirs, key=lambda s: s.created_at, reverse=True)]

    async def active_ids_of(self, user_id: object) -> list[uuid.UUID]:
        return [session.id for session in await self.active_of(user_id)]

    async def ended_of(self, user_id: object, *, exclude: list[uuid.UUID], limit: int) -> list[UserSession]:
        mine = [s for s in self._rows.values() if str(s.user_id) == str(user_id) and s.id not in exclude]
        return [copy.copy(s) for s in sorted(mine, key=lambda s: s.created_at, reverse=True)[:limit]]

    async def lock_open(self, session_id: uuid.UUID) -> UserSession | None:
        session = self._rows.get(session_id)
        return _copy(session) if session and session.revoked_at is None else None

    async def lock(self, session_id: uuid.UUID) -> UserSession:
        return copy.copy(self._rows[session_id])

    async def lock_open_of(self, user_id: uuid.UUID, *, keep: uuid.UUID | None = None) -> list[UserSession]:
        return [
            copy.copy(s)
            for s in self._rows.values()
            if s.user_id == user_id and s.revoked_at is None and (keep is None or s.id != keep)
        ]

    async def lock_by_refresh_token(self, token_hash: str, *, kind: str = "api") -> UserSession | None:
        matches = (s for s in self._rows.values() if s.refresh_token_hash == token_hash and (s.kind or "api") == kind)
        return _copy(next(matches, None))

    async def add(self, session: UserSession) -> None:
        self._rows[session.id] = copy.copy(session)

    async def update(self, session: UserSession, fields: list[str]) -> None:
        stored = self._rows[session.id]
        for name in fields:
            setattr(stored, name, getattr(session, name))

    async def spent_token(self, token_hash: str) -> SpentRefreshToken | None:
        return _copy(self.unit.store.spent_tokens.get(token_hash))  # type: ignore[attr-defined]

    async def add_spent_token(self, token_hash: str, *, session_id: uuid.UUID, spent_at: datetime) -> None:
        spent = SpentRefreshToken(token_hash=token_hash, session_id=session_id, spent_at=spent_at)
        self.unit.store.spent_tokens[token_hash] = spent  # type: ignore[attr-defined]


class MemoryAccountTokens(AccountTokensRepository):
    @property
    def _rows(self) -> dict[uuid.UUID, AccountToken]:
        return self.unit.store.account_tokens  # type: ignore[attr-defined]

    async def add(self, token: AccountToken) -> None:
        token.created_at = token.created_at or self.unit.now
        self._rows[token.id] = copy.copy(token)

    async def retire(self, *, user_id: object, purpose: str | None, at: datetime) -> None:
        for token in self._rows.values():
            if str(token.user_id) == str(user_id) and token.used_at is None and purpose in (None, token.purpose):
                token.used_at = at

    async def live(self, token_hash: str, *, purpose: str, now: datetime, lock: bool = False) -> AccountToken | None:
        for token in self._rows.values():
            if (token.token_hash, token.purpose, token.used_at) == (
                token_hash,
                purpose,
                None,
            ) and token.expires_at > now:
                return copy.copy(token)
        return None

    async def update(self, token: AccountToken, fields: list[str]) -> None:
        stored = self._rows[token.id]
        for name in fields:
            setattr(stored, name, getattr(token, name))

    async def issued_since(self, *, user_id: object, purpose: str, since: datetime) -> bool:
        return any(
            str(token.user_id) == str(user_id) and token.purpose == purpose and token.created_at > since
            for token in self._rows.values()
        )


class MemorySecondFactor(SecondFactorRepository):
    @property
    def _store(self) -> Store:
        return self.unit.store  # type: ignore[attr-defined]

    async def lock_totp(self, user_id: object) -> UserTotp | None:
        return _copy(self._store.totps.get(uuid.UUID(str(user_id))))

    async def add_totp(self, totp: UserTotp) -> None:
        self._store.totps[uuid.UUID(str(totp.user_id))] = copy.copy(totp)

    async def update_totp(self, totp: UserTotp, fields: list[str]) -> None:
        stored = self._store.totps.get(uuid.UUID(str(totp.user_id)))
        for name in fields if stored else []:
            setattr(stored, name, getattr(totp, name))

    async def delete_totp(self, user_id: object) -> int:
        return 1 if self._store.totps.pop(uuid.UUID(str(user_id)), None) else 0

    async def add_recovery_codes(self, codes: list[MfaRecoveryCode]) -> None:
        for code in codes:
            self._store.recovery_codes[code.id] = copy.copy(code)

    async def lock_unused_recovery_code(self, user_id: object, digest: str) -> MfaRecoveryCode | None:
        for code in self._store.recovery_codes.values():
            if str(code.user_id) == str(user_id) and code.used_at is None and code.code_digest == digest:
                return copy.copy(code)
        return None

    async def update_recovery_code(self, code: MfaRecoveryCode, fields: list[str]) -> None:
        stored = self._store.recovery_codes.get(code.id)
        for name in fields if stored else []:
            setattr(stored, name, getattr(code, name))

    async def delete_recovery_codes(self, user_id: object) -> None:
        for code_id in [c.id for c in self._store.recovery_codes.values() if str(c.user_id) == str(user_id)]:
            del self._store.recovery_codes[code_id]

    async def add_challenge(self, challenge: MfaChallenge) -> None:
        challenge.wrong_codes = challenge.wrong_codes or 0
        self._store.challenges[challenge.id] = copy.copy(challenge)

    async def lock_challenge(self, token_digest: str) -> MfaChallenge | None:
        found = (c for c in self._store.challenges.values() if c.token_digest == token_digest)
        return _copy(next(found, None))

    async def update_challenge(self, challenge: MfaChallenge, fields: list[str]) -> None:
        stored = self._store.challenges[challenge.id]
        for name in fields:
            setattr(stored, name, getattr(challenge, name))

    async def delete_expired_challenges(self, user_id: object, *, now: datetime) -> None:
        for challenge_id in [
            c.id for c in self._store.challenges.values() if str(c.user_id) == str(user_id) and c.expires_at < now
        ]:
            del self._store.challenges[challenge_id]


class MemoryPasskeys(PasskeysRepository):
    @property
    def _store(self) -> Store:
        return self.unit.store  # type: ignore[attr-defined]

    async def of_user(self, user_id: object) -> list[Passkey]:
        mine = [p for p in self._store.passkeys.values() if str(p.user_id) == str(user_id)]
        return [copy.copy(p) for p in sorted(mine, key=lambda p: (p.created_at, str(p.id)))]

    async def lock_of_user(self, user_id: object) -> list[Passkey]:
        return await self.of_user(user_id)

    async def credential_taken(self, credential_id: str) -> bool:
        return any(p.credential_id == credential_id for p in self._store.passkeys.values())

    async def lock(self, *, user_id: object, passkey_id: object) -> Passkey | None:
        found = self._store.passkeys.get(uuid.UUID(str(passkey_id)))
        return _copy(found) if found is not None and str(found.user_id) == str(user_id) else None

    async def lock_by_credential(self, credential_id: str) -> Passkey | None:
        return _copy(next((p for p in self._store.passkeys.values() if p.credential_id == credential_id), None))

    async def add(self, passkey: Passkey) -> None:
        self._store.passkeys[passkey.id] = copy.copy(passkey)

    async def update(self, passkey: Passkey, fields: list[str]) -> None:
        stored = self._store.passkeys[passkey.id]
        for name in fields:
            setattr(stored, name, getattr(passkey, name))

    async def delete(self, passkeys: list[Passkey]) -> None:
        for passkey in passkeys:
            self._store.passkeys.pop(passkey.id, None)

    async def delete_of_user(self, user_id: object) -> int:
        mine = [p.id for p in self._store.passkeys.values() if str(p.user_id) == str(user_id)]
        for passkey_id in mine:
            del self._store.passkeys[passkey_id]
        return len(mine)

    async def add_challenge(self, challenge: WebAuthnChallenge) -> None:
        self._store.webauthn_challenges[challenge.id] = copy.copy(challenge)

    async def lock_challenge(self, digest: str) -> WebAuthnChallenge | None:
        found = (c for c in self._store.webauthn_challenges.values() if c.challenge_digest == digest)
        return _copy(next(found, None))

    async def update_challenge(self, challenge: WebAuthnChallenge, fields: list[str]) -> None:
        stored = self._store.webauthn_challenges[challenge.id]
        for name in fields:
            setattr(stored, name, getattr(challenge, name))

    async def delete_expired_challenges(self, *, now: datetime) -> None:
        for challenge_id in [c.id for c in self._store.webauthn_challenges.values() if c.expires_at < now]:
            del self._store.webauthn_challenges[challenge_id]


class MemoryMails(MailsRepository):
    async def add(self, *, template: str, sealed: str) -> None:
        self.unit.store.mails.append({"template": template, "sealed": sealed})  # type: ignore[attr-defined]


class MemoryAudit(AuditRepository):
    async def recorded_since(self, *, entity_id: str, action: str, since: datetime) -> bool:
        return any(
            row["entity_id"] == entity_id and row["action"] == action and row["created_at"] > since
            for row in self.unit.store.audit  # type: ignore[attr-defined]
        )

    async def page(self, *, filters: dict[str, str], page: int, page_size: int) -> tuple[int, list[AuditLog]]:
        rows = [
            row
            for row in reversed(self.unit.store.audit)  # type: ignore[attr-defined]
            if all(row[name] == value for name, value in filters.items())
        ]
        start = (page - 1) * page_size
        return len(rows), [AuditLog(**row) for row in rows[start : start + page_size]]

    async def newest_of(self, entity_ids: list[str], *, per_entity: int) -> list[AuditLog]:
        taken: dict[str, int] = {}
        rows = []
        for row in reversed(self.unit.store.audit):  # type: ignore[attr-defined]
            if row["entity_id"] in entity_ids and taken.get(row["entity_id"], 0) < per_entity:
                taken[row["entity_id"]] = taken.get(row["entity_id"], 0) + 1
                rows.append(AuditLog(**row))
        return rows


class MemorySigningKeys(SigningKeysRepository):
    async def current(self) -> dict | None:
        return self._current(lambda algorithm: algorithm != "RS256")

    async def current_for(self, algorithm: str) -> dict | None:
        return self._current(lambda its: its == algorithm)

    def _current(self, wanted: Any) -> dict | None:
        for key in self.unit.store.signing_keys.values():  # type: ignore[attr-defined]
            if key.retired_at is None and key.revoked_at is None and wanted(key.algorithm):
                return {"kid": key.kid, "algorithm": key.algorithm, "private_key": key.private_key}
        return None

    async def all(self) -> list[SigningKey]:
        return [copy.copy(key) for key in self.unit.store.signing_keys.values()]  # type: ignore[attr-defined]


class MemoryOAuth(OAuthRepository):
    @property
    def _store(self) -> "Store":
        return self.unit.store  # type: ignore[attr-defined]

    async def client(self, client_id: str | None) -> OAuthClient | None:
        client = self._store.oauth_clients.get(client_id or "")
        return _copy(client) if client and client.deleted_at is None else None

    async def lock_client(self, client_id: str) -> OAuthClient | None:
        return await self.client(client_id)

    async def add_client(self, client: OAuthClient) -> None:
        self._store.oauth_clients[client.client_id] = copy.copy(client)

    async def update_client(self, client: OAuthClient, fields: list[str]) -> None:
        stored = self._store.oauth_clients[client.client_id]
        for name in fields:
            setattr(stored, name, getattr(client, name))
        stored.updated_at = _now()

    async def client_page(self, *, page: int, page_size: int) -> tuple[list[OAuthClient], int]:
        live = [c for c in self._store.oauth_clients.values() if c.deleted_at is None]
        live.sort(key=lambda c: (c.created_at, c.client_id), reverse=True)
        return [copy.copy(c) for c in live[(page - 1) * page_size : page * page_size]], len(live)

    async def client_names(self, client_ids: list[str]) -> dict[str, str]:
        return {
            c.client_id: c.name
            for c in self._store.oauth_clients.values()
            if c.client_id in client_ids and c.deleted_at is None
        }

    async def drop_unspent_codes_of(self, client_id: str) -> None:
        for digest in [d for d, c in self._store.oauth_codes.items() if c.client_id == client_id and c.used_at is None]:
            del self._store.oauth_codes[digest]

    async def add_code(self, code: OAuthCode) -> None:
        self._store.oauth_codes[code.code_hash] = copy.copy(code)

    async def spend_code(self, code_hash: str, *, now: datetime) -> OAuthCode | None:
        code = self._store.oauth_codes.get(code_hash)
        if code is None or code.used_at is not None:
            return None
        code.used_at = now
        return copy.copy(code)

    async def grant_of_code(self, code_hash: str) -> uuid.UUID | None:
        code = self._store.oauth_codes.get(code_hash)
        return code.grant_session_id if code else None

    async def set_grant_of_code(self, code_hash: str, session_id: uuid.UUID) -> None:
        self._store.oauth_codes[code_hash].grant_session_id = session_id

    async def consent(self, *, user_id: uuid.UUID, client_id: str) -> OAuthConsent | None:
        found = (c for c in self._store.oauth_consents.values() if c.user_id == user_id and c.client_id == client_id)
        return _copy(next(found, None))

    async def lock_consent(self, *, user_id: uuid.UUID, client_id: str) -> OAuthConsent | None:
        return await self.consent(user_id=user_id, client_id=client_id)

    async def consents_of(self, user_id: uuid.UUID) -> list[OAuthConsent]:
        mine = [copy.copy(c) for c in self._store.oauth_consents.values() if c.user_id == user_id]
        return sorted(mine, key=lambda c: c.granted_at, reverse=True)

    async def save_consent(self, consent: OAuthConsent, *, new: bool) -> None:
        self._store.oauth_consents[consent.id] = copy.copy(consent)

    async def delete_consent(self, consent: OAuthConsent) -> None:
        self._store.oauth_consents.pop(consent.id, None)

    async def delete_consents_of_client(self, client_id: str) -> None:
        for key in [k for k, c in self._store.oauth_consents.items() if c.client_id == client_id]:
            del self._store.oauth_consents[key]

    def _sessions(self, **wanted: object) -> list[UserSession]:
        return [
            s for s in self._store.sessions.values() if all(getattr(s, name) == value for name, value in wanted.items())
        ]

    async def lock_browser_session(self, session_id: uuid.UUID, *, user_id: uuid.UUID) -> UserSession | None:
        found = self._sessions(id=session_id, user_id=user_id, kind="browser", revoked_at=None)
        return _copy(found[0] if found else None)

    async def lock_live_grants(self, **filters: object) -> list[UserSession]:
        return [copy.copy(s) for s in self._sessions(kind="grant", revoked_at=None, **filters)]

    async def lock_grant(self, session_id: uuid.UUID, *, client_id: str) -> UserSession | None:
        found = self._sessions(id=session_id, kind="grant", client_id=client_id)
        return _copy(found[0] if found else None)

    async def lock_grant_by_refresh_token(self, digest: str, *, client_id: str) -> UserSession | None:
        found = self._sessions(refresh_token_hash=digest, kind="grant", client_id=client_id)
        return _copy(found[0] if found else None)


class MemorySignIns(SignInsRepository):
    async def seen(
        self, user_id: uuid.UUID, *, device: str, network: str, now: datetime
    ) -> tuple[int, datetime | None]:
        rows = self.unit.store.sign_ins  # type: ignore[attr-defined]
        known = sum(1 for key in rows if key[0] == user_id)
        pair_seen = rows.get((user_id, device, network))
        rows[(user_id, device, network)] = now
        return known, pair_seen


class MemoryIdentities(IdentitiesRepository):
    @property
    def _store(self) -> "Store":
        return self.unit.store  # type: ignore[attr-defined]

    async def provider(self, slug: str, *, enabled: bool = False, lock: bool = False) -> IdentityProvider | None:
        found = [p for p in self._store.identity_providers.values() if p.slug == slug and (p.enabled or not enabled)]
        return _copy(found[0]) if found else None

    async def provider_by_id(self, provider_id: uuid.UUID) -> IdentityProvider:
        return _copy(self._store.identity_providers[provider_id])

    async def providers(self, *, enabled: bool = False) -> list[IdentityProvider]:
        found = [p for p in self._store.identity_providers.values() if p.enabled or not enabled]
        return [copy.copy(p) for p in sorted(found, key=lambda p: (p.name, p.slug))]

    async def add_provider(self, provider: IdentityProvider) -> None:
        self._store.identity_providers[provider.id] = copy.copy(provider)

    async def update_provider(self, provider: IdentityProvider, fields: list[str]) -> None:
        stored = self._store.identity_providers[provider.id]
        for name in [*fields, "updated_at"]:
            setattr(stored, name, getattr(provider, name))

    async def delete_provider(self, provider: IdentityProvider) -> int:
        store = self._store
        linked = [i for i, row in store.user_identities.items() if row.provider_id == provider.id]
        for identity_id in linked:
            del store.user_identities[identity_id]
        for state in [k for k, row in store.provider_sign_ins.items() if row.provider_id == provider.id]:
            del store.provider_sign_ins[state]
        del store.identity_providers[provider.id]
        return len(linked)

    async def is_client_redirect_uri(self, uri: str) -> bool:
        return any(uri in c.redirect_uris for c in self._store.oauth_clients.values() if c.deleted_at is None)

    async def add_sign_in(self, sign_in: ProviderSignIn, *, now: datetime) -> None:
        store = self._store
        for state in [k for k, row in store.provider_sign_ins.items() if row.expires_at < now]:
            del store.provider_sign_ins[state]
        store.provider_sign_ins[sign_in.state_hash] = copy.copy(sign_in)

    async def lock_sign_in(
        self, *, state_hash: str | None = None, login_code_hash: str | None = None
    ) -> ProviderSignIn | None:
        if state_hash:
            return _copy(self._store.provider_sign_ins.get(state_hash))
        return await self.sign_in_by_code(login_code_hash or "")

    async def sign_in_by_code(self, login_code_hash: str) -> ProviderSignIn | None:
        found = [row for row in self._store.provider_sign_ins.values() if row.login_code_hash == login_code_hash]
        return _copy(found[0]) if found else None

    async def update_sign_in(self, sign_in: ProviderSignIn, fields: list[str]) -> None:
        stored = self._store.provider_sign_ins[sign_in.state_hash]
        for name in fields:
            setattr(stored, name, getattr(sign_in, name))

    async def lock_identity(self, provider_id: uuid.UUID, subject: str | None) -> UserIdentity | None:
        found = [
            row
            for row in self._store.user_identities.values()
            if row.provider_id == provider_id and row.subject == subject
        ]
        return _copy(found[0]) if found else None

    async def add_identity(self, identity: UserIdentity) -> None:
        if await self.lock_identity(identity.provider_id, identity.subject) is not None:
            raise DomainError(ErrorCode.ALREADY_EXISTS, "linked already")
        self._store.user_identities[identity.id] = copy.copy(identity)

    async def update_identity(self, identity: UserIdentity, fields: list[str]) -> None:
        stored = self._store.user_identities[identity.id]
        for name in fields:
            setattr(stored, name, getattr(identity, name))

    async def identities_of(self, user_id: uuid.UUID) -> list[tuple[UserIdentity, str]]:
        rows = sorted(
            (row for row in self._store.user_identities.values() if row.user_id == user_id), key=lambda r: r.linked_at
        )
        return [(copy.copy(row), self._store.identity_providers[row.provider_id].slug) for row in rows]

    async def delete_identity(self, identity: UserIdentity) -> None:
        del self._store.user_identities[identity.id]


class MemoryAnalytics(AnalyticsRepository):
    """The rollups as a rebuild would make them: counted straight from the audit rows, by the
    rules the SQL mirrors (domain/analytics.py); the queue and the roll-up are the SQL's."""

    def _facts(self) -> list[tuple[date, str, str, str]]:
        """(day, metric, dimension, user id) of each counted audit row."""
        facts = []
        for row in self.unit.store.audit:  # type: ignore[attr-defined]
            day, action, values, user_id = row["created_at"].date(), row["action"], row["new_values"], row["entity_id"]
            if action in analytics.SIGN_UP_ACTIONS:
                facts.append((day, analytics.SIGN_UPS, "", user_id))
            elif action == analytics.SIGN_IN_ACTION:
                facts.append((day, analytics.SIGN_INS, analytics.sign_in_method(values), user_id))
                facts.append((day, analytics.NEW_SESSIONS, "", user_id))
            elif action == analytics.CLIENT_SIGN_IN_ACTION:
                facts.append((day, analytics.SIGN_INS, "client", user_id))
                facts.append((day, analytics.CLIENT_SIGN_INS, (values or {}).get("client_id", ""), user_id))
            elif action in analytics.FAILED_SIGN_IN_ACTIONS:
                facts.append((day, analytics.FAILED_SIGN_INS, "", user_id))
        return facts

    def _active(self) -> set[tuple[date, str]]:
        return {
            (day, user_id)
            for day, metric, dimension, user_id in self._facts()
            if metric == analytics.NEW_SESSIONS or (metric == analytics.SIGN_INS and dimension == "client")
        }

    async def figures(self, first: date, last: date) -> list[tuple[date, str, str, int]]:
        counts = Counter((day, metric, dimension) for day, metric, dimension, _ in self._facts())
        return [
            (day, metric, dimension, value)
            for (day, metric, dimension), value in counts.items()
            if first <= day <= last and metric != analytics.CLIENT_SIGN_INS
        ]

    async def active_users(self, first: date, last: date) -> dict[date, int]:
        return dict(Counter(day for day, _ in self._active() if first <= day <= last))

    async def totals(self, today: date) -> dict[str, int]:
        store = self.unit.store  # type: ignore[attr-defined]
        live = [user for user in store.users.values() if user.deleted_at is None]
        live_ids = {user.id for user in live}

        def active_since(days: int) -> int:
            return len({user for day, user in self._active() if window_start(today, days) <= day <= today})

        return {
            "users": len(live),
            "active_users_7d": active_since(7),
            "active_users_30d": active_since(30),
            "mfa_enabled": sum(user.mfa_enabled for user in live),
            "passkeys": sum(passkey.user_id in live_ids for passkey in store.passkeys.values()),
        }

    async def client_sign_ins(self, first: date, last: date) -> list[dict]:
        counts = Counter(
            dimension
            for day, metric, dimension, _ in self._facts()
            if metric == analytics.CLIENT_SIGN_INS and first <= day <= last
        )
        return [
            {"client_id": client, "sign_ins": value}
            for client, value in sorted(counts.items(), key=lambda c: (-c[1], c[0]))
        ]


class DatabaseDown(OSError):
    """What the fast tier raises for a database that does not answer (an outage: 503)."""


class MemoryUnitOfWork(UnitOfWork):
    def __init__(self, *, store: Store, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.store = store
        self._snapshot: Store | None = None
        self.users = MemoryUsers(self)  # type: ignore[arg-type]
        self.sessions = MemorySessions(self)  # type: ignore[arg-type]
        self.account_tokens = MemoryAccountTokens(self)  # type: ignore[arg-type]
        self.second_factor = MemorySecondFactor(self)  # type: ignore[arg-type]
        self.mails = MemoryMails(self)  # type: ignore[arg-type]
        self.audit = MemoryAudit(self)  # type: ignore[arg-type]
        self.signing_keys = MemorySigningKeys(self)  # type: ignore[arg-type]
        self.oauth = MemoryOAuth(self)  # type: ignore[arg-type]
        self.passkeys = MemoryPasskeys(self)  # type: ignore[arg-type]
        self.sign_ins = MemorySignIns(self)  # type: ignore[arg-type]
        self.identities = MemoryIdentities(self)  # type: ignore[arg-type]
        self.analytics = MemoryAnalytics(self)  # type: ignore[arg-type]

    async def _open(self) -> None:
        if not self.store.database_up:
            raise DatabaseDown("the database does not answer")
        self._snapshot = self.store.snapshot()

    async def _close(self) -> None:
        self._snapshot = None
        self.store.commits += 1

    async def _rollback(self) -> None:
        if self._snapshot is not None:
            self.store.restore(self._snapshot)
            self._snapshot = None
        self.store.rollbacks += 1

    def _defer(self, model: Any, fields: list[str]) -> None:
        if "updated_at" in fields:
            model.updated_at = _now()
        stored = self.store.users[model.id]
        for name in fields:
            setattr(stored, name, getattr(model, name))

    async def _write(self, processed: list | None) -> None:
        if processed and processed[0] in self.store.processed:
            raise AlreadyProcessed
        for row in self._audit_rows:
            values = dict(zip(AUDIT_NAMES, row, strict=True))
            for name in ("old_values", "new_values"):
                values[name] = None if values[name] is None else orjson.loads(values[name])
            values["id"] = len(self.store.audit) + 1
            self.store.audit.append(values)
        for event_id, routing_key, payload, created_at in self._outbox_rows:
            self.store.outbox.append(
                {"id": event_id, "routing_key": routing_key, "payload": orjson.loads(payload), "created_at": created_at}
            )
        if processed:
            record_id, _, fingerprint, reply, _ = processed
            self.store.processed[record_id] = (fingerprint, orjson.loads(reply))
        self._audit_rows, self._outbox_rows = [], []

    async def _earlier_reply(self) -> dict | None:
        return earlier_reply_of(self.store.processed.get(self._record_id or ""), self._fingerprint)

    async def _remember(self, reply: dict) -> None:
        self.store.processed.setdefault(self._record_id or "", (self._fingerprint, reply))

    async def database_answers(self) -> bool:
        return self.store.database_up


def memory_units(store: Store):
    """WorkerDeps.units for the fast tier: every command's unit of work on `store`."""

    def make(deps: Any, envelope: Any, *, idempotent: bool) -> UnitOfWork:
        return MemoryUnitOfWork(
            store=store,
            settings=deps.settings,
            envelope=envelope,
            after_commit=AfterCommit(deps),
            idempotent=idempotent,
        )

    return make
