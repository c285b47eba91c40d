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
from functools import partial
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
from usersvc.workers.execution import CommandEnvelope, UnitOfWork, execute_write
from usersvc.workers.models import OAuthClient, SpentRefreshToken, User, UserSession
from usersvc.workers.repositories.oauth import SPEND_CODE_SQL, authenticate_client, find_client
from usersvc.workers.repositories.sessions import active_sessions, revoke_session, session_ends_at, session_entry
from usersvc.workers.repositories.users import view_of
from usersvc.workers.routing import Handlers
from usersvc.workers.user_lock import lock_live_user

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
        unit.connection,
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
    rows = await unit.connection.execute_query_dict(SPEND_CODE_SQL, [unit.now, digest])
    if not rows:
        await _replayed_code(unit, digest)
    code = rows[0]
    if code["client_id"] != client.client_id:
        raise OAuthError("invalid_grant", "The code was issued to another client")
    if code["expires_at"] <= unit.now:
        raise OAuthError("invalid_grant", "The code has expired")
    if command.redirect_uri != code["redirect_uri"]:
        raise OAuthError("invalid_grant", "redirect_uri does not match the authorization request")
    _check_pkce(code["code_challenge"], command.code_verifier)
    browser = await active_sessions(deps.settings, id=code["browser_session_id"]).using_db(unit.connection).first()
    user = await lock_live_user(unit.connection, user_id=code["user_id"], active=True)
    if browser is None or user is None:
        raise OAuthError("invalid_grant", "The sign-in this code came from has ended")
    unit.principal = Principal(kind="user", id=str(user.id), role=Role(user.role))
    scopes, amr = _json_list(code["scopes"]), _json_list(code["amr"])
    with_refresh = "refresh_token" in client.grant_types and ("offline_access" in scopes or client.first_party)
    session_id = uuid.uuid4()
    ends_at = session_ends_at(unit.now, deps.settings)
    tokens = deps.tokens.issue_for_client(
        key=await deps.signing_key.get(unit.connection),
        client_id=client.client_id,
        scopes=scopes,
        now=unit.now,
        user_id=str(user.id),
        session_id=str(session_id),
        role=user.role,
        not_after=ends_at,
        with_refresh=with_refresh,
    )
    await UserSession.create(
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
        auth_time=code["auth_time"],
        using_db=unit.connection,
    )
    await unit.connection.execute_query(
        'UPDATE "oauth_codes" SET "grant_session_id" = $1 WHERE "code_hash" = $2', [session_id, digest]
    )
    unit.cache.sessions[str(session_id)] = session_entry(user_id=user.id, role=user.role)
    reply = _token_reply(tokens, scopes)
    if "openid" in scopes:
        key = await deps.signing_key.get_for(unit.connection, client.id_token_signed_response_alg)
        claims = {
            "sub": str(user.id),
            "aud": client.client_id,
            "azp": client.client_id,
            "auth_time": _epoch(code["auth_time"]),
            "sid": str(browser.id),
            "amr": amr,
            "at_hash": create_half_hash(tokens.access_token, key.algorithm).decode(),
            **user_claims(view_of(user), scopes),
        }
        if code["nonce"] is not None:
            claims["nonce"] = code["nonce"]
        reply["id_token"] = deps.tokens.id_token(key=key, claims=claims, now=unit.now)
    return reply


async def _replayed_code(unit: UnitOfWork, digest: str) -> NoReturn:
    """A code used before: what its first use issued ends (RFC 6749 §4.1.2), then refuse."""
    rows = await unit.connection.execute_query_dict(
        'SELECT "grant_session_id" FROM "oauth_codes" WHERE "code_hash" = $1', [digest]
    )
    if rows and rows[0]["grant_session_id"] is not None:
        session = (
            await UserSession.filter(id=rows[0]["grant_session_id"], revoked_at=None)
            .select_for_update()
            .using_db(unit.connection)
            .first()
        )
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
    session = (
        await UserSession.filter(refresh_token_hash=presented, kind="grant")
        .select_for_update()
        .using_db(unit.connection)
        .first()
    )
    if session is None:
        await _replayed_refresh_token(unit, presented, client)
    if session.client_id != client.client_id:
        raise OAuthError("invalid_grant", "The refresh token was issued to another client")
    user = await User.filter(id=session.user_id).using_db(unit.connection).get()
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
        key=await deps.signing_key.get(unit.connection),
        client_id=client.client_id,
        scopes=scopes,
        now=unit.now,
        user_id=str(user.id),
        session_id=str(session.id),
        role=user.role,
        not_after=ends_at,
        with_refresh=True,
    )
    await SpentRefreshToken.create(
        token_hash=presented, session_id=session.id, spent_at=unit.now, using_db=unit.connection
    )
    session.refresh_token_hash, session.last_used_at = tokens.refresh_token_hash, unit.now
    session.expires_at = tokens.refresh_expires_at
    await session.save(update_fields=["refresh_token_hash", "last_used_at", "expires_at"], using_db=unit.connection)
    unit.cache.sessions[str(session.id)] = session_entry(user_id=user.id, role=user.role)
    return _token_reply(tokens, scopes)


