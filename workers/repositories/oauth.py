"""The OpenID provider's rows: clients, codes, consents, and the sessions it opens (a
provider sign-in is a `browser` session, a client's grant a `grant` session); with the steps
its handlers share (authenticating a client, ending grants)."""

import uuid
from datetime import datetime
from typing import TYPE_CHECKING

from usersvc.domain.oauth import ClientSecretDigester, OAuthError
from usersvc.domain.session_commands import EndReason
from usersvc.workers.models import OAuthClient, OAuthCode, OAuthConsent, User, UserSession
from usersvc.workers.repositories.base import Repository
from usersvc.workers.repositories.sessions import revoke_session

if TYPE_CHECKING:
    from usersvc.workers.unit_of_work import UnitOfWork

SPEND_CODE_SQL = (
    'UPDATE "oauth_codes" SET "used_at" = $1 WHERE "code_hash" = $2 AND "used_at" IS NULL '
    'RETURNING "code_hash", "client_id", "user_id", "browser_session_id", "redirect_uri", "scopes", "nonce", '
    '"code_challenge", "auth_time", "amr", "expires_at", "created_at"'
)


class OAuthRepository(Repository):
    # --- clients ------------------------------------------------------------------------------

    async def client(self, client_id: str | None) -> OAuthClient | None:
        """A live client."""
        if not client_id:
            return None
        return await OAuthClient.filter(client_id=client_id, deleted_at=None).using_db(self._db).first()

    async def lock_client(self, client_id: str) -> OAuthClient | None:
        return (
            await OAuthClient.filter(client_id=client_id, deleted_at=None)
            .select_for_update()
            .using_db(self._db)
            .first()
        )

    async def add_client(self, client: OAuthClient) -> None:
        await client.save(using_db=self._db, force_create=True)

    async def update_client(self, client: OAuthClient, fields: list[str]) -> None:
        await client.save(update_fields=[*fields, "updated_at"], using_db=self._db)

    async def client_page(self, *, page: int, page_size: int) -> tuple[list[OAuthClient], int]:
        """Live clients, newest first (client_id breaks ties, so pages never overlap)."""
        live = OAuthClient.filter(deleted_at=None).using_db(self._db)
        total = await live.count()
        rows = await live.order_by("-created_at", "-client_id").offset((page - 1) * page_size).limit(page_size)
        return list(rows), total

    async def client_names(self, client_ids: list[str]) -> dict[str, str]:
        rows = await OAuthClient.filter(client_id__in=client_ids, deleted_at=None).using_db(self._db)
        return {row.client_id: row.name for row in rows}

    async def drop_unspent_codes_of(self, client_id: str) -> None:
        await OAuthCode.filter(client_id=client_id, used_at=None).using_db(self._db).delete()

    # --- codes --------------------------------------------------------------------------------

    async def add_code(self, code: OAuthCode) -> None:
        await code.save(using_db=self._db, force_create=True)

    async def spend_code(self, code_hash: str, *, now: datetime) -> OAuthCode | None:
        """The code, marked used by this one statement: two exchanges racing for one code get
        it once between them. None when it is unknown or was used before."""
        rows = await self._db.execute_query_dict(SPEND_CODE_SQL, [now, code_hash])
        return OAuthCode._init_from_db(**rows[0]) if rows else None

    async def grant_of_code(self, code_hash: str) -> uuid.UUID | None:
        """The grant session a spent code opened (to end it when the code comes back)."""
        code = await OAuthCode.filter(code_hash=code_hash).using_db(self._db).first()
        return code.grant_session_id if code else None

    async def set_grant_of_code(self, code_hash: str, session_id: uuid.UUID) -> None:
        await OAuthCode.filter(code_hash=code_hash).using_db(self._db).update(grant_session_id=session_id)

    # --- consents -----------------------------------------------------------------------------

    async def consent(self, *, user_id: uuid.UUID, client_id: str) -> OAuthConsent | None:
        return await OAuthConsent.filter(user_id=user_id, client_id=client_id).using_db(self._db).first()

    async def lock_consent(self, *, user_id: uuid.UUID, client_id: str) -> OAuthConsent | None:
        return (
            await OAuthConsent.filter(user_id=user_id, client_id=client_id)
            .select_for_update()
            .using_db(self._db)
            .first()
        )

    async def consents_of(self, user_id: uuid.UUID) -> list[OAuthConsent]:
        return list(await OAuthConsent.filter(user_id=user_id).order_by("-granted_at").using_db(self._db))

    async def save_consent(self, consent: OAuthConsent, *, new: bool) -> None:
        if new:
            await consent.save(using_db=self._db, force_create=True)
        else:
            await consent.save(update_fields=["scopes", "granted_at"], using_db=self._db)

    async def delete_consent(self, consent: OAuthConsent) -> None:
        await OAuthConsent.filter(id=consent.id).using_db(self._db).delete()

    async def delete_consents_of_client(self, client_id: str) -> None:
        await OAuthConsent.filter(client_id=client_id).using_db(self._db).delete()

    # --- the provider's sessions ----------------------------------------------------------------

    async def lock_browser_session(self, session_id: uuid.UUID, *, user_id: uuid.UUID) -> UserSession | None:
        return (
            await UserSession.filter(id=session_id, user_id=user_id, kind="browser", revoked_at=None)
            .select_for_update()
            .using_db(self._db)
            .first()
        )

    async def lock_live_grants(self, **filters: object) -> list[UserSession]:
        """Grant sessions not yet revoked that match: a client's, a user's with one client,
        or those made in one browser session."""
        return list(
            await UserSession.filter(kind="grant", revoked_at=None, **filters).select_for_update().using_db(self._db)
        )

    async def lock_grant(self, session_id: uuid.UUID, *, client_id: str) -> UserSession | None:
        return (
            await UserSession.filter(id=session_id, kind="grant", client_id=client_id)
            .select_for_update()
            .using_db(self._db)
            .first()
        )

    async def lock_grant_by_refresh_token(self, digest: str, *, client_id: str) -> UserSession | None:
        return (
            await UserSession.filter(refresh_token_hash=digest, kind="grant", client_id=client_id)
            .select_for_update()
            .using_db(self._db)
            .first()
        )


# --- steps the handlers share ---------------------------------------------------------------


async def authenticate_client(
    unit: "UnitOfWork",
    digester: ClientSecretDigester,
    *,
    client_id: str | None,
    client_secret: str | None,
    auth_method: str,
) -> OAuthClient:
    """RFC 6749 §2.3: a confidential client proves its secret (HTTP Basic or the form), a
    public one names itself and presents none. Anything else is invalid_client."""
    client = await unit.oauth.client(client_id)
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


async def live_browser_session(unit: "UnitOfWork", digest: str | None) -> tuple[UserSession, User] | None:
    """The provider session of a cookie, with its user, while both are live."""
    if not digest:
        return None
    session = await unit.sessions.active_by_refresh_token(digest, kind="browser")
    if session is None:
        return None
    user = await unit.users.find(session.user_id, active=True)
    return (session, user) if user else None


async def end_grants(unit: "UnitOfWork", *, reason: EndReason, **filters: object) -> int:
    """Revoke the grant sessions that match: their access and refresh tokens stop at once. A
    sign-out at the provider ends them as `logout`, a withdrawn consent or a deleted client
    as `revoked` (the closed set of docs/api.md)."""
    sessions = await unit.oauth.lock_live_grants(**filters)
    for session in sessions:
        await revoke_session(unit, session, reason=reason)
    return len(sessions)
