"""oauth.token, oauth.revoke, oauth.introspect: the token endpoint and its RFC 7009 and
RFC 7662 companions (docs/oidc.md).

Replies are `{"status", "body"}` in OAuth's own shape: the edge writes them as they are. An
OAuthError is a reply like any other, so what the step wrote before it commits: a code is
spent by its first use whatever follows, and a replayed code or refresh token ends the grant
it opened.
"""

import json
import uuid
from datetime import datetime
from typing import Any, NoReturn

from authlib.oidc.core.util import create_half_hash

from usersvc.domain.oauth import (
    API_SCOPES,
    OAuthError,
    parse_scope,
    s256_challenge,
    user_claims,
    verifier_is_well_formed,
)
from usersvc.domain.oauth_commands import IntrospectToken, RevokeToken, TokenRequest
from usersvc.domain.opaque_tokens import opaque_token_digest
from usersvc.domain.rbac import Principal, Role
from usersvc.domain.session_commands import EndReason
from usersvc.workers.deps import WorkerDeps
from usersvc.workers.models import OAuthClient, UserSession
from usersvc.workers.repositories.oauth import authenticate_client
from usersvc.workers.repositories.sessions import revoke_session, session_ends_at, session_entry
from usersvc.workers.repositories.users import view_of
from usersvc.workers.routing import Handlers
from usersvc.workers.unit_of_work import CommandEnvelope, UnitOfWork

GRANT_TYPES = ("authorization_code", "refresh_token", "client_credentials")


def _answer(body: dict, status: int = 200) -> dict:
    return {"status": status, "body": body}


def _json_list(value: str | list[str]) -> list[str]:
    """A JSONB column read with raw SQL comes back as its text."""
    return value if isinstance(value, list) else json.loads(value)


def _epoch(moment: datetime) -> int:
    return int(moment.timestamp())


async def _client(deps: WorkerDeps, unit: UnitOfWork, command: Any) -> OAuthClient:
    client = await authenticate_client(
        unit,
        deps.client_secrets,
        client_id=command.client_id,
        client_secret=command.client_secret,
        auth_method=getattr(command, "auth_method", "client_secret_post" if command.client_secret else "none"),
    )
    unit.principal = Principal(kind="service", id=f"client:{client.client_id}", role=Role.USER)
    return client


async def _token(deps: WorkerDeps, unit: UnitOfWork, command: TokenRequest) -> dict:
    try:
        client = await _client(deps, unit, command)
        if command.grant_type is None:
            raise OAuthError("invalid_request", "grant_type is required")
        if command.grant_type not in GRANT_TYPES:
            raise OAuthError("unsupported_grant_type", f"Unsupported grant_type {command.grant_type[:50]!r}")
        if command.grant_type not in client.grant_types:
            raise OAuthError("unauthorized_client", f"This client may not use the {command.grant_type} grant")
        if command.grant_type == "authorization_code":
            return _answer(await _exchange_code(deps, unit, command, client))
        if command.grant_type == "refresh_token":
            return _answer(await _refresh(deps, unit, command, client))
        return _answer(await _client_credentials(deps, unit, command, client))
    except OAuthError as error:
        return _answer(error.as_json(), error.status)


async def _exchange_code(deps: WorkerDeps, unit: UnitOfWork, command: TokenRequest, client: OAuthClient) -> dict:
    if not command.code:
        raise OAuthError("invalid_request", "code is required")
    digest = opaque_token_digest(command.code)
    code = await unit.oauth.spend_code(digest, now=unit.now)
    if code is None:
        await _replayed_code(unit, digest)
    if code.client_id != client.client_id:
        raise OAuthError("invalid_grant", "The code was issued to another client")
    if code.expires_at <= unit.now:
        raise OAuthError("invalid_grant", "The code has expired")
    if command.redirect_uri != code.redirect_uri:
        raise OAuthError("invalid_grant", "redirect_uri does not match the authorization request")
    _check_pkce(code.code_challenge, command.code_verifier)
    browser = await unit.sessions.active(code.browser_session_id)
    user = await unit.users.lock(user_id=code.user_id, active=True)
    if browser is None or user is None:
        raise OAuthError("invalid_grant", "The sign-in this code came from has ended")
    unit.principal = Principal(kind="user", id=str(user.id), role=Role(user.role))
    scopes, amr = _json_list(code.scopes), _json_list(code.amr)
    with_refresh = "refresh_token" in client.grant_types and ("offline_access" in scopes or client.first_party)
    session_id = uuid.uuid4()
    ends_at = session_ends_at(unit.now, deps.settings)
    tokens = deps.tokens.issue_for_client(
        key=deps.signing_key.open(await unit.signing_keys.current()),
        client_id=client.client_id,
        scopes=scopes,
        now=unit.now,
        user_id=str(user.id),
        session_id=str(session_id),
        role=user.role,
        not_after=ends_at,
        with_refresh=with_refresh,
    )
    grant = UserSession(
        id=session_id,
        user_id=user.id,
        refresh_token_hash=tokens.refresh_token_hash or None,
        last_used_at=unit.now,
        created_at=unit.now,
        expires_at=tokens.refresh_expires_at if with_refresh else unit.now + deps.tokens.access_ttl,
        ip_address=unit.context.ip,
        user_agent=unit.context.user_agent,
        kind="grant",
        client_id=client.client_id,
        scopes=scopes,
        parent_session_id=browser.id,
        amr=amr,
        auth_time=code.auth_time,
    )
    await unit.sessions.add(grant)
    await unit.oauth.set_grant_of_code(digest, session_id)
    unit.cache.sessions[str(session_id)] = session_entry(user_id=user.id, role=user.role)
    reply = _token_reply(tokens, scopes)
    if "openid" in scopes:
        key = deps.signing_key.open(await unit.signing_keys.current_for(client.id_token_signed_response_alg))
        claims = {
            "sub": str(user.id),
            "aud": client.client_id,
            "azp": client.client_id,
            "auth_time": _epoch(code.auth_time),
            "sid": str(browser.id),
            "amr": amr,
            "at_hash": create_half_hash(tokens.access_token, key.algorithm).decode(),
            **user_claims(view_of(user), scopes),
        }
        if code.nonce is not None:
            claims["nonce"] = code.nonce
        reply["id_token"] = deps.tokens.id_token(key=key, claims=claims, now=unit.now)
    return reply


