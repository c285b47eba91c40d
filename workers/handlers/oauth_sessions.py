"""oauth.end_session, oauth.consents.list, oauth.consents.withdraw: how a user's sign-in at
the provider and what they allowed clients end (docs/oidc.md)."""

from usersvc.domain import rbac
from usersvc.domain.errors import DomainError, ErrorCode
from usersvc.domain.oauth_commands import EndSession, ListConsents, WithdrawConsent
from usersvc.domain.rbac import Principal, Role
from usersvc.domain.replies import iso_utc
from usersvc.domain.session_commands import EndReason
from usersvc.workers.deps import WorkerDeps
from usersvc.workers.models import UserSession
from usersvc.workers.repositories.oauth import end_grants, live_browser_session
from usersvc.workers.repositories.sessions import revoke_session
from usersvc.workers.routing import Handlers
from usersvc.workers.unit_of_work import CommandEnvelope, UnitOfWork


async def _browser_session_to_end(unit: UnitOfWork, command: EndSession) -> UserSession | None:
    """The cookie's session; else the one the verified id_token_hint names (its `sid`), when
    it is still that user's."""
    signed_in = await live_browser_session(unit, command.browser_session_digest)
    if signed_in is not None:
        return await unit.oauth.lock_browser_session(signed_in[0].id, user_id=signed_in[0].user_id)
    if command.hinted_session_id is None or command.hinted_user_id is None:
        return None
    return await unit.oauth.lock_browser_session(command.hinted_session_id, user_id=command.hinted_user_id)


async def end_session(deps: WorkerDeps, envelope: CommandEnvelope[EndSession]) -> dict:
    """RP-initiated logout: the provider session and every grant made in it end; the redirect
    is the client's registered one or none (never an open redirect)."""
    command = envelope.data
    async with deps.unit_of_work(envelope, idempotent=False) as uow:
        await uow.begin()
        client = await uow.oauth.client(command.client_id)
        redirect = command.post_logout_redirect_uri
        if redirect is not None and (client is None or redirect not in client.post_logout_redirect_uris):
            redirect = None
        session = await _browser_session_to_end(uow, command)
        ended = 0
        if session is not None:
            user = await uow.users.get(session.user_id)
            uow.principal = Principal(kind="user", id=str(user.id), role=Role(user.role))
            ended = await end_grants(uow, reason=EndReason.LOGOUT, parent_session_id=session.id)
            await revoke_session(uow, session, reason=EndReason.LOGOUT)
        await uow.commit({"redirect_uri": redirect, "signed_out": session is not None, "grants_ended": ended})
    return uow.reply


def _authorize_for(principal: Principal, user_id: object) -> None:
    """One's own consents; admins and services anyone's."""
    if principal.id != str(user_id) and principal.role != Role.ADMIN and principal.kind != "service":
        rbac.require_role(principal, Role.ADMIN)


async def list_consents(deps: WorkerDeps, envelope: CommandEnvelope[ListConsents]) -> dict:
    """The clients a user consented to (deleted clients left out), newest first."""
    command = envelope.data
    async with deps.unit_of_work(envelope, idempotent=False) as uow:
        _authorize_for(await uow.acting(), command.user_id)
        consents = await uow.oauth.consents_of(command.user_id)
        names = await uow.oauth.client_names([consent.client_id for consent in consents])
        data = [
            {
                "client_id": consent.client_id,
                "name": names[consent.client_id],
                "scopes": consent.scopes,
                "granted_at": iso_utc(consent.granted_at),
            }
            for consent in consents
            if consent.client_id in names
        ]
        await uow.commit({"data": data})
    return uow.reply


async def withdraw_consent(deps: WorkerDeps, envelope: CommandEnvelope[WithdrawConsent]) -> dict:
    """Forget a consent; the client's grants of that user end with it."""
    command = envelope.data
    async with deps.unit_of_work(envelope) as uow:
        await uow.begin()
        _authorize_for(uow.principal, command.user_id)
        consent = await uow.oauth.lock_consent(user_id=command.user_id, client_id=command.client_id)
        if consent is None:
            raise DomainError(ErrorCode.NOT_FOUND, "No consent for this client")
        await uow.oauth.delete_consent(consent)
        ended = await end_grants(uow, reason=EndReason.REVOKED, user_id=command.user_id, client_id=command.client_id)
        facts = {"user_id": str(command.user_id), "client_id": command.client_id, "grants_ended": ended}
        uow.record(
            action="oauth.consent_withdrawn",
            entity_type="oauth_consent",
            entity_id=str(consent.id),
            old={"scopes": consent.scopes},
            new=None,
            event="oauth.consent_withdrawn",
            event_data=facts,
        )
        await uow.commit(None)
    return uow.reply


HANDLERS: Handlers = {EndSession: end_session, ListConsents: list_consents, WithdrawConsent: withdraw_consent}
