"""/v1/oauth/clients: OpenID Connect clients, registered and managed by admins (docs/oidc.md).

Every route is admin only (403 before anything else is looked at) and goes to the workers;
nothing here is cached. A client id that cannot be one (not 1-64 base64url characters) is
not found, as an unknown one is.
"""

import re

from sanic import Blueprint, HTTPResponse, Request, empty, json

from usersvc.domain import rbac
from usersvc.domain.commands import (
    CLIENT_ID_PATTERN,
    CreateOAuthClient,
    DeleteOAuthClient,
    GetOAuthClient,
    ListOAuthClients,
    OAuthClientCreateBody,
    OAuthClientPatchBody,
    RotateOAuthClientSecret,
    UpdateOAuthClient,
)
from usersvc.domain.errors import ErrorCode
from usersvc.domain.rbac import Role
from usersvc.domain.replies import OAuthClientPage, OAuthClientSecret, OAuthClientView, OAuthClientWithSecret
from usersvc.edge.body import parse_body, query_of, validate
from usersvc.edge.caller import Caller
from usersvc.edge.errors import ApiError
from usersvc.edge.openapi import operation
from usersvc.edge.route_steps import admit, send

oauth_clients = Blueprint("oauth_clients", url_prefix="/v1/oauth/clients")
QUERY_FIELDS = ("page", "page_size")
CLIENT_ID = re.compile(CLIENT_ID_PATTERN)
NO_STORE = {"Cache-Control": "no-store"}  # answers that carry a client secret


async def admit_admin(request: Request, *, write: bool = False) -> Caller:
    caller = await admit(request, write=write)
    rbac.require_role(caller.principal, Role.ADMIN)
    return caller


def client_id_from_path(value: str) -> str:
    """After the role check: an id no client can have is not found, like an unknown one."""
    if not CLIENT_ID.fullmatch(value):
        raise ApiError(ErrorCode.NOT_FOUND, "OAuth client not found")
    return value


@oauth_clients.post("/")
@operation(
    operation_id="oauth_clients.create",
    summary="Register a client (admin); a confidential client's secret is in this answer only",
    tag="oauth",
    status=201,
    body=OAuthClientCreateBody,
    response=OAuthClientWithSecret,
    errors=(403,),
    response_headers=("Location", "Cache-Control"),
    description="Redirect URIs match exactly; outside development they are https, except loopback "
    "`http://127.0.0.1` and `http://[::1]` ones (any port, RFC 8252). A client with the "
    "`authorization_code` grant needs at least one; `client_credentials` is for confidential clients "
    "only (422 otherwise).",
)
async def create_client(request: Request) -> HTTPResponse:
    caller = await admit_admin(request, write=True)
    body = parse_body(request, OAuthClientCreateBody)
    client = await send(request, CreateOAuthClient(**body.model_dump()), caller=caller)
    headers = {"Location": f"/v1/oauth/clients/{client['client_id']}", **NO_STORE}
    return json(client, status=201, headers=headers)


@oauth_clients.get("/")
@operation(
    operation_id="oauth_clients.list",
    summary="A page of the clients, newest first (admin)",
    tag="oauth",
    query=ListOAuthClients,
    response=OAuthClientPage,
    errors=(403,),
)
async def list_clients(request: Request) -> HTTPResponse:
    caller = await admit_admin(request)
    command = validate(ListOAuthClients, query_of(request, QUERY_FIELDS))
    return json(await send(request, command, caller=caller))


@oauth_clients.get("/<client_id:str>")
@operation(
    operation_id="oauth_clients.get",
    summary="One client, never its secret (admin)",
    tag="oauth",
    response=OAuthClientView,
    errors=(403, 404),
)
async def get_client(request: Request, client_id: str) -> HTTPResponse:
    caller = await admit_admin(request)
    command = GetOAuthClient(client_id=client_id_from_path(client_id))
    return json(await send(request, command, caller=caller))


@oauth_clients.patch("/<client_id:str>")
@operation(
    operation_id="oauth_clients.update",
    summary="Change some fields of a client (admin)",
    tag="oauth",
    body=OAuthClientPatchBody,
    response=OAuthClientWithSecret,
    errors=(403, 404),
    response_headers=("Cache-Control",),
    description="The fields of the registration, by the same rules, checked on the client as it "
    "would be. A public client made confidential gets a `client_secret`, in this answer only; a "
    "confidential one made public loses its secret.",
)
async def update_client(request: Request, client_id: str) -> HTTPResponse:
    caller = await admit_admin(request, write=True)
    target = client_id_from_path(client_id)
    body = parse_body(request, OAuthClientPatchBody)
    command = UpdateOAuthClient(**body.model_dump(exclude_unset=True), client_id=target)
    return json(await send(request, command, caller=caller), headers=NO_STORE)


@oauth_clients.delete("/<client_id:str>")
@operation(
    operation_id="oauth_clients.delete",
    summary="Delete a client (admin): its tokens and grants stop working at once",
    tag="oauth",
    status=204,
    errors=(403, 404),
)
async def delete_client(request: Request, client_id: str) -> HTTPResponse:
    caller = await admit_admin(request, write=True)
    await send(request, DeleteOAuthClient(client_id=client_id_from_path(client_id)), caller=caller)
    return empty()


@oauth_clients.post("/<client_id:str>/secret")
@operation(
    operation_id="oauth_clients.rotate_secret",
    summary="A new secret for a confidential client (admin); the old one stops working",
    tag="oauth",
    response=OAuthClientSecret,
    errors=(403, 404, 422),
    response_headers=("Cache-Control",),
    description="A public client has no secret: 422.",
)
async def rotate_secret(request: Request, client_id: str) -> HTTPResponse:
    caller = await admit_admin(request, write=True)
    command = RotateOAuthClientSecret(client_id=client_id_from_path(client_id))
    return json(await send(request, command, caller=caller), headers=NO_STORE)