async def _replayed_code(unit: UnitOfWork, digest: str) -> NoReturn:
    """A code used before: what its first use issued ends (RFC 6749 §4.1.2), then refuse."""
    grant_id = await unit.oauth.grant_of_code(digest)
    if grant_id is not None:
        session = await unit.sessions.lock_open(grant_id)
        if session is not None:  # no one asked: the service ended it, as `revoked`
            await revoke_session(unit, session, reason=EndReason.REVOKED, by_actor=False)
    raise OAuthError("invalid_grant", "The code is invalid, expired or already used")


def _check_pkce(challenge: str | None, verifier: str | None) -> None:
    if challenge is None:
        if verifier is not None:  # RFC 9700 §2.1.1: a verifier with no challenge is a downgrade
            raise OAuthError("invalid_grant", "code_verifier sent, but the authorization request had no challenge")
        return
    if verifier is None or not verifier_is_well_formed(verifier):
        raise OAuthError("invalid_grant", "A code_verifier of 43-128 characters is required")
    if s256_challenge(verifier) != challenge:
        raise OAuthError("invalid_grant", "code_verifier does not match the code_challenge")


def _token_reply(tokens: Any, scopes: list[str]) -> dict:
    reply = {
        "access_token": tokens.access_token,
        "token_type": "Bearer",
        "expires_in": tokens.expires_in,
        "scope": " ".join(scopes),
    }
    if tokens.refresh_token:
        reply["refresh_token"] = tokens.refresh_token
    return reply


async def _refresh(deps: WorkerDeps, unit: UnitOfWork, command: TokenRequest, client: OAuthClient) -> dict:
    if not command.refresh_token:
        raise OAuthError("invalid_request", "refresh_token is required")
    presented = opaque_token_digest(command.refresh_token)
    session = await unit.sessions.lock_by_refresh_token(presented, kind="grant")
    if session is None:
        await _replayed_refresh_token(unit, presented, client)
    if session.client_id != client.client_id:
        raise OAuthError("invalid_grant", "The refresh token was issued to another client")
    user = await unit.users.get(session.user_id)
    ends_at = session_ends_at(session.created_at, deps.settings)
    if session.revoked_at is not None or user.deleted_at is not None or not user.is_active:
        raise OAuthError("invalid_grant", "The grant of this refresh token has ended")
    if unit.now >= ends_at or unit.now >= session.expires_at:
        raise OAuthError("invalid_grant", "The refresh token has expired")
    granted = session.scopes or []
    scopes = parse_scope(command.scope) or granted
    if not set(scopes) <= set(granted):
        raise OAuthError("invalid_scope", "A refresh may not add scopes to the grant")
    unit.principal = Principal(kind="user", id=str(user.id), role=Role(user.role))
    tokens = deps.tokens.issue_for_client(
        key=deps.signing_key.open(await unit.signing_keys.current()),
        client_id=client.client_id,
        scopes=scopes,
        now=unit.now,
        user_id=str(user.id),
        session_id=str(session.id),
        role=user.role,
        not_after=ends_at,
        with_refresh=True,
    )
    await unit.sessions.add_spent_token(presented, session_id=session.id, spent_at=unit.now)
    session.refresh_token_hash, session.last_used_at = tokens.refresh_token_hash, unit.now
    session.expires_at = tokens.refresh_expires_at
    await unit.sessions.update(session, ["refresh_token_hash", "last_used_at", "expires_at"])
    unit.cache.sessions[str(session.id)] = session_entry(user_id=user.id, role=user.role)
    return _token_reply(tokens, scopes)


