"""The OpenID provider's rows: clients as the token endpoint authenticates them, browser and
grant sessions, consents and codes."""

import uuid

from tortoise.backends.base.client import BaseDBAsyncClient

from usersvc.domain.oauth import ClientSecretDigester, OAuthError
from usersvc.domain.session_commands import EndReason
from usersvc.settings import Settings
from usersvc.workers.execution import UnitOfWork
from usersvc.workers.models import OAuthClient, OAuthConsent, User, UserSession
from usersvc.workers.repositories.sessions import active_sessions, revoke_session

SPEND_CODE_SQL = (
    'UPDATE "oauth_codes" SET "used_at" = $1 WHERE "code_hash" = $2 AND "used_at" IS NULL '
    'RETURNING "client_id", "user_id", "browser_session_id", "redirect_uri", "scopes", "nonce", '
    '"code_challenge", "auth_time", "amr", "expires_at"'
)


async def find_client(connection: BaseDBAsyncClient, client_id: str | None) -> OAuthClient | None:
    if not client_id:
        return None
    return await OAuthClient.filter(client_id=client_id, deleted_at=None).using_db(connection).first()


async def authenticate_client(
    connection: BaseDBAsyncClient,
    digester: ClientSecretDigester,
    *,
    client_id: str | None,
    client_secret: str | None,
    auth_method: str,
) -> OAuthClient:
    """RFC 6749 §2.3: a confidential client proves its secret (HTTP Basic or the form), a
    public one names itself and presents none. Anything else is invalid_client."""
    client = await find_client(connection, client_id)
    if client is None:
        digester.matches(client_secret or "", None)  # the same work as a wrong secret
        raise OAuthError("invalid_client", "Client authentication failed")
    if client.type == "public":
        if auth_method != "none" or client_secret:
            raise OAuthError("invalid_client", "A public client authenticates with no secret")
        return client
    if auth_method == "none" or not digester.matches(client_secret or "", client.secret_digest):
        raise OAuthError("invalid_client", "Client authentication failed")
    return client


async def live_browser_session(
    connection: BaseDBAsyncClient, settings: Settings, digest: str | None
) -> tuple[UserSession, User] | None:
    """The provider session of a cookie, with its user, while both are live."""
    if not digest:
        return None
    session = await active_sessions(settings, refresh_token_hash=digest, kind="browser").using_db(connection).first()
    if session is None:
        return None
    user = await User.filter(id=session.user_id, deleted_at=None, is_active=True).using_db(connection).first()
    return (session, user) if user else None


async def consent_of(connection: BaseDBAsyncClient, *, user_id: uuid.UUID, client_id: str) -> OAuthConsent | None:
    return await OAuthConsent.filter(user_id=user_id, client_id=client_id).using_db(connection).first()


async def end_grants(unit: UnitOfWork, *, reason: EndReason, **filters: object) -> int:
    """Revoke the live grant sessions that match (a client's, a user's with one client, or
    those made in one browser session): their access and refresh tokens stop at once. A
    sign-out at the provider ends them as `logout`, a withdrawn consent or a deleted client
    as `revoked` (the closed set of docs/api.md)."""
    sessions = (
        await UserSession.filter(kind="grant", revoked_at=None, **filters).select_for_update().using_db(unit.connection)
    )
    for session in sessions:
        await revoke_session(unit, session, reason=reason)
    return len(sessions)
