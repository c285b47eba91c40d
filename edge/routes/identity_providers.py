"""/v1/identity-providers: the providers people may sign in with (admins only)."""

from sanic import Blueprint, HTTPResponse, Request, empty, json

from usersvc.domain.identity_providers import (
    CreateIdentityProvider,
    DeleteIdentityProvider,
    GetIdentityProvider,
    IdentityProviderBody,
    IdentityProviderFields,
    IdentityProviderList,
    IdentityProviderView,
    ListIdentityProviders,
    UpdateIdentityProvider,
)
from usersvc.edge.body import parse_body
from usersvc.edge.openapi import operation
from usersvc.edge.route_steps import admit, send

identity_providers = Blueprint("identity_providers", url_prefix="/v1/identity-providers")
TAG = "identity-providers"


@identity_providers.post("")
@operation(
    operation_id="identity_providers.create",
    summary="Add a provider to sign in with; the answer's callback_url is the redirect URI to register there",
    tag=TAG,
    status=201,
    body=IdentityProviderBody,
    response=IdentityProviderView,
    errors=(403, 409),
    response_headers=("Location",),
)
async def create_provider(request: Request) -> HTTPResponse:
    caller = await admit(request, write=True)
    body = parse_body(request, IdentityProviderBody)
    view = await send(request, CreateIdentityProvider(**body.model_dump(exclude_unset=True)), caller=caller)
    return json(view, status=201, headers={"Location": f"/v1/identity-providers/{view['slug']}"})


@identity_providers.get("")
@operation(
    operation_id="identity_providers.list",
    summary="Every provider, with its settings (never the secret)",
    tag=TAG,
    response=IdentityProviderList,
    errors=(403,),
)
async def list_providers(request: Request) -> HTTPResponse:
    caller = await admit(request)
    return json(await send(request, ListIdentityProviders(), caller=caller))


@identity_providers.get("/<slug:str>")
@operation(
    operation_id="identity_providers.get",
    summary="One provider",
    tag=TAG,
    response=IdentityProviderView,
    errors=(403, 404),
)
async def get_provider(request: Request, slug: str) -> HTTPResponse:
    caller = await admit(request)
    return json(await send(request, GetIdentityProvider(slug=slug[:100]), caller=caller))


@identity_providers.patch("/<slug:str>")
@operation(
    operation_id="identity_providers.update",
    summary="Change a provider (a new client_secret replaces the sealed one)",
    tag=TAG,
    body=IdentityProviderFields,
    response=IdentityProviderView,
    errors=(403, 404),
)
async def update_provider(request: Request, slug: str) -> HTTPResponse:
    caller = await admit(request, write=True)
    body = parse_body(request, IdentityProviderFields)
    command = UpdateIdentityProvider(**body.model_dump(exclude_unset=True), slug=slug[:100])
    return json(await send(request, command, caller=caller))


@identity_providers.delete("/<slug:str>")
@operation(
    operation_id="identity_providers.delete",
    summary="Remove a provider and the identities linked through it",
    tag=TAG,
    status=204,
    errors=(403, 404),
)
async def delete_provider(request: Request, slug: str) -> HTTPResponse:
    caller = await admit(request, write=True)
    await send(request, DeleteIdentityProvider(slug=slug[:100]), caller=caller)
    return empty()