async def _replayed_refresh_token(unit: UnitOfWork, presented: str, client: OAuthClient) -> NoReturn:
    """A spent refresh token of this client came back: someone holds a copy, the grant ends."""
    spent = await unit.sessions.spent_token(presented)
    if spent is not None:
        session = await unit.sessions.lock(spent.session_id)
        if session.revoked_at is None and session.client_id == client.client_id:
            await revoke_session(unit, session, reason=EndReason.REFRESH_REUSE)
    raise OAuthError("invalid_grant", "The refresh token is invalid, expired or already used")


async def _client_credentials(deps: WorkerDeps, unit: UnitOfWork, command: TokenRequest, client: OAuthClient) -> dict:
    if client.type != "confidential":
        raise OAuthError("unauthorized_client", "Only confidential clients may use client_credentials")
    allowed = [scope for scope in client.scopes if scope in API_SCOPES]
    scopes = parse_scope(command.scope) or allowed
    if not set(scopes) <= set(client.scopes):
        raise OAuthError("invalid_scope", "Not allowed for this client")
    tokens = deps.tokens.issue_for_client(
        key=deps.signing_key.open(await unit.signing_keys.current()),
        client_id=client.client_id,
        scopes=scopes,
        now=unit.now,
    )
    return _token_reply(tokens, scopes)


async def token(deps: WorkerDeps, envelope: CommandEnvelope[TokenRequest]) -> dict:
    """Edge only. Replies carry tokens, so none is recorded for replay."""
    async with deps.unit_of_work(envelope, idempotent=False) as uow:
        await uow.begin()
        await uow.commit(await _token(deps, uow, envelope.data))
    return uow.reply


async def _revoke(deps: WorkerDeps, unit: UnitOfWork, command: RevokeToken) -> dict:
    try:
        client = await _client(deps, unit, command)
    except OAuthError as error:
        return _answer(error.as_json(), error.status)
    session: UserSession | None = None
    if command.refresh_token_digest:
        session = await unit.oauth.lock_grant_by_refresh_token(command.refresh_token_digest, client_id=client.client_id)
    elif command.access_session_id and command.access_client_id == client.client_id:
        session = await unit.oauth.lock_grant(command.access_session_id, client_id=client.client_id)
    if session is not None and session.revoked_at is None:
        user = await unit.users.get(session.user_id)
        unit.principal = Principal(kind="user", id=str(user.id), role=Role(user.role))
        # The client signing its user out (RFC 7009 at logout): the holder ended it.
        await revoke_session(unit, session, reason=EndReason.LOGOUT)
        unit.record(
            action="oauth.token_revoked",
            entity_type="session",
            entity_id=str(session.id),
            old=None,
            new={"client_id": client.client_id},
        )
    return _answer({})  # RFC 7009 §2.2: 200 whether or not there was anything to revoke


async def revoke(deps: WorkerDeps, envelope: CommandEnvelope[RevokeToken]) -> dict:
    async with deps.unit_of_work(envelope, idempotent=False) as uow:
        await uow.begin()
        await uow.commit(await _revoke(deps, uow, envelope.data))
    return uow.reply


async def _introspect(deps: WorkerDeps, unit: UnitOfWork, command: IntrospectToken) -> dict:
    try:
        client = await _client(deps, unit, command)
    except OAuthError as error:
        return _answer(error.as_json(), error.status)
    if client.type != "confidential":
        return _answer({"error": "invalid_client", "error_description": "Only confidential clients"}, 401)
    inactive = _answer({"active": False})
    if command.access_claims is not None:
        claims = command.access_claims
        owner = claims.get("client_id")
        if owner is not None and await unit.oauth.client(owner) is None:
            return inactive
        if "sid" in claims:
            live = await unit.sessions.active(uuid.UUID(str(claims["sid"])))
            if live is None or await unit.users.find(live.user_id, active=True) is None:
                return inactive
        body = {key: claims[key] for key in ("scope", "client_id", "sub", "exp", "iat", "iss") if key in claims}
        return _answer({"active": True, **body, "token_type": "Bearer"})
    if command.refresh_token_digest:
        session = await unit.sessions.active_by_refresh_token(command.refresh_token_digest, kind="grant")
        if session is None or await unit.oauth.client(session.client_id) is None:
            return inactive
        return _answer(
            {
                "active": True,
                "scope": " ".join(session.scopes or []),
                "client_id": session.client_id,
                "sub": str(session.user_id),
                "exp": _epoch(session.expires_at),
                "iat": _epoch(session.last_used_at),
                "iss": deps.tokens.issuer,
                "token_type": "refresh_token",
            }
        )
    return inactive


async def introspect(deps: WorkerDeps, envelope: CommandEnvelope[IntrospectToken]) -> dict:
    """A read: nothing is written, so no transaction."""
    async with deps.unit_of_work(envelope, idempotent=False) as uow:
        await uow.acting()
        await uow.commit(await _introspect(deps, uow, envelope.data))
    return uow.reply


HANDLERS: Handlers = {TokenRequest: token, RevokeToken: revoke, IntrospectToken: introspect}