async def _replayed_refresh_token(unit: UnitOfWork, presented: str, client: OAuthClient) -> NoReturn:
    """A spent refresh token of this client came back: someone holds a copy, the grant ends."""
    spent = await SpentRefreshToken.filter(token_hash=presented).using_db(unit.connection).first()
    if spent is not None:
        session = await UserSession.filter(id=spent.session_id).select_for_update().using_db(unit.connection).get()
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
        key=await deps.signing_key.get(unit.connection), client_id=client.client_id, scopes=scopes, now=unit.now
    )
    return _token_reply(tokens, scopes)


async def token(deps: WorkerDeps, envelope: CommandEnvelope[TokenRequest]) -> dict:
    """Edge only. Replies carry tokens, so none is stored for dedupe."""
    return await execute_write(deps, envelope, work=partial(_token, deps), idempotent=False)


async def _revoke(deps: WorkerDeps, unit: UnitOfWork, command: RevokeToken) -> dict:
    try:
        client = await _client(deps, unit, command)
    except OAuthError as error:
        return _answer(error.as_json(), error.status)
    session = None
    if command.refresh_token_digest:
        session = (
            await UserSession.filter(
                refresh_token_hash=command.refresh_token_digest, kind="grant", client_id=client.client_id
            )
            .using_db(unit.connection)
            .select_for_update()
            .first()
        )
    elif command.access_session_id and command.access_client_id == client.client_id:
        session = (
            await UserSession.filter(id=command.access_session_id, kind="grant", client_id=client.client_id)
            .using_db(unit.connection)
            .select_for_update()
            .first()
        )
    if session is not None and session.revoked_at is None:
        user = await User.filter(id=session.user_id).using_db(unit.connection).get()
        unit.principal = Principal(kind="user", id=str(user.id), role=Role(user.role))
        # The client signing its user out (RFC 7009 at logout): the holder ended it.
        await revoke_session(unit, session, reason=EndReason.LOGOUT)
        await unit.record(
            action="oauth.token_revoked",
            entity_type="session",
            entity_id=str(session.id),
            old=None,
            new={"client_id": client.client_id},
        )
    return _answer({})  # RFC 7009 §2.2: 200 whether or not there was anything to revoke


async def revoke(deps: WorkerDeps, envelope: CommandEnvelope[RevokeToken]) -> dict:
    return await execute_write(deps, envelope, work=partial(_revoke, deps), idempotent=False)


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
        if owner is not None and await find_client(unit.connection, owner) is None:
            return inactive
        if "sid" in claims:
            live = await active_sessions(deps.settings, id=claims["sid"]).using_db(unit.connection).exists()
            user = (
                await User.filter(id=claims["sub"], deleted_at=None, is_active=True).using_db(unit.connection).exists()
            )
            if not live or not user:
                return inactive
        body = {key: claims[key] for key in ("scope", "client_id", "sub", "exp", "iat", "iss") if key in claims}
        return _answer({"active": True, **body, "token_type": "Bearer"})
    if command.refresh_token_digest:
        session = (
            await active_sessions(deps.settings, refresh_token_hash=command.refresh_token_digest, kind="grant")
            .using_db(unit.connection)
            .first()
        )
        if session is None or await find_client(unit.connection, session.client_id) is None:
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
    return await execute_write(deps, envelope, work=partial(_introspect, deps), idempotent=False)


HANDLERS: Handlers = {TokenRequest: token, RevokeToken: revoke, IntrospectToken: introspect}
