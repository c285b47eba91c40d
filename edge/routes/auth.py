"""/v1/auth: login and the caller's own user."""

from sanic import Blueprint, HTTPResponse, Request, json
from sanic_ext import openapi

from domain.commands import Login, LoginBody
from edge.body import parse_body
from edge.docs import body_schema
from edge.gate import command_context
from edge.routes.users import read_user

auth = Blueprint("auth", url_prefix="/v1/auth")
EDGE_ACTOR = {"type": "service", "id": "edge"}


@auth.post("/login")
@openapi.definition(summary="Log in with email or username", tag="auth", body=body_schema(LoginBody))
async def login(request: Request) -> HTTPResponse:
    ctx = request.app.ctx
    await ctx.gate.limit_anonymous(request, limit=ctx.settings.login_limit, scope="login")
    body = parse_body(request, LoginBody)
    tokens = await ctx.rpc.call(Login(**body.model_dump()), actor=EDGE_ACTOR, context=command_context(request))
    return json(tokens)


@auth.get("/me")
@openapi.definition(summary="The caller", tag="auth", secured="bearer")
async def me(request: Request) -> HTTPResponse:
    ctx = request.app.ctx
    claims_sub = ctx.gate.peek_subject(request)
    caller, (cached,) = await ctx.gate.admit(request, limit=ctx.settings.read_limit, scope="read",
                                             cache_keys=(ctx.keys.user(claims_sub),))
    return await read_user(request, caller.user_id, caller=caller, cached=cached)
