"""oauth.end_session, oauth.consents.list, oauth.consents.withdraw: how a user's sign-in at
the provider and what they allowed clients end (docs/oidc.md)."""

from functools import partial

from usersvc.domain import rbac
from usersvc.domain.errors import DomainError, ErrorCode
from usersvc.domain.oauth_commands import EndSession, ListConsents, WithdrawConsent
from usersvc.domain.rbac import Principal, Role
from usersvc.domain.replies import iso_utc
from usersvc.domain.session_commands import EndReason
from usersvc.workers.deps import WorkerDeps
from usersvc.workers.execution import CommandEnvelope, UnitOfWork, execute_query, execute_write
from usersvc.workers.models import OAuthClient, OAuthConsent, User, UserSession
from usersvc.workers.repositories.oauth import end_grants, find_client, live_browser_session
from usersvc.workers.repositories.sessions import revoke_session
from usersvc.workers.routing import Handlers


async def _browser_session_to_end(deps: WorkerDeps, unit: UnitOfWork, command: EndSession) -> UserSession | None:
    """The cookie's session; else the one the verified id_token_hint names (its `sid`), when
    it is still that user's."""
    signed_in = await live_browser_session(unit.connection, deps.settings, command.browser_session_digest)
    if signed_in is not None:
        return signed_in[0]
    if command.hinted_session_id is None or command.hinted_user_id is None:
        return None
    return (
        await UserSession.filter(
            id=command.hinted_session_id, user_id=command.hinted_user_id, kind="browser", revoked_at=None
        )
        .using_db(unit.connection)
        .first()
    )


async def _end_session(deps: WorkerDeps, unit: UnitOfWork, command: EndSession) -> dict:
    client = await find_client(unit.connection, command.client_id)
    redirect = command.post_logout_redirect_uri
    if redirect is not None and (client is None or redirect not in client.post_logout_redirect_uris):
        redirect = None  # never an open redirect: only a URI the client registered
    session = await _browser_session_to_end(deps, unit, command)
    ended = 0
    if session is not None:
        session = await UserSession.filter(id=session.id).select_for_update().using_db(unit.connection).get()
        user = await User.filter(id=session.user_id).using_db(unit.connection).get()
        unit.principal = Principal(kind="user", id=str(user.id), role=Role(user.role))
        ended = await end_grants(unit, reason=EndReason.LOGOUT, parent_session_id=session.id)
        if session.revoked_at is None:
            await revoke_session(unit, session, reason=EndReason.LOGOUT)
    return {"redirect_uri": redirect, "signed_out": session is not None, "grants_ended": ended}


async def end_session(deps: WorkerDeps, envelope: CommandEnvelope[EndSession]) -> dict:
    return await execute_write(deps, envelope, work=partial(_end_session, deps), idempotent=False)


def _authorize_for(principal: Principal, user_id: object) -> None:
    """One's own consents; admins and services anyone's."""
    if principal.id != str(user_id) and principal.role != Role.ADMIN and principal.kind != "service":
        rbac.require_role(principal, Role.ADMIN)


async def _list(principal: Principal, command: ListConsents) -> dict:
    _authorize_for(principal, command.user_id)
    consents = await OAuthConsent.filter(user_id=command.user_id).order_by("-granted_at")
    names = dict(
        await OAuthClient.filter(
            client_id__in=[consent.client_id for consent in consents], deleted_at=None
        ).values_list("client_id", "name")
    )
    return {
        "data": [
            {
                "client_id": consent.client_id,
                "name": names[consent.client_id],
                "scopes": consent.scopes,
                "granted_at": iso_utc(consent.granted_at),
            }
            for consent in consents
            if consent.client_id in names
        ]
    }


async def list_consents(deps: WorkerDeps, envelope: CommandEnvelope[ListConsents]) -> dict:
    return await execute_query(envelope, _list)


async def _withdraw(unit: UnitOfWork, command: WithdrawConsent) -> None:
    _authorize_for(unit.principal, command.user_id)
    consent = (
        await OAuthConsent.filter(user_id=command.user_id, client_id=command.client_id)
        .select_for_update()
        .using_db(unit.connection)
        .first()
    )
    if consent is None:
        raise DomainError(ErrorCode.NOT_FOUND, "No consent for this client")
    await consent.delete(using_db=unit.connection)
    ended = await end_grants(unit, reason=EndReason.REVOKED, user_id=command.user_id, client_id=command.client_id)
    data = {"user_id": str(command.user_id), "client_id": command.client_id, "grants_ended": ended}
    await unit.record(
        action="oauth.consent_withdrawn",
        entity_type="oauth_consent",
        entity_id=str(consent.id),
        old={"scopes": consent.scopes},
        new=None,
        event="oauth.consent_withdrawn",
        event_data=data,
    )


async def withdraw_consent(deps: WorkerDeps, envelope: CommandEnvelope[WithdrawConsent]) -> dict:
    return await execute_write(deps, envelope, work=_withdraw)


HANDLERS: Handlers = {EndSession: end_session, ListConsents: list_consents, WithdrawConsent: withdraw_consent}
