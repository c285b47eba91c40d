"""/v1/auth/consents: what the caller allowed OAuth clients, and withdrawing it (docs/oidc.md)."""

from pydantic import BaseModel
from sanic import Blueprint, HTTPResponse, Request, empty, json

from usersvc.domain.oauth_commands import ListConsents, WithdrawConsent
from usersvc.edge.openapi import operation
from usersvc.edge.route_steps import admit, send

consents = Blueprint("consents", url_prefix="/v1/auth/consents")


class Consent(BaseModel):
    client_id: str
    name: str
    scopes: list[str]
    granted_at: str


class ConsentList(BaseModel):
    data: list[Consent]


@consents.get("")
@operation(
    operation_id="auth.consents", summary="The clients the caller consented to", tag="auth", response=ConsentList
)
async def list_consents(request: Request) -> HTTPResponse:
    caller = await admit(request)
    return json(await send(request, ListConsents(user_id=caller.user_id), caller=caller))


@consents.delete("/<client_id:str>")
@operation(
    operation_id="auth.withdraw_consent",
    summary="Withdraw a consent: the client's refresh tokens stop working",
    tag="auth",
    status=204,
    errors=(404, 422),
)
async def withdraw_consent(request: Request, client_id: str) -> HTTPResponse:
    caller = await admit(request, write=True)
    await send(request, WithdrawConsent(user_id=caller.user_id, client_id=client_id[:200]), caller=caller)
    return empty()
